"""Per-module mutation score from a mutmut ``mutants/`` folder (docs/testing.md, "How we count").

Score = killed / all mutants: survivors, mutants no test reaches ("no tests"), timeouts and
mutants not yet run all count as not killed (mutmut's own summary counts timeouts as killed).
Usage: ``python scripts/mutation_score.py [mutants-dir]``.
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

from mutmut.__main__ import status_by_exit_code

COLUMNS = ("killed", "survived", "no tests", "timeout", "not checked", "other")
KNOWN = frozenset(COLUMNS[:-1])


def main(root: Path) -> None:
    total: collections.Counter[str] = collections.Counter()
    print("| module | mutants | " + " | ".join(COLUMNS) + " | score |")
    print("|---|---:|" + "---:|" * len(COLUMNS) + "---:|")
    for meta in sorted(root.rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].values()
        statuses = (status_by_exit_code[code] for code in codes)
        c = collections.Counter(s if s in KNOWN else "other" for s in statuses)
        n = sum(c.values())
        if not n:
            continue
        total.update(c)
        module = meta.relative_to(root).as_posix().removesuffix(".meta")
        print(f"| `{module}` | {n} | " + " | ".join(str(c[k]) for k in COLUMNS)
              + f" | {100 * c['killed'] / n:.1f} % |")
    n = sum(total.values())
    print(f"| **total** | **{n}** | " + " | ".join(f"**{total[k]}**" for k in COLUMNS)
          + f" | **{100 * total['killed'] / max(n, 1):.1f} %** |")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "mutants"))
