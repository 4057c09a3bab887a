"""Engine, sessions and migrations. Nothing connects at import time.

SQLite (the default) is made safe for several processes: WAL journal, foreign keys,
a 30 s busy timeout, and transactions that the repository can open with
``BEGIN IMMEDIATE`` (execution option ``sqlite_begin``) so a writer takes the write
lock before it reads, instead of failing with "database is locked" on upgrade.

PostgreSQL (``postgresql+psycopg://user:pass@host/db``; a bare ``postgresql://`` is
given the psycopg 3 driver too) runs at its default READ COMMITTED level with
``pool_pre_ping``. Write transactions take no global lock there: every read-modify-write
in the store locks the rows it reads (``SELECT ... FOR UPDATE``), claims skip rows other
workers hold (``FOR UPDATE SKIP LOCKED``) and conditional UPDATEs re-check their
condition on the latest row version. ``upgrade`` holds an advisory lock, so several
machines starting at once migrate one after the other.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BEGIN_OPTION = "sqlite_begin"  # execution option: "DEFERRED" (default) or "IMMEDIATE"
MIGRATION_LOCK = 0x796F6D69  # PostgreSQL advisory lock key held while migrating ("yomi")


def database_url(settings: Settings) -> str:
    """YOMITORI_DATABASE_URL, or a SQLite file in the data directory."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{Path(settings.home).resolve() / 'yomitori.db'}"


def make_engine(url: str, **kwargs: Any) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        _sqlite_setup(engine)
        return engine
    if u.get_backend_name() == "postgresql":
        if u.drivername == "postgresql":  # SQLAlchemy's default would be psycopg2 (not installed)
            u = u.set(drivername="postgresql+psycopg")
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(u, **kwargs)
    return create_engine(url, **kwargs)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            # the wait first: switching to WAL takes a lock too, and without it the pragma
            # failed at once ("database is locked") while another process was migrating
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
            raise ValueError(f"bad {BEGIN_OPTION} option {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit; ReviewAction rows guarded."""
    from store.audit_models import guard_audit_tables
    from store.models import guard_append_only

    factory = sessionmaker(engine, expire_on_commit=False)
    guard_append_only(factory)
    guard_audit_tables(factory)
    return factory


def alembic_config(url: str | None = None) -> Any:
    """An Alembic Config built in code: works from any cwd and from an installed package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` on the database at ``url``.

    Safe when several processes start at once (every worker and the review app call it):
    one migrates, the others wait and then find nothing to do. On SQLite the transaction
    starts with BEGIN IMMEDIATE; on PostgreSQL it holds an advisory lock.
    """
    for attempt in range(1, UPGRADE_ATTEMPTS + 1):
        try:
            _upgrade_once(url, revision)
            return
        except OperationalError as exc:
            # SQLite: another process held the write lock longer than the busy timeout (a
            # long migration on a loaded machine). Nothing was written: the whole upgrade is
            # one transaction, so trying again is safe.
            if "database is locked" not in str(exc) or attempt == UPGRADE_ATTEMPTS:
                raise
            log.warning("database locked during upgrade (attempt %d of %d); trying again",
                        attempt, UPGRADE_ATTEMPTS)


UPGRADE_ATTEMPTS = 5


def _upgrade_once(url: str, revision: str) -> None:
    from alembic import command

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                cfg = alembic_config(url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
    finally:
        engine.dispose()


@contextmanager
def write_transaction(sf: sessionmaker[Session]) -> Iterator[Session]:
    """One write transaction; on SQLite it takes the write lock up front (BEGIN IMMEDIATE),
    so a writer never fails to upgrade a read lock under concurrency. On PostgreSQL the
    option does nothing: callers lock what they read and then change (``with_for_update``)."""
    with sf() as s, s.begin():
        s.connection(execution_options={BEGIN_OPTION: "IMMEDIATE"})
        yield s
