"""Sandbox configuration (from yomitori settings, or built directly in tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config.settings import Settings


@dataclass(frozen=True)
class Chaos:
    """Failure injection. All rates are per request, drawn from one seeded RNG."""

    slow_rate: float = 0.0  # share of requests delayed by ``slow_ms``
    slow_ms: int = 0
    error_rate: float = 0.0  # share of requests answered with HTTP 500 (half of them *after* a save)
    expire_rate: float = 0.0  # share of form posts whose session expires mid-form
    changed_ids: bool = False  # element ids get a random suffix on every page (labels still match)
    seed: int = 0

    @property
    def active(self) -> bool:
        return bool(self.slow_rate or self.error_rate or self.expire_rate or self.changed_ids)


@dataclass(frozen=True)
class SandboxConfig:
    data_dir: Path
    user: str = "clerk"
    password: str = "sandbox-pass"
    session_seconds: float = 900.0
    page_size: int = 10
    chaos: Chaos = field(default_factory=Chaos)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "backoffice.db"

    @property
    def admin_db_path(self) -> Path:
        return self.data_dir / "admin.db"

    @classmethod
    def from_settings(cls, s: Settings) -> SandboxConfig:
        chaos = Chaos(slow_rate=s.sandbox_chaos_slow_rate, slow_ms=s.sandbox_chaos_slow_ms,
                      error_rate=s.sandbox_chaos_error_rate, expire_rate=s.sandbox_chaos_expire_rate,
                      changed_ids=s.sandbox_chaos_changed_ids, seed=s.sandbox_chaos_seed)
        return cls(data_dir=s.sandbox_root, user=s.sandbox_user, password=s.sandbox_password,
                   session_seconds=s.sandbox_session_seconds, chaos=chaos if s.sandbox_chaos else Chaos())
