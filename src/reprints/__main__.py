"""``python -m reprints`` runs the command line."""

from reprints.cli import main

main()
