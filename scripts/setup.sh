#!/usr/bin/env bash
# Installs what microgradnn's tour and tests need, skipping what is already there:
# the package with its extras (pip), Graphviz's `dot` and Chromium (apt-get, when root).
set -euo pipefail
PYTHON="${1:-python3}"
cd "$(dirname "$0")/.."

if ! "$PYTHON" -c "import microgradnn, hypothesis, graphviz, PIL, matplotlib, playwright, sklearn, mkdocstrings" 2>/dev/null \
   || [ "$("$PYTHON" -c 'import microgradnn, os; print(os.path.dirname(os.path.dirname(microgradnn.__file__)))' 2>/dev/null)" != "$PWD" ]; then
  echo "setup: installing microgradnn with its test extras (pip)"
  # (the filter hides pip's notes about local package mirrors that some machines configure)
  "$PYTHON" -m pip install -q --disable-pip-version-check -e ".[test]" 2> >(grep -v "is ignored: it is neither" >&2)
fi

missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install ${missing[*]} yourself, for example:"
    echo "  sudo apt-get install ${missing[*]}     (Debian/Ubuntu)"
    echo "  brew install graphviz; Chromium is optional (browser tests skip without it)   (macOS)"
  fi
fi
