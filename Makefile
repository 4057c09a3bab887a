# The two commands of README.md: `make demo` and `make test`.
.PHONY: setup demo test bench bench-intake mutate mutate-rules
export PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK = True
export PREFECT_SERVER_ANALYTICS_ENABLED = false
export PREFECT_HOME = $(CURDIR)/var/prefect
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS = 90

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/yomitori demo

test: setup
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/pytest

bench: setup
	.venv/bin/python bench/accuracy.py --count 10 --seed 9001

bench-intake: setup
	.venv/bin/python bench/intake.py --pages 200

mutate: setup  # mutation testing of domain/ (docs/testing.md); 3419 mutants (3084 took about 15 minutes on 2 idle cores)
	rm -rf mutants
	.venv/bin/mutmut run
	.venv/bin/mutmut results

mutate-rules: setup  # mutmut over the rules in bots/ store/ reports/ intake/ (docs/testing.md); slow, see there
	bash scripts/mutate_rules.sh
