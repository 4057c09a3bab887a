"""Staff accounts and login sessions for the review app.

* Passwords: argon2id (argon2-cffi defaults); there is no default account or password.
* Lock-out: after ``max_failures`` wrong passwords in a row an account is locked for
  ``lockout`` (then it opens by itself; an admin can lift it sooner). Every login attempt
  does the same work, one password verification: unknown and disabled names against a
  dummy hash, locked accounts against their own hash, so neither the time nor (in the
  review app) the answer tells an attacker which names exist or are locked. Slowing a
  guesser down per client address is the caller's job (``review.auth.LoginBackoff``).
* Sessions: a random token in the cookie, only its SHA-256 in the database, a per-session
  CSRF token, a fixed lifetime.
* Logs carry user ids and usernames' absence/presence only as outcomes, never passwords.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from domain.errors import BusinessError
from store.db import write_transaction
from store.models import utcnow
from store.review_models import User, UserSession

log = logging.getLogger(__name__)
_HASHER = PasswordHasher()
_DUMMY_PASSWORD = "not a password: evens out the time of unknown usernames"
_DUMMY_HASH = _HASHER.hash(_DUMMY_PASSWORD)
MIN_PASSWORD = 12


class Role(StrEnum):
    CLERK = "clerk"  # upload, status
    REVIEWER = "reviewer"  # confirm fields
    ADMIN = "admin"  # everything


ROLE_JA: dict[Role, str] = {Role.CLERK: "受付担当", Role.REVIEWER: "確認担当", Role.ADMIN: "管理者"}


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    role: Role


@dataclass(frozen=True)
class UserRow:
    """An account as the admin page lists it (no password hash)."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class LoginResult:
    account: Account | None
    locked: bool = False


@dataclass(frozen=True)
class SessionInfo:
    account: Account
    csrf_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _account(u: User) -> Account:
    return Account(u.id, u.username, u.display_name, Role(u.role))


