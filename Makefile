# Kordon — two commands: `make run` and `make test`. Each does its own set-up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SITE ?= examples/volyn/site.yaml
WEB_STAMP := web/dist/index.html

.PHONY: run test lint typecheck unit bench bench-border reliability venv web clean format docs central-demo screenshots

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@$(PY) -c "import cv2, sys; v = cv2.__version__; sys.exit(0 if v.startswith('4.') else 'opencv must be 4.x, got ' + v)"
	@touch $(STAMP)

venv: $(STAMP)

# Web dependencies are installed again whenever the lock file changes.
WEB_DEPS := web/node_modules/.installed
$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $(WEB_DEPS)

web: $(STAMP) $(WEB_DEPS)
	cd web && npm run build

run: venv web
	$(VENV)/bin/kordon run $(SITE)

lint: venv
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

format: venv
	$(VENV)/bin/ruff format src tests benchmarks
	$(VENV)/bin/ruff check --fix src tests benchmarks

typecheck: venv
	$(VENV)/bin/mypy

unit: venv web
	cd web && npm run lint && npm test
	$(VENV)/bin/pytest

test: lint typecheck unit

# Benchmarks also compare with Stone Soup (MIT), a benchmark-only dependency.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	@$(PY) -c "import cv2, sys; v = cv2.__version__; sys.exit(0 if v.startswith('4.') else 'opencv must be 4.x, got ' + v)"
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) -m benchmarks

# The border recall range in full (8 seeds x 20 crossings per setting, seeds on two
# processes): about 50 minutes on a quiet 2-core machine.
bench-border: venv
	$(PY) -m benchmarks.bench_border_recall --full --jobs 2

# The longer loops behind the quick versions in `make test`; -s prints their figures.
CONCURRENCY_TESTS := tests/store/test_concurrent_writes.py tests/incidents/test_concurrent_notes.py \
	tests/api/test_concurrent_notes.py

reliability: venv
	KORDON_CRASH_ITERATIONS=500 $(VENV)/bin/pytest -s tests/record/test_crash.py
	KORDON_DISKFULL_ITERATIONS=200 $(VENV)/bin/pytest -s tests/record/test_diskfull.py -k loop
	KORDON_CONCURRENCY_ITERATIONS=200 $(VENV)/bin/pytest -s $(CONCURRENCY_TESTS)
	KORDON_NETNS_SOAK_CYCLES=6 $(VENV)/bin/pytest -s tests/link/soak_netns.py

# A central with two edges on this machine (Debian's mosquitto and postgresql, no containers).
central-demo: venv web
	deploy/local-demo.sh

docs: venv
	$(VENV)/bin/kordon config docs -o docs/configuration.md

# The console for the README: a demo node and the browser walk-through write the overview map,
# a zoomed incident, live video, playback and an export at 1366x768 and 1920x1080 into
# docs/screenshots/console-<view>-<size>.png (needs node and Chromium, as `make test`'s browser
# test). On a loaded machine: `.venv/bin/python -m tests.e2e.screenshots --analytics-fps 2`.
screenshots: venv web
	$(PY) -m tests.e2e.screenshots --out docs/screenshots

clean:
	rm -rf $(VENV) web/node_modules web/dist .mypy_cache .pytest_cache .ruff_cache
