"""Command-line entry point: ``python -m rewrite demo``."""
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    print("fx-rewrite: nothing to demo yet", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
