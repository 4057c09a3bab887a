"""prefect.yaml: every deployment points at a real flow and passes only parameters it accepts."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOYMENTS: list[dict[str, Any]] = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))[
    "deployments"]


def test_expected_deployments_exist() -> None:
    names = {d["name"] for d in DEPLOYMENTS}
    assert {"intake", "recognize", "pipeline", "report", "enter"} <= names


@pytest.mark.parametrize("dep", DEPLOYMENTS, ids=lambda d: d["name"])
def test_entrypoint_and_parameters(dep: dict[str, Any]) -> None:
    module, _, attr = dep["entrypoint"].partition(":")
    flow = getattr(importlib.import_module(module), attr)
    params = inspect.signature(flow.fn).parameters
    unknown = set(dep.get("parameters") or {}) - set(params)
    assert not unknown, f"{dep['name']}: parameters the flow does not take: {unknown}"
    for sched in dep.get("schedules") or []:
        assert len(sched["cron"].split()) == 5 and sched["timezone"] == "Asia/Tokyo"
