#!/usr/bin/env bash
# `make mutate-rules`: mutmut over the rules outside domain/ (scripts/mutmut_rules.toml), run
# from a scratch copy in var/mutate-rules so the checkout's own `make mutate` config and
# mutants/ stay untouched. Usage: scripts/mutate_rules.sh [--max-children N] [mutant-glob ...]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/var/mutate-rules
rm -rf "$WORK"
mkdir -p "$WORK"
tar --exclude=./.git --exclude=./var --exclude=./mutants --exclude=./.venv -cf - . | tar -xf - -C "$WORK"
# The scratch pyproject's [tool.mutmut] table is replaced by the rules configuration.
"$ROOT/.venv/bin/python" - "$WORK/pyproject.toml" "$ROOT/scripts/mutmut_rules.toml" <<'PY'
import re, sys
path, rules = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
text = open(path, encoding="utf-8").read()
text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", text)
open(path, "w", encoding="utf-8").write(text.rstrip() + "\n\n" + rules)
PY
cd "$WORK"
unset PYTHONPATH  # mutmut puts mutants/ first on sys.path; nothing may shadow it
"$ROOT/.venv/bin/mutmut" run --max-children 2 "$@" || true
"$ROOT/.venv/bin/python" "$ROOT/scripts/mutation_score.py" mutants
