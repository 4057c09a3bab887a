"""Cell rules of the exports (reports.export): what becomes empty, a number or text, and
which text is neutralised. Expected values by hand from the module docstring."""

from __future__ import annotations

from reports.export import cell, formula_risk, neutralise


def test_rule_missing_values_become_empty_cells_and_lists_one_text() -> None:
    assert cell(None) is None
    assert cell(float("nan")) is None
    assert cell(0.5) == 0.5 and cell(3) == 3
    assert cell(True) == 1 and cell(False) == 0
    assert cell(["寄附", "返礼品"]) == "寄附、返礼品"
    assert cell([]) == ""


def test_rule_ordinary_text_is_left_as_written() -> None:
    for text in ("X線検査", "Xmas", "山田 太郎", "3-1-1"):
        assert not formula_risk(text) and neutralise(text) == text
    assert not formula_risk("X線検査") and not formula_risk("Xmas") and not formula_risk("")
    assert formula_risk("\tX") and formula_risk("\r=1") and formula_risk("=1+1")
    assert neutralise("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