class UserStore:
    def __init__(self, session_factory: sessionmaker[Session], *, max_failures: int = 5,
                 lockout: timedelta = timedelta(minutes=15), session_ttl: timedelta = timedelta(hours=8),
                 clock: Callable[[], datetime] = utcnow, hasher: PasswordHasher = _HASHER) -> None:
        self._sf = session_factory
        self.max_failures = max_failures
        self.lockout = lockout
        self.session_ttl = session_ttl
        self._clock = clock
        self._hasher = hasher
        # the dummy must cost what a real hash costs: made by the same hasher
        self._dummy_hash = _DUMMY_HASH if hasher is _HASHER else hasher.hash(_DUMMY_PASSWORD)

    def _write(self) -> AbstractContextManager[Session]:
        return write_transaction(self._sf)

    def add_user(self, username: str, password: str, role: Role | str, display_name: str = "") -> int:
        username = username.strip()
        if not username or len(username) > 60:
            raise BusinessError("bad username", "ユーザー名は1〜60文字で指定してください", "bad_username")
        if len(display_name) > 100:
            raise BusinessError("display name too long", "表示名は100文字以内で指定してください",
                                "bad_display_name")
        _check_password(password)
        taken = BusinessError("username taken", "このユーザー名は既に使われています", "username_taken")
        try:
            with self._write() as s:
                if s.scalar(select(User.id).where(User.username == username)) is not None:
                    raise taken
                u = User(username=username, display_name=display_name or username, role=Role(role).value,
                         password_hash=self._hasher.hash(password), active=True, failed_logins=0,
                         created_at=self._clock())
                s.add(u)
                s.flush()
                log.info("user %d added with role %s", u.id, u.role)
                return u.id
        except IntegrityError as exc:  # PostgreSQL: the same name added at the same moment
            raise taken from exc

    def authenticate(self, username: str, password: str) -> LoginResult:
        """Check a password; counts failures and locks the account after too many.

        Exactly one password verification whatever the outcome (see the module docstring).
        ``LoginResult.locked`` is for the caller's logic and tests: never show it at login.
        """
        now = self._clock()
        with self._write() as s:
            # Locked: parallel wrong passwords must each count (no lost update on PostgreSQL).
            u = s.scalar(select(User).where(User.username == username.strip()).with_for_update())
            if u is None or not u.active:
                self._verify(self._dummy_hash, password)
                log.info("login failed: unknown or inactive account")
                return LoginResult(None)
            if u.locked_until is not None and u.locked_until > now:
                self._verify(u.password_hash, password)  # the same work; the answer stays "no"
                log.warning("login refused: user %d is locked", u.id)
                return LoginResult(None, locked=True)
            if not self._verify(u.password_hash, password):
                u.failed_logins += 1
                if u.failed_logins >= self.max_failures:
                    u.locked_until, u.failed_logins = now + self.lockout, 0
                    log.warning("user %d locked after repeated failed logins", u.id)
                    return LoginResult(None, locked=True)
                log.info("login failed for user %d (%d in a row)", u.id, u.failed_logins)
                return LoginResult(None)
            u.failed_logins, u.locked_until = 0, None
            if self._hasher.check_needs_rehash(u.password_hash):
                u.password_hash = self._hasher.hash(password)
            log.info("user %d logged in", u.id)
            return LoginResult(_account(u))

    def failures(self, username: str) -> int:
        with self._sf() as s:
            return s.scalar(select(User.failed_logins).where(User.username == username.strip())) or 0

    def create_session(self, account: Account) -> tuple[str, str]:
        """A new session: (cookie token, CSRF token)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self._clock()
        with self._write() as s:
            s.execute(delete(UserSession).where(UserSession.expires_at < now))
            s.add(UserSession(token_sha256=_digest(token), user_id=account.id, csrf_token=csrf,
                              created_at=now, expires_at=now + self.session_ttl))
        return token, csrf

    def session(self, token: str | None) -> SessionInfo | None:
        if not token:
            return None
        with self._sf() as s:
            row = s.execute(select(UserSession, User).join(User, User.id == UserSession.user_id)
                            .where(UserSession.token_sha256 == _digest(token))).first()
        if row is None:
            return None
        sess, user = row
        if sess.expires_at <= self._clock() or not user.active:
            return None
        return SessionInfo(_account(user), sess.csrf_token)

    def end_session(self, token: str | None) -> None:
        if token:
            with self._write() as s:
                s.execute(delete(UserSession).where(UserSession.token_sha256 == _digest(token)))

    def get(self, user_id: int) -> Account | None:
        with self._sf() as s:
            u = s.get(User, user_id)
            return _account(u) if u else None

    # --- administration (the admin page; ``by`` is the acting admin, for the log) ----------
    def list_users(self) -> list[UserRow]:
        with self._sf() as s:
            return [UserRow(u.id, u.username, u.display_name, Role(u.role), u.active, u.failed_logins,
                            u.locked_until, u.created_at)
                    for u in s.scalars(select(User).order_by(User.username))]

    def locked(self, row: UserRow) -> bool:
        return row.locked_until is not None and row.locked_until > self._clock()

    def set_active(self, user_id: int, active: bool, by: int | None = None) -> None:
        """Enable or disable an account; a disabled account's sessions end at once."""
        with self._write() as s:
            u = self._user(s, user_id)
            if not active:
                self._keep_an_admin(s, u)
                s.execute(delete(UserSession).where(UserSession.user_id == user_id))
            u.active = active
        log.info("user %d %s by user %s", user_id, "enabled" if active else "disabled", by)

    def set_role(self, user_id: int, role: Role | str, by: int | None = None) -> None:
        """Change an account's role (takes effect on the next request: sessions read it each time)."""
        new = Role(role)
        with self._write() as s:
            u = self._user(s, user_id)
            if new is not Role.ADMIN:
                self._keep_an_admin(s, u)
            u.role = new.value
        log.info("user %d role set to %s by user %s", user_id, new.value, by)

    def unlock(self, user_id: int, by: int | None = None) -> None:
        """Lift a lock-out and reset the count of failed logins."""
        with self._write() as s:
            u = self._user(s, user_id)
            u.locked_until, u.failed_logins = None, 0
        log.info("user %d unlocked by user %s", user_id, by)

    def set_password(self, user_id: int, password: str, by: int | None = None,
                     keep_token: str | None = None) -> None:
        """Set a new password; the account's other sessions end (``keep_token``: the caller's own)."""
        _check_password(password)
        with self._write() as s:
            u = self._user(s, user_id)
            u.password_hash = self._hasher.hash(password)
            u.locked_until, u.failed_logins = None, 0
            ended = delete(UserSession).where(UserSession.user_id == user_id)
            if keep_token:
                ended = ended.where(UserSession.token_sha256 != _digest(keep_token))
            s.execute(ended)
        log.info("password of user %d set by user %s", user_id, by)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @staticmethod
    def _user(s: Session, user_id: int) -> User:
        u = s.get(User, user_id, with_for_update=True)
        if u is None:
            raise BusinessError(f"user {user_id} does not exist", "利用者が見つかりません", "no_such_user")
        return u

    @staticmethod
    def _keep_an_admin(s: Session, u: User) -> None:
        """Refuse to disable or demote the last active admin (nobody could manage accounts)."""
        if u.role != Role.ADMIN.value or not u.active:
            return
        others = s.scalar(select(func.count(User.id)).where(
            User.role == Role.ADMIN.value, User.active.is_(True), User.id != u.id)) or 0
        if not others:
            raise BusinessError("last active admin",
                                "有効な管理者が1人もいなくなるため、この変更はできません", "last_admin")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BusinessError("password too short", f"パスワードは{MIN_PASSWORD}文字以上にしてください",
                            "weak_password")

