"""Report and export runs over the work store: the I/O edge that the CLI, the ``report``
flow and the demo call. Output goes to ``<home>/reports/<kind>-<timestamp>/`` unless a
folder is given. Logs carry counts and paths only, never a value.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from domain.model import FormTemplate
from reports import charts, export, html, operations, survey
from reports.data import (
    EXCLUSION_JA,
    Exclusion,
    Forms,
    build_forms,
    forms_by_template,
    frame_from_readings,
    load_activity,
    load_fields,
)

log = logging.getLogger(__name__)
ONESTOP_FAMILY = "onestop"


def open_store(settings: Settings) -> sessionmaker[Session]:
    """Sessions on the configured work store (migrated to head first, like intake does)."""
    from store.db import database_url, make_engine, session_factory, upgrade

    url = database_url(settings)
    upgrade(url)
    return session_factory(make_engine(url))


def default_out(settings: Settings, kind: str) -> Path:
    base = settings.home / "reports" / f"{kind}-{datetime.now():%Y%m%d-%H%M%S}"
    out, k = base, 2
    while out.exists():
        out, k = base.with_name(f"{base.name}-{k}"), k + 1
    return out


def load_forms(settings: Settings, template_ids: list[str] | None = None,
               sf: sessionmaker[Session] | None = None) -> dict[str, Forms]:
    from forms.loader import load_templates

    templates = load_templates(settings.templates_dir)
    if template_ids:
        unknown = sorted(set(template_ids) - set(templates))
        if unknown:
            raise KeyError(f"unknown template(s): {', '.join(unknown)}")
        templates = {t: templates[t] for t in template_ids}
    fields = load_fields(sf or open_store(settings), list(templates))
    return forms_by_template(fields, templates)


# --- exports ---------------------------------------------------------------------------
@dataclass
class ExportRun:
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)  # table name → rows written
    excluded: dict[str, dict[str, int]] = field(default_factory=dict)  # template → reason → forms
    unencodable: list[export.Unencodable] = field(default_factory=list)
    unencodable_report: Path | None = None
    audit_log: Path | None = None


def _excluded_frame(all_forms: dict[str, Forms]) -> pd.DataFrame:
    rows = [{"受付番号": int(doc), "帳票順": int(seq), "原本ファイル": m["source_name"], "様式": tid,
             "理由": EXCLUSION_JA[Exclusion(m["excluded"])]}
            for tid, forms in all_forms.items()
            for (doc, seq), m in forms.meta.iterrows() if m["excluded"] is not None]
    return pd.DataFrame(rows, columns=["受付番号", "帳票順", "原本ファイル", "様式", "理由"])


def export_forms(all_forms: dict[str, Forms], out_dir: Path, home: Path, *,
                 include_my_number: bool = False, actor: str | None = None,
                 strict_cp932: bool = False) -> ExportRun:
    """Write every table (UTF-8 BOM CSV, CP932 CSV, .xlsx), the excluded list and the
    CP932 replacement list; audit the export. Strict: nothing but the list is written
    when a character cannot be encoded (raises :class:`export.Cp932Error`)."""
    run = ExportRun(out_dir)
    workbooks: list[tuple[export.ExportTable, list[tuple[str, pd.DataFrame]]]] = []
    for tid, forms in all_forms.items():
        table = export.data_table(forms, include_my_number)
        sheets = [("回答データ" if survey.is_survey(forms.template) else "データ", table.frame)]
        if survey.is_survey(forms.template):
            result = survey.aggregate(forms)
            sheets += [(t.title, t.frame) for t in result.tables]
        workbooks.append((table, sheets))
        run.excluded[tid] = {e.value: n for e, n in forms.excluded_counts().items()}
    onestop = [f for f in all_forms.values() if f.template.family == ONESTOP_FAMILY]
    if onestop:
        receipts = export.receipts_table(onestop, include_my_number)
        workbooks.append((receipts, [(receipts.title, receipts.frame)]))
    converted = [(t, *export.to_cp932(t, f"{t.name}_cp932.csv")) for t, _ in workbooks]
    run.unencodable = [p for _, _, problems in converted for p in problems]
    if run.unencodable:
        run.unencodable_report = export.write_unencodable_report(
            run.unencodable, out_dir / "cp932_unencodable.csv")
        run.files.append(run.unencodable_report)
        if strict_cp932:
            raise export.Cp932Error(run.unencodable)
    for (table, sheets), (_, cp932_frame, _) in zip(workbooks, converted, strict=True):
        run.files.append(export.write_csv_utf8(table.frame, out_dir / f"{table.name}.csv"))
        path = export.write_cp932_frame(cp932_frame, out_dir / f"{table.name}_cp932.csv")
        run.files += [path, export.write_excel(sheets, out_dir / f"{table.name}.xlsx")]
        run.records[table.name] = len(table.frame)
    excluded = _excluded_frame(all_forms)
    run.files.append(export.write_csv_utf8(excluded, out_dir / "excluded.csv"))
    run.audit_log = export.audit_export(home, "export:" + ",".join(run.records), sum(run.records.values()),
                                        include_my_number, run.files, actor)
    # logs whether the personal-number column was asked for (a flag), never a value
    log.info("export: %d tables, %d rows, %d excluded forms, %d CP932 replacements, pn_column=%s",
             len(run.records), sum(run.records.values()), len(excluded), len(run.unencodable),
             include_my_number)
    return run


def run_export(settings: Settings, out_dir: Path | None = None, template_ids: list[str] | None = None, *,
               include_my_number: bool = False, actor: str | None = None,
               strict_cp932: bool = False) -> ExportRun:
    all_forms = load_forms(settings, template_ids)
    return export_forms(all_forms, out_dir or default_out(settings, "export"), settings.home,
                        include_my_number=include_my_number, actor=actor, strict_cp932=strict_cp932)


# --- survey report -----------------------------------------------------------------------
@dataclass
class SurveyRun:
    html: Path
    xlsx: Path
    charts: dict[str, Path]
    pdf: Path | None
    result: survey.SurveyResult


def survey_report(forms: Forms, out_dir: Path, pdf: bool = True) -> SurveyRun:
    """HTML (charts embedded, numbers beside each), PNG charts, tables .xlsx, charts PDF."""
    tid = forms.template.id
    result = survey.aggregate(forms)
    font = charts.japanese_font()
    pngs = charts.render_charts(result.tables, out_dir / "charts" / tid, font)
    page = out_dir / f"{tid}_report.html"
    out_dir.mkdir(parents=True, exist_ok=True)
    page.write_text(html.survey_html(result, pngs), encoding="utf-8")
    xlsx = export.write_excel([(t.title, t.frame) for t in result.tables], out_dir / f"{tid}_tables.xlsx")
    pdf_path = charts.write_pdf(result.tables, out_dir / f"{tid}_charts.pdf", font) if pdf else None
    log.info("survey report %s: %d forms counted, %d excluded", tid, result.counted, result.excluded_total)
    return SurveyRun(page, xlsx, pngs, pdf_path, result)


def survey_templates(templates: dict[str, FormTemplate]) -> list[str]:
    return [tid for tid, t in sorted(templates.items()) if survey.is_survey(t)]


def run_survey_report(settings: Settings, out_dir: Path | None = None, template_id: str | None = None,
                      pdf: bool = True) -> list[SurveyRun]:
    """One report per survey template that has forms in the store (or the one asked for)."""
    from forms.loader import load_templates

    templates = load_templates(settings.templates_dir)
    if template_id and template_id not in survey_templates(templates):
        raise KeyError(f"{template_id} is not a survey template")
    ids = [template_id] if template_id else survey_templates(templates)
    all_forms = load_forms(settings, ids)
    out = out_dir or default_out(settings, "survey")
    runs = []
    for tid in ids:
        forms = all_forms.get(tid) or build_forms(frame_from_readings([]), templates[tid])
        runs.append(survey_report(forms, out, pdf))
    return runs


# --- operations report -------------------------------------------------------------------
@dataclass
class OperationsRun:
    html: Path
    xlsx: Path
    result: operations.OperationsResult


def run_operations_report(settings: Settings, out_dir: Path | None = None,
                          sf: sessionmaker[Session] | None = None) -> OperationsRun:
    from reports.audit_error import report_sections

    sf = sf or open_store(settings)
    result = operations.operations(load_activity(sf), settings.manual_seconds_per_field)
    audit_sections, audit_notes = report_sections(sf, settings.target_error, datetime.now(UTC))
    result.extra.extend(audit_sections)
    result.notes.extend(audit_notes)
    from forms.copy_rules import load_copy_rules
    from reports.deficiencies import report_sections as deficiency_sections
    from reports.deficiencies import write_deficiency_list

    rules = load_copy_rules(settings.templates_dir)
    missing_sections, missing_notes = deficiency_sections(sf, rules)  # 書類不備 (issue 19)
    result.extra.extend(missing_sections)
    result.notes.extend(missing_notes)
    out = out_dir or default_out(settings, "operations")
    out.mkdir(parents=True, exist_ok=True)
    write_deficiency_list(sf, out / "deficiencies.csv", rules)
    page = out / "operations_report.html"
    page.write_text(html.operations_html(result, operations.METHOD_JA), encoding="utf-8")
    xlsx = export.write_excel([("バッチ別", result.per_batch), ("日別", result.per_day),
                               ("項目の種類別", result.by_kind),
                               *[(f"抜き取り検査{i}", f) for i, (_, f) in enumerate(audit_sections, 1)]],
                              out / "operations.xlsx")
    return OperationsRun(page, xlsx, result)
