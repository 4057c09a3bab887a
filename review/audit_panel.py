"""The admins' part of 受付状況 for audits: measured error tables, the alarm, follow-ups.

The numbers come from :mod:`reports.audit_error`, the same code as the operations
report, so the screen and the printed report agree.
"""

from __future__ import annotations

from datetime import UTC, datetime

from reports.audit_error import METHOD_JA, WINDOWS_JA, audit_tables, kind_ja
from review.auth import Ctx
from review.routes_audit import audits
from store.users import Role, SessionInfo


def audit_panel(ctx: Ctx, info: SessionInfo, window: str = "week", batch: int | None = None,
                now: datetime | None = None) -> dict[str, object]:
    """Template variables of ``_audit_panel.html`` (``audit`` is None for anyone but an admin)."""
    if info.account.role is not Role.ADMIN:
        return {"audit": None}
    store = audits(ctx)
    tables = audit_tables(store.outcomes(), now or datetime.now(UTC), ctx.settings.target_error,
                          window, batch)
    followups = [{"id": f.id, "document_id": f.document_id, "field_id": f.field_id,
                  "kind_ja": kind_ja(f.kind), "created_at": f.created_at} for f in store.open_followups()]
    return {"audit": tables, "audit_windows": WINDOWS_JA, "audit_open": store.open_count(),
            "audit_sections": [("項目の種類別", tables.by_kind), ("帳票別", tables.by_template),
                               ("全体", tables.overall)],
            "followups": followups, "audit_method": METHOD_JA}
