"""Settings from the environment (YOMITORI_*), read only when asked for.

Nothing is read at import time: call :func:`get_settings` from a composition root.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.audit_sampling import AuditPolicy, parse_everything

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
    # Limits on what one file may cost (hostile or broken input is quarantined with a reason).
    max_pages: int = 200  # pages (PDF) or frames (TIFF) per file
    max_page_mm: float = 1200.0  # longer side of a PDF page in millimetres (A0 is 1189 mm)
    # pixels per page as decoded or rendered: A0 at 200 dpi is 62, A3 at 400 dpi 31, at 600 dpi 70
    max_page_megapixels: float = 64.0
    max_name_bytes: int = 180  # longer file names are shortened (keeping the extension) when received
    upload_max_files: int = 200  # files per upload in the review app
    upload_max_mb: float = 100.0  # bytes per uploaded file, enforced while streaming
    # Audit sampling of auto-accepted fields (issue 15; docs/operations.md「抜き取り検査」).
    audit_share: float = 0.02  # share of each document's auto-accepted fields drawn for a blind audit
    audit_weekly_minimum: int = 5  # per field kind per ISO week, drawn even where the share gives fewer
    audit_everything: str = ""  # "KEY:YYYY-MM-DD,...": audit every field of a kind or template until then
    audit_lease_minutes: float = 30.0  # an abandoned audit task goes back to the others after this
    manual_seconds_per_field: float = 12.0  # reports: hand-typing time per field (hours-saved baseline)
    # Review app (review/): staff sessions, lock-out, leases.
    review_cookie_secure: bool = True  # Secure cookies (browsers accept them on http://127.0.0.1 too)
    review_session_hours: float = 8.0
    review_max_failed_logins: int = 5  # consecutive wrong passwords before a lock-out
    review_lockout_minutes: float = 15.0
    review_lease_minutes: float = 30.0  # a document abandoned this long goes back to the queue
    review_seconds_per_field: float = 8.0  # estimate of remaining review time in the queue
    review_start_entry: bool = False  # start the enter deployment when a confirmation completes a document
    enter_deployment: str = "enter/enter"  # the deployment review_start_entry starts ("flow/deployment")
    # Demo back-office system (sandbox/) and bot entry (bots/, flows/enter.py).
    sandbox_dir: Path | None = None  # default: <home>/sandbox
    sandbox_port: int = 8765
    sandbox_user: str = "clerk"
    sandbox_password: str = "sandbox-pass"  # the demo system's own login, not a real credential
    sandbox_session_seconds: float = 900.0
    sandbox_chaos: bool = False  # switch the chaos knobs below on
    sandbox_chaos_slow_rate: float = 0.1
    sandbox_chaos_slow_ms: int = 400
    sandbox_chaos_error_rate: float = 0.05
    sandbox_chaos_expire_rate: float = 0.03
    sandbox_chaos_changed_ids: bool = True
    sandbox_chaos_seed: int = 7
    target_url: str = "http://127.0.0.1:8765"  # the back-office system the bot types into
    target_name: str = "sandbox"  # <targets_dir>/<name>.yaml, else the shipped bots/targets/
    targets_dir: Path | None = None  # a city's own target files (and adapter modules): never edit the package
    target_secret_block: str | None = None  # Prefect Secret block prefix: <prefix>-user / <prefix>-password
    bot_headless: bool = True
    bot_timeout_ms: int = 10000
    bot_max_retries: int = 4  # retries per record on ApplicationError (timeouts, 5xx, lost session)
    bot_circuit_breaker: int = 5  # consecutive failed tries that stop the run

    def audit_policy(self) -> AuditPolicy:
        """The audit draw's policy (a bad ``audit_everything`` entry raises ValueError)."""
        return AuditPolicy(share=self.audit_share, weekly_minimum=self.audit_weekly_minimum,
                           everything=parse_everything(self.audit_everything))

    @property
    def sandbox_root(self) -> Path:
        return self.sandbox_dir or self.home / "sandbox"

    @property
    def evidence_root(self) -> Path:
        """Failure screenshots and traces of bot runs (evidence of entries is in the ContentStore)."""
        return self.home / "bot-failures"

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
