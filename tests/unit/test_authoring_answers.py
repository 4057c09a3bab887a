"""One answer or several: the question's words, the form's legend, the shape (no OCR model).

The drawn pages are made with OpenCV; their printed lines are found by the drafter and
given the text a recogniser would read (by position), so the whole chain from the image
to choice / multi_choice runs as in ``templates draft``.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from authoring import answers
from authoring.fields import propose
from authoring.geometry import MM_PER_INCH, WORK_DPI, Rect
from authoring.labels import TextLine, find_text_lines
from authoring.proposal import Option, Proposal
from authoring.structure import analyse
from domain.status import FieldKind

PPM = WORK_DPI / MM_PER_INCH


def mm(v: float) -> int:
    return round(v * PPM)


@pytest.mark.parametrize(("text", "many"), [
    ("問7 市に力を入れてほしい分野は（あてはまるものすべてに「レ」）", True),
    ("問3 あてはまるものを1つ選んで○をつけてください", False),
    ("問8 各項目１つに「レ」", False),  # full-width digit
    ("2つまで選んでください", True),
    ("最もあてはまるもの", False),
    ("Which of these have you used? (tick all that apply)", True),
    ("Please choose one answer only", False),
    ("(Bitte nur eine Möglichkeit ankreuzen)", False),
    ("Bei Auswahlfragen dürfen mehrere Antworten angekreuzt werden.", True),
    ("How often do you use SDAPS?", None),
    ("This one is exactly 2 cm high.", None),  # 'one' alone says nothing
    ("Auto Multiple Choice", None),
    ("すべての項目について1つずつ", None),  # both: undecided
])
def test_what_a_text_says_about_how_many(text: str, many: bool | None) -> None:
    assert answers.says(text) is many


def test_legend_sentences_and_their_scope() -> None:
    rules = answers.legend_rules([
        "You can check any number of boxes in selection questions.",
        "For questions with a range (1–5) choose the answer the mark that fits best.",
        "Bei Bewertungsfragen (Skala 1 – 5) darf nur ein Kästchen angekreuzt werden.",
        "Items can span multiple columns.",  # no marking word, no rule
        "1.2 Choose one answer",  # a numbered question, not a legend
        "問4 あてはまるものすべてに○",
        "○はいくつでもつけてください",
    ])
    assert [(r.many, r.scope) for r in rules] == [(True, "list"), (False, "scale"), (False, "scale"),
                                                  (True, "any")]


def _opts(n: int, printed: bool, dy: int = 0) -> list[Option]:
    return [Option(str(k), str(k), Rect(100 * k, 10 + dy * k, 100 * k + 28, 38 + dy * k), printed)
            for k in range(1, n + 1)]


def test_shape_and_legend_decide_when_the_question_does_not() -> None:
    many_lists = [answers.Rule(True, "list", "any number of boxes in selection questions")]
    listed = Proposal(Rect(0, 0, 600, 40), FieldKind.CHOICE, "squares", options=_opts(4, True))
    answers.decide(listed, many_lists)
    assert listed.kind is FieldKind.MULTI_CHOICE and not listed.kind_sure and "legend" in listed.kind_reason
    scale = Proposal(Rect(0, 0, 600, 40), FieldKind.CHOICE, "squares", options=_opts(5, False))
    answers.decide(scale, many_lists)  # the rule is for lists: a scale takes one answer
    assert scale.kind is FieldKind.CHOICE and "scale" in scale.kind_reason
    own = Proposal(Rect(0, 0, 600, 40), FieldKind.CHOICE, "squares", options=_opts(4, True),
                   question="2.2 Wie? (Bitte nur eine Möglichkeit ankreuzen)")
    answers.decide(own, many_lists)  # the question's own words beat the legend
    assert own.kind is FieldKind.CHOICE and own.kind_sure
    bubbles = Proposal(Rect(0, 0, 600, 40), FieldKind.CHOICE, "squares", options=_opts(3, True),
                       mark_style="bubble")
    answers.decide(bubbles, many_lists)  # ○ are radio buttons
    assert bubbles.kind is FieldKind.CHOICE
    column = Proposal(Rect(0, 0, 600, 400), FieldKind.CHOICE, "squares", options=_opts(4, False, dy=50))
    assert answers.shape(column) == "list"  # unlabelled marks down a column: not a scale
    clash = [answers.Rule(True, "any", "a"), answers.Rule(False, "any", "b")]
    undecided = Proposal(Rect(0, 0, 600, 40), FieldKind.CHOICE, "squares", options=_opts(4, True))
    answers.decide(undecided, clash)
    assert undecided.kind is FieldKind.CHOICE and undecided.kind_reason == ""
    text = Proposal(Rect(0, 0, 600, 40), FieldKind.TEXT, "cell", question="すべて")
    answers.decide(text, many_lists)
    assert text.kind is FieldKind.TEXT


def _survey_page() -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """A legend at the top, a labelled list, a scale and a list whose question says one.

    Returns the page and, per printed line, (x mm, y mm, the text a recogniser reads)."""
    img = np.full((mm(160), mm(210)), 255, np.uint8)
    texts: list[tuple[int, int, str]] = []

    def write(x: float, y: float, word: str, text: str) -> None:
        cv2.putText(img, word, (mm(x), mm(y)), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 2)
        texts.append((mm(x), mm(y), text))

    def boxes(y: float, xs: list[float], labels: bool) -> None:
        for x in xs:
            cv2.rectangle(img, (mm(x), mm(y - 4)), (mm(x + 4), mm(y)), 0, 2)
            if labels:
                write(x + 6, y, "Opt", "Option")

    write(15, 15, "LEGEND ONE", "You can check any number of boxes in selection questions.")
    write(15, 25, "LEGEND TWO", "For questions with a range (1-5) choose the answer that fits best.")
    write(15, 45, "Q1 TEXT", "1.1 Which do you use?")
    boxes(55, [25, 70, 115], labels=True)
    write(15, 75, "Q2 TEXT", "1.2 How often?")
    write(20, 85, "never", "never")
    boxes(85, [50, 62, 74, 86, 98], labels=False)
    write(120, 85, "daily", "daily")
    write(15, 105, "Q3 TEXT", "1.3 Where? (only one answer)")
    boxes(115, [25, 70, 115], labels=True)
    return img, texts


def test_a_drawn_survey_page_takes_its_legend() -> None:
    img, texts = _survey_page()
    s = analyse(img, PPM)
    assert len(s.squares) == 11
    rects = find_text_lines(s)

    def read(r: Rect) -> str:  # the text drawn at the line's start (what a recogniser would read)
        return min(texts, key=lambda t: abs(t[0] - r.x0) + abs(t[1] - r.y1))[2]

    lines = [TextLine(r, read(r), 1.0) for r in rects]
    props = propose(s, lines)
    rules = answers.decide_all([(props, [ln.text for ln in lines])])
    assert {(r.many, r.scope) for r in rules} == {(True, "list"), (False, "scale")}
    marks = sorted((p for p in props if p.kind.is_mark), key=lambda p: p.rect.y0)
    assert [(len(p.options), p.kind) for p in marks] == [
        (3, FieldKind.MULTI_CHOICE), (5, FieldKind.CHOICE), (3, FieldKind.CHOICE)]
    assert "legend" in marks[0].kind_reason and "question says one" in marks[2].kind_reason
