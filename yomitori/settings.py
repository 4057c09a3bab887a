"""Settings from the environment (YOMITORI_*), read only when asked for.

Nothing is read at import time: call :func:`get_settings` from a composition root.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YOMITORI_", extra="ignore")

    home: Path = Field(default=REPO_ROOT / "var", description="data directory")
    templates_dir: Path = Field(default=REPO_ROOT / "templates")
    models_dir: Path | None = None  # default: <home>/models
    target_error: float = 0.005  # error allowed among auto-accepted fields
    calibration_file: Path | None = None  # default: calibration/current.json in the repo
    threads: int = 2  # onnxruntime intra-op threads
    read_dpi: int = 200  # canonical resolution pages are aligned to
    database_url: str | None = None  # default: sqlite:///<home>/yomitori.db
    lease_seconds: int = 900  # how long a worker may hold a document before others may take it
    max_read_attempts: int = 3  # failed reads before a document is marked failed
    # Watched-folder intake (see intake/): folders default to <home>/inbox|archive|quarantine.
    inbox_dir: Path | None = None
    archive_dir: Path | None = None
    quarantine_dir: Path | None = None
    stable_seconds: float = 5.0  # size+mtime unchanged this long before a file is taken
    max_file_mb: float = 100.0  # larger files are quarantined (too_large)
    min_image_px: int = 500  # shorter side of every page, at read_dpi for PDFs (too_small)
    poll_seconds: float = 2.0  # polling interval (network shares give no inotify events)
    rescan_seconds: float = 60.0  # full rescan interval when filesystem events are used

    @property
    def model_root(self) -> Path:
        return self.models_dir or self.home / "models"

    @property
    def inbox_root(self) -> Path:
        return self.inbox_dir or self.home / "inbox"

    @property
    def archive_root(self) -> Path:
        return self.archive_dir or self.home / "archive"

    @property
    def quarantine_root(self) -> Path:
        return self.quarantine_dir or self.home / "quarantine"

    @property
    def calibration_path(self) -> Path:
        return self.calibration_file or REPO_ROOT / "calibration" / "current.json"

    @property
    def det_model_dir(self) -> Path:
        return self.model_root / "PP-OCRv6_small_det"

    @property
    def rec_model_dir(self) -> Path:
        return self.model_root / "PP-OCRv6_small_rec"


def get_settings() -> Settings:
    return Settings()
