"""Command line and settings."""
