"""The command line and the demo (top floor: nothing else imports this package)."""
