"""``python -m rewrite``: see :mod:`rewrite.front.cli`."""

import sys

from rewrite.front.cli import main

if __name__ == "__main__":
    sys.exit(main())
