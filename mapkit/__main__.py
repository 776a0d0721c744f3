"""``python -m mapkit`` runs the command line."""

from mapkit.cli import main

if __name__ == "__main__":
    main()
