"""``python -m journeylens``: the same as the ``journeylens`` command."""

from journeylens.cli import main

if __name__ == "__main__":
    main()
