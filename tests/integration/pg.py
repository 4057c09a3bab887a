"""A throw-away PostgreSQL cluster for the tests (not a test module: imported by test_postgres.py).

``pg_cluster`` (session scope) runs ``initdb`` into a fresh directory under /tmp and starts
``postgres`` from Debian's PostgreSQL 15 (/usr/lib/postgresql/15/bin; another installed
major version if 15 is missing; ``YOMITORI_PG_BIN`` names the directory):

* as the ``postgres`` system user when the tests run as root (PostgreSQL refuses root),
  else as the current user; the directory is owned by that user, mode 0700;
* listening on 127.0.0.1 on a free port (retried on another port if it was taken) and
  on a unix socket inside the directory; trust authentication; fsync off;
* the server is a child of the test process with a parent-death signal, so even a killed
  test run does not leave it running; it is stopped (fast shutdown) and the directory
  removed at session end.

It never skips: if the cluster cannot start, the fixture fails with the server's log.
Each test gets its own database (:meth:`PgCluster.new_database`), dropped afterwards.
Directories of killed runs (no server running, older than 10 minutes) are removed.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def _pg_bin() -> Path:
    """YOMITORI_PG_BIN, else Debian's PostgreSQL 15, else the newest installed major version."""
    if os.environ.get("YOMITORI_PG_BIN"):
        return Path(os.environ["YOMITORI_PG_BIN"])
    preferred = Path("/usr/lib/postgresql/15/bin")
    versions = sorted((int(p.parent.name), p) for p in Path("/usr/lib/postgresql").glob("*/bin")
                      if p.parent.name.isdigit())
    return preferred if preferred.is_dir() or not versions else versions[-1][1]


PG_BIN = _pg_bin()
START_TIMEOUT = 60.0
_CONF = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{sockets}'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
shared_buffers = 32MB
dynamic_shared_memory_type = mmap
max_wal_size = 256MB
log_min_messages = warning
log_checkpoints = off
log_line_prefix = '%m [%p] '
"""
_PR_SET_PDEATHSIG = 1


class PgCluster:
    """One running server; ``url(db)`` gives a SQLAlchemy URL (psycopg 3 driver)."""

    def __init__(self) -> None:
        _remove_stale()
        self.root = Path(tempfile.mkdtemp(prefix="yomitori-pg-", dir=_tmp_base()))
        self.data, self.log = self.root / "data", self.root / "server.log"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._user = _run_as()
        self._names = itertools.count(1)
        if self._user is not None:
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
        os.chmod(self.root, 0o700)

    # --- life cycle --------------------------------------------------------------------
    def start(self) -> None:
        for exe in ("initdb", "postgres"):
            if not (PG_BIN / exe).is_file():
                raise RuntimeError(f"{PG_BIN / exe} not found: install PostgreSQL 15 (scripts/setup.sh)")
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                   "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"])
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(_CONF.format(sockets=self.root))
        errors = []
        for _ in range(5):  # a free port can be taken between the probe and the bind
            self.port = _free_port()
            try:
                self._start_server()
                return
            except RuntimeError as exc:
                errors.append(str(exc))
                self._kill()
                if "already in use" not in str(exc):
                    break
        raise RuntimeError("PostgreSQL did not start:\n" + "\n---\n".join(errors))

    def stop(self) -> None:
        self._kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def _start_server(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(PG_BIN / "postgres"), "-D", str(self.data), "-p", str(self.port)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
                env=self._env(), preexec_fn=_die_with_parent, **self._as_user())
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.proc.returncode}:\n{self._log_tail()}")
            if self._ready():
                return
            time.sleep(0.1)
        raise RuntimeError(f"postgres not ready after {START_TIMEOUT:.0f} s:\n{self._log_tail()}")

    def _ready(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                                 connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False

    def _kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)  # fast shutdown: ends the sessions, no checkpoint wait
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGQUIT)  # immediate shutdown
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    # --- databases ---------------------------------------------------------------------
    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def new_database(self, prefix: str = "t") -> str:
        """A fresh empty database (UTF-8); returns its URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # ends leftover connections

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(sql.encode())

    # --- helpers -----------------------------------------------------------------------
    def _as_user(self) -> dict[str, Any]:
        if self._user is None:
            return {}
        return {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}

    def _env(self) -> dict[str, str]:
        home = self._user.pw_dir if self._user else os.environ.get("HOME", str(self.root))
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C", "LC_ALL": "C", "HOME": home,
                "TZ": "UTC"}

    def _run(self, cmd: list[str]) -> None:
        res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, cwd=self.root,
                             env=self._env(), timeout=120, check=False, **self._as_user())
        if res.returncode:
            out = (res.stdout + res.stderr).decode(errors="replace")
            raise RuntimeError(f"{Path(cmd[0]).name} failed ({res.returncode}):\n{out}")

    def _log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no server log)"


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged account to run PostgreSQL as (None: the current user)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(os.environ.get("YOMITORI_PG_USER", "postgres"))
    except KeyError as exc:
        raise RuntimeError("running as root but there is no 'postgres' user to run the server as") from exc


def _tmp_base() -> str:
    """A parent directory the server's user can traverse (pytest's own temp dirs are 0700)."""
    base = tempfile.gettempdir()
    return base if os.stat(base).st_mode & 0o001 else "/tmp"


def _remove_stale(min_age: float = 600.0) -> None:
    for old in Path(_tmp_base()).glob("yomitori-pg-*"):
        with contextlib.suppress(OSError):
            if not (old / "data" / "postmaster.pid").exists() and time.time() - old.stat().st_mtime > min_age:
                shutil.rmtree(old, ignore_errors=True)


def upgrade_in_child(url: str, start: Any, out: Any) -> None:
    """For a spawned process: wait for the others, migrate ``url``, report the error (or None)."""
    from store import upgrade

    start.wait()
    try:
        upgrade(url)
        out.put(None)
    except Exception as exc:
        out.put(f"{type(exc).__name__}: {exc}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child, after the switch of user: the server quits if the test process dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGQUIT)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    cluster = PgCluster()
    atexit.register(cluster.stop)  # also on an interrupted run
    try:
        cluster.start()
    except Exception as exc:
        cluster.stop()
        pytest.fail(f"could not start the throw-away PostgreSQL cluster: {exc}", pytrace=False)
    try:
        yield cluster
    finally:
        with contextlib.suppress(Exception):
            cluster.stop()
        atexit.unregister(cluster.stop)
