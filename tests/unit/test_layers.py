"""The house: every package on its own floor, and imports only point down.

Walks every import statement of every module (including imports inside functions
and under ``TYPE_CHECKING``, which still couple the code) and checks it against
the floor order below. A new package must be given a floor here before it can be
imported, so the layout stays written down.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. A module may import from its own package and from packages on lower
# floors only, never sideways within a floor nor upwards.
FLOORS: list[set[str]] = [
    {"domain"},                                  # pure models and rules
    {"config"},                                  # settings (environment, defaults)
    {"ocr", "forms", "store"},                   # image → readings; templates; the work store
    {"synth", "intake"},                         # scan synthesiser; receiving and loading files
    {"authoring", "learning", "reports", "bots", "sandbox"},  # features over the store
    {"services"},                                # composition root, worker, reading, evaluation
    {"flows", "review"},                         # Prefect flows; the staff web app
    {"yomitori"},                                # the command line and the demo
]
FLOOR = {pkg: i for i, floor in enumerate(FLOORS) for pkg in floor}


def _packages() -> list[str]:
    return sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file())


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "__import__" and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            found.append((node.lineno, node.args[0].value))
    return found


def upward_imports(packages: list[str], root: Path = ROOT) -> list[str]:
    """Every import that points sideways or up, as 'file:line imports module'."""
    bad: list[str] = []
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            for line, module in _imports(path):
                target = module.split(".")[0]
                if target == pkg or target not in FLOOR:
                    continue  # own package, or a third-party / standard library module
                if FLOOR[target] >= FLOOR[pkg]:
                    bad.append(f"{path.relative_to(root)}:{line} imports {module}")
    return bad


def test_every_package_has_a_floor() -> None:
    missing = [p for p in _packages() if p not in FLOOR and p != "tests"]
    assert not missing, f"give these packages a floor in tests/unit/test_layers.py: {missing}"


def test_imports_point_down() -> None:
    bad = upward_imports([p for p in _packages() if p in FLOOR])
    assert not bad, "imports that point sideways or up:\n" + "\n".join(bad)


def test_nothing_below_the_command_line_imports_it() -> None:
    below = [p for p in _packages() if p in FLOOR and p != "yomitori"]
    bad = [b for b in upward_imports(below) if b.endswith(" imports yomitori") or " imports yomitori." in b]
    assert not bad, "\n".join(bad)


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The walk finds imports inside functions too (a lazy import still couples the floors)."""
    pkg = tmp_path / "store"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "x.py").write_text("def f():\n    from yomitori.cli.main import app\n    return app\n")
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "__init__.py").write_text("from store import x\n")
    bad = upward_imports(["store", "domain"], root=tmp_path)
    assert bad == ["store/x.py:2 imports yomitori.cli.main", "domain/__init__.py:1 imports store"]


def test_packaging_and_type_checks_cover_every_package() -> None:
    """A package on a floor is installed and type-checked (pyproject lists both)."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = {p.rstrip("*") for p in conf["tool"]["setuptools"]["packages"]["find"]["include"]}
    checked = set(conf["tool"]["mypy"]["packages"])
    assert set(FLOOR) <= include, sorted(set(FLOOR) - include)
    assert set(FLOOR) <= checked, sorted(set(FLOOR) - checked)


def test_tests_never_import_the_tests_package() -> None:
    """CI runs plain ``pytest``: the repo root is not on sys.path there, only each test's folder.

    ``from tests.integration.x import y`` passes wherever the root happens to be importable
    (``python -m pytest``, PYTHONPATH) and fails in CI; import a sibling as ``from x import y``.
    """
    bad = [f"{path.relative_to(ROOT)}:{line} imports {module}"
           for folder in ("tests", "bench")
           for path in sorted((ROOT / folder).rglob("*.py"))
           for line, module in _imports(path)
           if module == "tests" or module.startswith("tests.")]
    assert bad == []
