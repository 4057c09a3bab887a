"""The adapter seam: a step of a target file that needs code names a Python class.

``adapter: city_steps:PickDonation`` loads ``city_steps.py`` from the folder of the target
file (so a city keeps its code next to its YAML, outside the installed package); a name
without ``:`` is an entry point in the ``yomitori.bot_steps`` group. The class is built
with no arguments and implements :class:`StepAdapter`. It runs inside the same safety core
as YAML steps (look-up before write, read-back, evidence, retries, breaker, send-back): it
signals trouble with the same exceptions (``bots.errors``), or lets the driver's helpers
(``ctx.driver.locate/click/fill``) raise them.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from bots.driver import Driver

GROUP = "yomitori.bot_steps"


@dataclass
class StepContext:
    page: Page
    driver: Driver
    screen: str
    values: dict[str, Any] = field(repr=False)  # the record's fields: personal data, never log them
    args: dict[str, Any] = field(default_factory=dict)
    checking: bool = False  # `targets check`: verify locators, change nothing


@runtime_checkable
class StepAdapter(Protocol):
    def run(self, ctx: StepContext) -> None: ...


class AdapterError(Exception):
    pass


def load_adapter(spec: str, base_dir: Path | None) -> StepAdapter:
    """An instance of the class ``spec`` names (see the module docstring)."""
    if ":" in spec:
        module_name, cls_name = spec.split(":", 1)
        local = base_dir / f"{module_name}.py" if base_dir else None
        if local is not None and local.is_file():
            key = f"yomitori_target_steps.{local.parent.name}.{module_name}"
            module = sys.modules.get(key)
            if module is None:
                loader_spec = importlib.util.spec_from_file_location(key, local)
                if loader_spec is None or loader_spec.loader is None:
                    raise AdapterError(f"cannot load {local}")
                module = importlib.util.module_from_spec(loader_spec)
                sys.modules[key] = module
                loader_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
        cls = getattr(module, cls_name, None)
    else:
        found = [ep for ep in entry_points(group=GROUP) if ep.name == spec]
        cls = found[0].load() if found else None
    if cls is None:
        raise AdapterError(f"adapter {spec!r} not found")
    obj = cls()
    if not isinstance(obj, StepAdapter):
        raise AdapterError(f"adapter {spec!r} has no run(ctx) method")
    return obj
