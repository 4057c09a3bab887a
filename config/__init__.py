"""Settings: the one place configuration is read (environment variables, defaults)."""
