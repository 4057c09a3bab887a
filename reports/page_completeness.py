"""Per batch: pages not read as a form that still wait for a person, and whether the batch is done.

The operations report (and the review app's 受付状況, through the same domain rule
:func:`domain.page_review.summarise`) call a batch 未完了 while a page that needs a person
(未判定, an unknown or unaligned form, a broken image) has no confirming decision, or while
a document of it still waits to be read (received, processing, failed). A page a reviewer
sent back to reading with a chosen template counts as waiting until the worker has read it.
"""

from __future__ import annotations

import pandas as pd

from domain.page_review import BATCH_STATE_JA, summarise

COLUMNS = ["未判断ページ", "読み取り待ち書類", "状態"]


def batch_completeness(documents: pd.DataFrame, pages: pd.DataFrame) -> pd.DataFrame:
    """Index batch_id; columns :data:`COLUMNS` (``decision``: latest page decision, optional)."""
    rows = {}
    decided = "decision" in pages.columns
    for batch_id, docs in documents.groupby("batch_id"):
        p = pages[pages["batch_id"] == batch_id]
        latest = p["decision"].where(p["decision"].notna(), None) if decided else [None] * len(p)
        s = summarise(int(batch_id), docs["doc_status"].tolist(), zip(p["page_status"], latest, strict=True))
        rows[batch_id] = (s.unresolved, s.waiting_documents, BATCH_STATE_JA[s.complete])
    out = pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)
    out.index.name = "batch_id"
    return out


def incomplete_note(per_batch: pd.DataFrame) -> str | None:
    """A sentence for the report's notes when some batch is not complete."""
    if "状態" not in per_batch.columns:
        return None
    bad = per_batch[per_batch["状態"] == BATCH_STATE_JA[False]]
    if bad.empty:
        return None
    return (f"未完了の受付単位が {len(bad)} 件あります（帳票として読み取れなかったページのうち、"
            f"職員の判断が済んでいないもの {int(bad['未判断ページ'].sum())} ページ、"
            f"読み取り待ちの書類 {int(bad['読み取り待ち書類'].sum())} 件）。"
            "確認画面で各ページを「帳票として読み取る」か「添付書類／白紙として確認」してください。")
