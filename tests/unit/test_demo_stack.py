"""The demo's stack scan: exactly the chosen envelope lacks a copy, and each envelope has its truth."""

from __future__ import annotations

from forms.loader import load_templates
from synth.stack import StackOptions, generate_stack
from yomitori.cli.demo_stack import envelope_name, envelope_truths


def test_the_chosen_envelope_alone_is_incomplete_and_truths_follow_the_envelopes() -> None:
    t = load_templates()
    options = StackOptions(envelopes=3, missing=0.0, incomplete=(1,), extra=0.0, blank_back=0.0,
                           upside_down=0.0, degrade=False)
    doc = generate_stack([t["onestop_2022"], t["onestop_legacy"]], 11, options, name="stack")
    assert [e["complete"] for e in doc.truth["envelopes"]] == [True, False, True]
    truths = envelope_truths(doc.truth)
    assert list(truths) == [envelope_name(k, 3) for k in (1, 2, 3)]
    for env, (name, truth) in zip(doc.truth["envelopes"], truths.items(), strict=True):
        assert truth["document_id"] == name and truth["template_id"] == env["template_id"]
        assert len(truth["pages"]) == env["last"] - env["first"] + 1
        form = truth["pages"][0]
        assert form["kind"] == "form" and form["template_page"] == 1 and "full_name" in form["fields"]
        assert all(p["kind"] == "id_copy" and p["fields"] == {} for p in truth["pages"][1:])
    assert truths[envelope_name(2, 3)]["complete"] is False
