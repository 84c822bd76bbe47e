# Two commands do everything on a fresh Debian/Ubuntu machine:
#   make tour   -- set up, then walk the chapter (writes ./microgradnn-tour/)
#   make test   -- set up, then run the whole test suite
PYTHON ?= python3

.PHONY: setup tour test lint docs bench

setup:
	@bash scripts/setup.sh "$(PYTHON)"

tour: setup
	$(PYTHON) -m microgradnn tour

test: setup
	$(PYTHON) -m pytest -n 2 -q

lint:
	$(PYTHON) -m ruff check . && $(PYTHON) -m ruff format --check .

docs: setup
	$(PYTHON) -m mkdocs build --strict

bench: setup
	$(PYTHON) -m pip install -q -e ".[bench]"
	$(PYTHON) benchmarks/run.py
