"""``python -m journeylens``: the same as the ``journeylens`` command."""

from journeylens.cli.main import main

if __name__ == "__main__":
    main()
