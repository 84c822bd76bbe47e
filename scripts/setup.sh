#!/usr/bin/env bash
# Installs what one `make` target needs, skipping what is already there.
#
#   scripts/setup.sh tour [PYTHON]     the package and what the tour draws with ([tour] extra)
#   scripts/setup.sh test [PYTHON]     that, the test tools ([test] extra) and PyTorch's CPU build
#   scripts/setup.sh docs [PYTHON]     that and the documentation site's tools ([docs] extra)
#   scripts/setup.sh --python [PYTHON] prints the interpreter the other modes install into
#
# Python packages go through pip. A Python that refuses pip (PEP 668, "externally-managed-environment",
# as Debian's and Ubuntu's own python3 do) gets a project virtual environment, .venv, and everything
# goes there. System packages (Graphviz's `dot`, Chromium, a CJK font) come from apt-get when we are
# root; otherwise the set-up prints the command to run.
set -euo pipefail
MODE="${1:-tour}"
BASE_PYTHON="${2:-python3}"
cd "$(dirname "$0")/.."
VENV=.venv
# The PyTorch the tests use: on the project's machines this version is a local CPU-only wheel.
TORCH_PIN="torch==2.13.0"

say() { echo "setup: $*" >&2; }

# True when pip would refuse to install into this interpreter: PEP 668's marker file sits in its
# standard library folder and it is not itself a virtual environment (pip's own test).
externally_managed() {
  "$1" - <<'EOF' 2>/dev/null
import os, sys, sysconfig
in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
sys.exit(0 if os.path.isfile(marker) and not in_venv else 1)
EOF
}

# The interpreter to install into and run with: BASE_PYTHON itself, or .venv's where BASE_PYTHON
# refuses pip or has none.
chosen_python() {
  if externally_managed "$BASE_PYTHON" || ! "$BASE_PYTHON" -m pip --version >/dev/null 2>&1; then
    echo "$PWD/$VENV/bin/python"
  else
    command -v "$BASE_PYTHON" || echo "$BASE_PYTHON"
  fi
}

if [ "$MODE" = "--python" ]; then
  chosen_python
  exit 0
fi
case "$MODE" in tour | test | docs) ;; *)
  say "unknown target '$MODE' (use tour, test, docs or --python)"
  exit 2
  ;;
esac

if ! command -v "$BASE_PYTHON" >/dev/null 2>&1; then
  say "no Python called '$BASE_PYTHON'; install Python 3.10 or newer (sudo apt-get install python3) or run make PYTHON=/path/to/python"
  exit 1
fi

as_root_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_updated=
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$apt_updated" ]; then apt-get update -qq && apt_updated=1; fi
  apt-get install -y -qq "$@" >/dev/null
}

PYTHON="$(chosen_python)"
if [ "$PYTHON" = "$PWD/$VENV/bin/python" ]; then
  why="refuses pip install (PEP 668)"
  externally_managed "$BASE_PYTHON" || why="has no pip"
  if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    say "$BASE_PYTHON $why, so microgradnn goes into a project virtual environment: $VENV (afterwards: source $VENV/bin/activate)"
    rm -rf "$VENV"
    if ! "$BASE_PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
      # Debian and Ubuntu ship venv's pip bootstrap separately, as python3.X-venv.
      venv_pkg="python$("$BASE_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
      rm -rf "$VENV"
      if as_root_apt; then
        say "installing $venv_pkg (apt-get), which python -m venv needs"
        apt_install "$venv_pkg"
        "$BASE_PYTHON" -m venv "$VENV"
      else
        say "python -m venv needs $venv_pkg: sudo apt-get install $venv_pkg, then run make again"
        exit 1
      fi
    fi
  else
    say "using the project virtual environment $VENV ($BASE_PYTHON $why)"
  fi
fi

pip_install() {
  # (the filter hides pip's notes about local package mirrors that some machines configure)
  "$PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore "$@" \
    2> >(grep -v "is ignored: it is neither" >&2)
}

# Is this checkout's microgradnn the one installed, with the modules that MODE needs?
case "$MODE" in
  tour) extra=tour modules="graphviz, PIL, matplotlib" ;;
  docs) extra=docs modules="mkdocs, mkdocstrings" ;;
  test) extra=test modules="graphviz, PIL, matplotlib, hypothesis, pytest, xdist, playwright, sklearn, mkdocs,
    mkdocstrings, ruff, nbclient, nbformat, nbconvert, ipykernel" ;;
esac
# (run from / so that Python's path does not start with this folder: the package must really be installed)
installed_from_here() {
  [ "$(cd / && "$PYTHON" -c 'import microgradnn, os; print(os.path.dirname(os.path.dirname(microgradnn.__file__)))' \
    2>/dev/null)" = "$PWD" ] && (cd / && "$PYTHON" -c "import ${modules//[[:space:]]/}" 2>/dev/null)
}
# A stamp of pyproject.toml per target and interpreter: an extra that gained a package installs again.
stamp="build/setup-$MODE.stamp"
want="$PYTHON $(cksum <pyproject.toml)"
if ! installed_from_here || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing microgradnn with its [$extra] extra (pip)"
  pip_install -e ".[$extra]"
  mkdir -p build && echo "$want" >"$stamp"
fi

# PyTorch for the bridge's tests, CPU-only. Pinned to the version that is a local CPU wheel here; a
# dry run first, so a machine that would have to download a CUDA build skips it (those tests skip).
if [ "$MODE" = test ] && ! "$PYTHON" -c "import torch" 2>/dev/null; then
  plan="$("$PYTHON" -m pip install --dry-run --disable-pip-version-check "$TORCH_PIN" 2>/dev/null | grep '^Would install' || true)"
  if [[ "$plan" == *"torch-2.13.0+cpu"* && "$plan" != *nvidia* ]]; then
    say "installing PyTorch's CPU build for the interop tests (pip install $TORCH_PIN)"
    pip_install "$TORCH_PIN"
  else
    say "no CPU-only $TORCH_PIN wheel here, so PyTorch is left out and the interop tests skip" \
      "(to add it: pip install torch --index-url https://download.pytorch.org/whl/cpu)"
  fi
fi

# System packages: `dot` draws every picture; Chromium runs the browser tests; a CJK font puts the
# Korean tour's words on its pictures.
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
if [ "$MODE" = test ]; then
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
fi
if command -v fc-list >/dev/null 2>&1; then
  [ -n "$(fc-list :lang=ko 2>/dev/null | head -n 1)" ] || missing+=(fonts-noto-cjk)
elif command -v dpkg >/dev/null 2>&1; then
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if as_root_apt; then
    say "installing ${missing[*]} (apt-get)"
    apt_install "${missing[@]}"
  else
    say "please install ${missing[*]} yourself, for example:"
    echo "  sudo apt-get install ${missing[*]}     (Debian/Ubuntu)" >&2
    echo "  brew install graphviz; Chromium and the font are optional (browser tests skip without Chromium)   (macOS)" >&2
  fi
fi
