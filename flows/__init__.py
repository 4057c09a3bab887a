"""Prefect flows: thin orchestration over the packages."""
