# Two commands do everything on a fresh Debian/Ubuntu machine:
#   make tour   -- set up what the tour needs, then walk the chapter (writes ./microgradnn-tour/)
#   make test   -- set up the test tools too, then run the whole test suite
# Where $(PYTHON) refuses pip (PEP 668, as Debian's and Ubuntu's python3 do) the set-up makes a
# project virtual environment, .venv, and every target below runs with .venv/bin/python.
PYTHON ?= python3
# The interpreter the set-up installs into (expanded when a recipe runs, after its set-up).
PY = $(shell bash scripts/setup.sh --python "$(PYTHON)")

.PHONY: setup tour test lint docs bench

setup:
	@bash scripts/setup.sh test "$(PYTHON)"

tour:
	@bash scripts/setup.sh tour "$(PYTHON)"
	"$(PY)" -m microgradnn tour

test:
	@bash scripts/setup.sh test "$(PYTHON)"
	"$(PY)" -m pytest -n 2 -q

lint:
	"$(PY)" -m ruff check . && "$(PY)" -m ruff format --check .

docs:
	@bash scripts/setup.sh docs "$(PYTHON)"
	"$(PY)" -m mkdocs build --strict

bench:
	@bash scripts/setup.sh tour "$(PYTHON)"
	"$(PY)" -m pip install -q -e ".[bench]"
	"$(PY)" benchmarks/run.py
