"""The command line: ``yomitori`` and its sub-commands (entry point: :mod:`yomitori.cli.main`)."""
