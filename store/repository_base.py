"""The work store's shared plumbing: sessions, clock and the one-transaction helpers.

:class:`store.repository.Repository` is assembled from small parts that all derive
from :class:`RepositoryBase` (intake in :mod:`store.repository_intake`, read-only queries
in :mod:`store.repository_queries`); the rules they keep are listed in
:mod:`store.repository`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from domain.audit_sampling import AuditPolicy
from store.db import write_transaction
from store.files import ContentStore
from store.models import utcnow


class RepositoryBase:
    """Sessions, files, clock and settings shared by every part of the repository."""

    def __init__(self, session_factory: sessionmaker[Session], files: ContentStore, *,
                 max_attempts: int = 3, clock: Callable[[], datetime] = utcnow,
                 audit_policy: AuditPolicy | None = None) -> None:
        self._sf = session_factory
        self.files = files
        self.max_attempts = max_attempts
        self._clock = clock
        self.audit_policy = audit_policy  # None: no audit draw after a reading (issue 15)

    def _write(self) -> AbstractContextManager[Session]:
        return write_transaction(self._sf)

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory (for stores of other tables that share this database)."""
        return self._sf

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._sf() as s, s.begin():
            yield s
