"""The template check's report as text (the CLI prints it): My Numbers masked."""

from __future__ import annotations

from authoring.check import FIX_JA, FLAG_JA, OK_JA, CheckReport
from domain.model import FieldReading
from domain.mynumber import mask_my_number
from domain.status import FieldKind, FieldStatus


def shown_value(r: FieldReading) -> str:
    """The value as the check prints it: My Numbers masked, everything else as read."""
    if r.value is None or r.value == "" or r.value == []:
        return "（空欄）"
    if r.kind is FieldKind.MY_NUMBER:
        return mask_my_number(str(r.value))
    if isinstance(r.value, list):
        return "・".join(map(str, r.value))
    if isinstance(r.value, bool):
        return "✓" if r.value else "（なし）"
    return str(r.value).replace("\n", " / ")


def render_text(report: CheckReport) -> str:
    t = report.template
    state = "下書き" if t.status == "draft" else "有効"
    kind = "スキャン" if t.source == "scanned" else "作成"
    lines = [f"帳票 {t.id} v{t.version}「{t.title}」（{state}、{kind}様式）"
             f" — 確認用スキャン {len(report.pages)}ページ", "", "ページ:"]
    for p in report.pages:
        r = p.reading
        q = "-" if r.alignment_quality is None else f"{r.alignment_quality:.2f}"
        ident = "識別OK" if p.identified else f"識別: {p.identified_as or 'できない'} {p.identify_note}"
        lines.append(f"  {p.source} p{p.index + 1}: {r.status.value}  {t.id} {r.page_number or '-'}枚目"
                     f"  位置合わせ品質 {q}  向き {r.orientation}°  {ident.rstrip()}")
        lines.extend(f"      {e}" for e in p.explanation)
    lines += ["", "項目:"]
    for f in report.fields:
        s = f.spec
        lines.append(f"  {s.id}（{s.label}、{s.kind.value}、{s.page}枚目）")
        for label, fr in f.readings:
            prob = "-" if fr.probability is None else f"{fr.probability:.3f}"
            ok = "✓" if fr.status is FieldStatus.AUTO_ACCEPTED else "?"
            lines.append(f"    {ok} {label:<28} {shown_value(fr):<30} conf={fr.confidence:.3f} p={prob}")
        n = len(f.readings)
        edge = f"{max(f.border):.3f}" if f.border else "-"
        lines.append(f"    空欄 {f.empty}/{n}  自動確定 {f.auto}/{n}  低確信・形式違反 {f.low}/{n - f.empty}"
                     f"  枠の縁のインク 最大 {edge}")
        if s.guessed:
            lines.append(f"    推定のまま: {', '.join(s.guessed)}")
        for flag in f.flags:
            lines.append(f"    ⚠ {FLAG_JA[flag]}")
    lines.append("")
    if report.ok:
        lines.append(f"判定: {OK_JA}")
    else:
        lines.append(f"判定: {FIX_JA} — " + "; ".join(report.reasons))
    return "\n".join(lines)
