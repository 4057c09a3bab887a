"""Japanese explanation of why a page was not identified (for ``templates check``).

The numbers come from :mod:`ocr.identify_explain`: the closest template page and
its score, the template page that competed with it and the margin, the parts of
the page that differ most, and what an admin can do about it.
"""

from __future__ import annotations

import numpy as np

from ocr.identify import Identity, parse_payload
from ocr.identify_explain import Explanation, explain
from ocr.page_identity import MIN_STRUCTURE_MARGIN, MIN_STRUCTURE_SCORE
from ocr.reader import Reader


def _name(ident: Identity) -> str:
    return f"{ident.template_id} v{ident.version} {ident.page}枚目"


def explain_page(gray: np.ndarray, reader: Reader) -> Explanation:
    """What identification saw on ``gray`` with the production thresholds."""
    return explain(gray, reader, MIN_STRUCTURE_SCORE, MIN_STRUCTURE_MARGIN)


def explanation_ja(ex: Explanation, wanted: str | None = None) -> list[str]:
    """Lines in Japanese: scores, the competing template, the differing regions, advice.

    ``wanted`` is the template page the admin expects (``id@v pN``), when known.
    """
    lines: list[str] = []
    if ex.qr_text is not None and parse_payload(ex.qr_text) is None:
        lines.append("QRコードは yomitori のものではないため、印刷の一部として照合しました")
    m = ex.match
    if m is None:
        lines.append("どの帳票の印刷とも位置を合わせられませんでした")
        lines.append("対処: スキャンの向き・用紙サイズ・解像度と、見本（白紙のスキャン）を確認してください")
        return lines
    lines.append(f"最も近い帳票: {_name(m.identity)}（一致度 {m.score:.2f}、必要 {ex.min_score:.2f} 以上）")
    if m.runner_up is not None and m.runner_up_score is not None:
        lines.append(f"次点: {_name(m.runner_up)}（一致度 {m.runner_up_score:.2f}）、"
                     f"差 {m.margin:.2f}（必要 {ex.min_margin:.2f} 以上）")
    if ex.regions:
        where = "、".join(f"x {r.x_mm:.0f}–{r.x_mm + r.w_mm:.0f} mm・y {r.y_mm:.0f}–{r.y_mm + r.h_mm:.0f} mm"
                         f"（差 {r.difference:.2f}）" for r in ex.regions)
        lines.append(f"見本と違いの大きい場所（{_name(m.identity)} と比べて）: {where}")
    if ex.score_too_low:
        lines.append("対処: 見本と印刷が大きく違います。別の様式・版なら新しい版として登録し、"
                     "見本は書き込みのない白紙を黒い縁なしでスキャンし直してください")
    elif ex.too_close and m.runner_up is not None:
        lines.append(f"対処: {_name(m.identity)} と {_name(m.runner_up)} がよく似ています。"
                     "古い版なら様式の管理で運用を停止し、別の帳票なら違いのある場所が見本に写るようにしてください")
    elif wanted is not None and f"{m.identity.template_id}@{m.identity.version} p{m.identity.page}" != wanted:
        lines.append(f"対処: 本番では {_name(m.identity)} と識別されます。"
                     "見本のスキャンか、選んだ帳票が正しいか確認してください")
    return lines
