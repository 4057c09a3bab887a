"""After a reading is saved: compare the form with its envelope's printed copies (issue 19).

The worker keeps each attached page's printed lines and their boxes in memory
(:func:`services.attachments.classify_attachment`); :func:`check_saved` turns them into
the located cross-check (:func:`domain.copy_evidence.locate`) and lets the store act on
it (:func:`store.copy_checks.record_located`: geometry stored, contradicted fields to a
person, My Number by evidence where the template allows it, and name / birth date /
address accepted by exact agreement where the reader's ``copy_accept_fields`` (measured
evidence, :func:`services.compose.load_copy_accept`) allow it). Nothing read from a copy
is stored or logged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.completeness import rules_of
from domain.copy_evidence import Box, lines_of, locate
from domain.model import PageReading
from domain.status import PageStatus
from ocr.reader import Reader
from store.copy_checks import reapply_copy_kinds, record_located
from store.repository import Repository


def evidence_policy(reader: Reader | None, pages: Sequence[PageReading]) -> bool:
    """Does the form's template (as the reader knows it) allow My Number by evidence?"""
    if reader is None:
        return False
    for p in pages:
        if p.status is PageStatus.READ and p.template_id and p.template_version is not None:
            t = reader.all_versions().get((p.template_id, p.template_version))
            return bool(t and t.my_number_by_evidence)
    return False


def check_saved(repo: Repository, document_id: int, pages: Sequence[PageReading],
                lines: Mapping[int, Sequence[str]], boxes: Mapping[int, Sequence[Box | None]],
                reader: Reader | None, scores: Mapping[int, Sequence[float | None]] | None = None
                ) -> dict[str, int]:
    """The cross-check of one saved document (its ``pages`` only); what changed, as counts.

    ``scores``: each copy line's least character confidence; without them no field is
    accepted by agreement (an unknown confidence is never sure).
    """
    reapply_copy_kinds(repo.sessions, document_id)  # a person's kinds outlive a re-read
    form = {f.field_id: f.value for p in pages if p.status is PageStatus.READ for f in p.fields}
    copy = lines_of(lines, boxes, [p.index for p in pages], scores)
    located = locate(form, copy) if form and copy else None
    rules = rules_of(reader.templates.values()) if reader is not None else {}
    accept = reader.copy_accept_fields if reader is not None else frozenset()
    return record_located(repo.sessions, document_id, located, evidence_policy(reader, pages), rules=rules,
                          accept_fields=accept)
