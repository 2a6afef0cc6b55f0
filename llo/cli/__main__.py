"""`python -m llo.cli`, as the `llo` command."""

from llo.cli import main

main()
