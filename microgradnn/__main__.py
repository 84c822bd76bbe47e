"""`python -m microgradnn ...` runs the same command line as `microgradnn ...`."""

import sys

from microgradnn.cli import main

if __name__ == "__main__":
    sys.exit(main())
