"""Per-module mutation score from mutmut ``mutants/`` folders (docs/testing.md, "How we count").

Score = killed / all mutants: survivors, mutants no test reaches ("no tests"), timeouts and
mutants not yet run all count as not killed (mutmut's own summary counts timeouts as killed).

Usage: ``python scripts/mutation_score.py [mutants-dir ...]``. With several folders of the
same source (a full run, then a run of only its survivors after tests were added), a
mutant counts as killed if any run killed it, else it takes the status of the last run
that checked it. ``--list`` prints every mutant not killed, with its status.
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

# mutmut 3.8's exit code → status (mutmut.__main__.status_by_exit_code; importing it needs a
# mutmut configuration in the working directory, so it is copied here)
STATUS_BY_EXIT_CODE: dict[int | None, str] = {
    1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 2: "interrupted",
    None: "not checked", 34: "skipped", 35: "suspicious", 36: "timeout", 37: "caught by type check",
    -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout", -11: "segfault", -9: "segfault",
}
COLUMNS = ("killed", "survived", "no tests", "timeout", "not checked", "other")
KNOWN = frozenset(COLUMNS[:-1])


def _status(code: int | None) -> str:
    s = STATUS_BY_EXIT_CODE.get(code, "other")
    return s if s in KNOWN else "other"


def merged(roots: list[Path]) -> dict[str, dict[str, str]]:
    """module → mutant → status, over the runs in ``roots`` (later runs refine earlier ones)."""
    out: dict[str, dict[str, str]] = collections.defaultdict(dict)
    for root in roots:
        for meta in sorted(root.rglob("*.py.meta")):
            module = meta.relative_to(root).as_posix().removesuffix(".meta")
            codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
            seen = out[module]
            for name, code in codes.items():
                status = _status(code)
                if seen.get(name) == "killed" or (status == "not checked" and name in seen):
                    continue
                seen[name] = status
    return out


def main(argv: list[str]) -> None:
    show = "--list" in argv
    roots = [Path(a) for a in argv if a != "--list"] or [Path("mutants")]
    total: collections.Counter[str] = collections.Counter()
    print("| module | mutants | " + " | ".join(COLUMNS) + " | score |")
    print("|---|---:|" + "---:|" * len(COLUMNS) + "---:|")
    data = merged(roots)
    for module in sorted(data):
        c = collections.Counter(data[module].values())
        n = sum(c.values())
        if not n:
            continue
        total.update(c)
        print(f"| `{module}` | {n} | " + " | ".join(str(c[k]) for k in COLUMNS)
              + f" | {100 * c['killed'] / n:.1f} % |")
    n = sum(total.values())
    print(f"| **total** | **{n}** | " + " | ".join(f"**{total[k]}**" for k in COLUMNS)
          + f" | **{100 * total['killed'] / max(n, 1):.1f} %** |")
    if show:
        for module in sorted(data):
            for name, status in sorted(data[module].items()):
                if status != "killed":
                    print(f"{status}\t{name}")


if __name__ == "__main__":
    main(sys.argv[1:])
