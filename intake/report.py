"""What one intake pass did: an outcome per file and the pass's counts (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from domain.lifecycle import DocumentStatus

DUPLICATE_JA = "同じ内容のファイルが既に取り込まれています（受付番号 {n}）"


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file. ``name`` is personal data: show it, never log it."""

    name: str  # as stored: NFC, relative to the inbox (POSIX separators), bad bytes as \xNN
    name_hash: str  # what the logs say
    status: DocumentStatus  # RECEIVED, DUPLICATE or QUARANTINED
    code: str | None  # None for received; "duplicate"; else the BusinessError code
    message_ja: str | None
    message_en: str | None
    document_id: int | None  # the new row; for a duplicate the row already holding it
    sha256: str | None
    destination: Path  # where the file is now (archive/... or quarantine/...)
    page_count: int | None = None


@dataclass
class IntakeReport:
    batch_id: int | None = None
    outcomes: list[FileOutcome] = field(default_factory=list)
    pending: int = 0  # seen but not yet stable (or still open for writing)
    skipped: int = 0  # another watcher claimed it first
    errors: int = 0  # unexpected errors; those files stay claimed and are retried

    def _count(self, status: DocumentStatus) -> int:
        return sum(o.status is status for o in self.outcomes)

    @property
    def received(self) -> int:
        return self._count(DocumentStatus.RECEIVED)

    @property
    def duplicates(self) -> int:
        return self._count(DocumentStatus.DUPLICATE)

    @property
    def quarantined(self) -> int:
        return self._count(DocumentStatus.QUARANTINED)

    @property
    def new_document_ids(self) -> list[int]:
        return [o.document_id for o in self.outcomes
                if o.status is DocumentStatus.RECEIVED and o.document_id is not None]

    def summary_ja(self) -> str:
        """e.g. 「取り込み: 3件（重複 1件、隔離 1件）」."""
        line = f"取り込み: {len(self.outcomes)}件（重複 {self.duplicates}件、隔離 {self.quarantined}件）"
        if self.pending:
            line += f" 書き込み待ち {self.pending}件"
        if self.errors:
            line += f" エラー {self.errors}件（次回再試行）"
        return line
