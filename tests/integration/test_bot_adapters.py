"""The adapter seam: a target file in a city's own folder names a Python class for one step.

The class lives next to the YAML (YOMITORI_TARGETS_DIR), not in the package; the safety
core wraps it like any YAML step: look-up before write, read-back, evidence, send-back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from admin_world import AdminWorld, admin_factory, make_applications  # noqa: F401  # isort: skip
from bots.adapters import AdapterError, StepAdapter, load_adapter
from bots.target_files import SHIPPED_DIR, load_target
from store import entries

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

CITY_STEPS = '''
from bots.errors import TargetRejected
from bots.scenario import Loc

USED = []


class PickPurpose:
    """The city's own code for its purpose widget: type a short key, pick the option."""

    def run(self, ctx):
        purpose = ctx.values.get("purpose", "")
        if purpose not in ctx.args["allowed"]:
            raise TargetRejected("この使い道は当市では受け付けていません。", "purpose_not_allowed")
        box = ctx.driver.locate(Loc(label="寄附金の使い道"), ctx.screen)
        box.fill(purpose[:2])
        ctx.driver.locate(Loc(role="option", name=purpose), ctx.screen).click()
        USED.append(ctx.screen)
'''


def city_folder(tmp: Path) -> Path:
    folder = tmp / "city"
    folder.mkdir()
    (folder / "city_steps.py").write_text(CITY_STEPS, encoding="utf-8")
    text = (SHIPPED_DIR / "admin_demo.yaml").read_text(encoding="utf-8")
    step = "- {choose: 寄附金の使い道, value: purpose, probe: 子}"
    assert step in text
    adapter = ("- {adapter: \"city_steps:PickPurpose\", args: {allowed: [子育て支援, 教育・文化, "
               "福祉・医療, 環境保全, 防災・まちづくり, 市長におまかせ]}}")
    (folder / "admin_demo.yaml").write_text(text.replace(step, adapter), encoding="utf-8")
    return folder


def test_adapter_step_next_to_the_yaml_runs_inside_the_safety_core(admin_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    world: AdminWorld = admin_factory()
    records = make_applications(world, 5)  # record 4 asks for 産業振興: the adapter refuses it
    target = load_target("admin_demo", city_folder(tmp_path))
    assert target.path.parent == tmp_path / "city"

    stats = world.enter(records, target=target)

    assert [o.outcome for o in stats.outcomes] == ["entered"] * 4 + ["rejected"], stats.summary()
    assert stats.outcomes[4].message_ja == "この使い道は当市では受け付けていません。"
    assert world.admin.count() == 4
    saved = world.admin.search("申込 次郎2")[0]
    assert world.admin.purpose_label(saved["purpose_id"]) == "福祉・医療"  # read back by the core
    assert all(entries.verify_chain(world.sf, world.files, r.document_id) for r in records[:4])
    assert world.enter(records[:4], target=target).count("skipped") == 4


def test_adapter_names_that_do_not_resolve_are_reported(tmp_path: Path) -> None:
    (tmp_path / "steps.py").write_text("class NoRun:\n    pass\n", encoding="utf-8")
    with pytest.raises(AdapterError, match="no run"):
        load_adapter("steps:NoRun", tmp_path)
    with pytest.raises(AdapterError, match="not found"):
        load_adapter("steps:Missing", tmp_path)
    with pytest.raises(AdapterError, match="not found"):
        load_adapter("no-such-entry-point", tmp_path)
    (tmp_path / "ok.py").write_text("class Fine:\n    def run(self, ctx):\n        pass\n", encoding="utf-8")
    assert isinstance(load_adapter("ok:Fine", tmp_path), StepAdapter)
