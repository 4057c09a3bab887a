"""The work store: SQLAlchemy models + repository (SQLite default, PostgreSQL by URL)
and content-addressed file storage. Importing this package connects to nothing."""

from store.db import database_url, make_engine, session_factory, upgrade
from store.files import ContentStore, StoredFile
from store.repository import LeaseLost, Received, Repository

__all__ = [
    "ContentStore",
    "LeaseLost",
    "Received",
    "Repository",
    "StoredFile",
    "database_url",
    "make_engine",
    "session_factory",
    "upgrade",
]
