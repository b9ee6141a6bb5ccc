# SIPADU — every target creates .venv and installs what it needs when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# Test processes for `make test` (pytest-xdist): auto = one per core; 0 = a single process.
PYTEST_WORKERS ?= auto
# Every dependency (runtime, dev extra, build backend) pinned with hashes; `make lock` rewrites it.
LOCK := requirements/dev.lock
PIP := $(BIN)/python -m pip --disable-pip-version-check
# Coverage of sipadu/ below this fails `make test` in CI (.ci/run sets CI=true).
COVERAGE_FLOOR ?= 90
COVERAGE_ARGS := --cov --cov-report=term:skip-covered $(if $(filter true,$(CI)),--cov-fail-under=$(COVERAGE_FLOOR))

.PHONY: run test test-fast lint fmt lock migrate translations messages bench screenshots clean

# Installs exactly what the lock names, then SIPADU itself (editable, built by the locked
# hatchling instead of a freshly downloaded one).
$(STAMP): $(LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "SIPADU needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --require-hashes -r $(LOCK)
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Re-resolve the lock from pyproject.toml, keeping pins that still fit (LOCK_ARGS=--upgrade
# moves every pin to the newest release). pip-tools lives in its own venv, outside the lock.
# No index URL is written into the lock: pip's own configuration says where packages come from.
LOCK_VENV := $(VENV)/pip-tools
lock:
	@test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) \
		&& $(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check 'pip-tools>=7.4,<8'; }
	$(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --extra dev --all-build-deps \
		--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS) \
		--output-file $(LOCK) pyproject.toml

# Binary catalogs are built, never committed.
translations: $(STAMP)
	@$(BIN)/pybabel -q compile -d sipadu/translations

# Listen address: PORT=8080 serves on 127.0.0.1:8080; without PORT, SIPADU_BIND if set, else
# 127.0.0.1:8000 (sipadu serve's own default).
PORT ?=
run: translations
	$(BIN)/sipadu init
	$(BIN)/sipadu serve$(if $(PORT), --bind 127.0.0.1:$(PORT))

# --dist loadfile keeps a module's tests in one process, so module fixtures are built once.
# Coverage counts code run in the test processes; servers started as subprocesses are not
# counted.
# The suite starts the `sipadu` command and servers hundreds of times; compiling the sources
# once spares each process about 0.3 s of CPU where PYTHONDONTWRITEBYTECODE is set.
test: translations
	@$(BIN)/python -m compileall -q sipadu tests
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(COVERAGE_ARGS) $(PYTEST_ARGS)

# The edit-test loop: no slow (real servers, wheel builds) or e2e (browser) tests, no coverage.
test-fast: translations
	@$(BIN)/python -m compileall -q sipadu tests
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not slow and not e2e" $(PYTEST_ARGS)

LINT_PATHS := sipadu tests migrations bench scripts hatch_build.py wsgi.py

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy
	$(BIN)/lint-imports

# Rewrite the code in the project's format (ruff format) and apply ruff's safe fixes.
fmt: $(STAMP)
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

# Benchmarks (bench/): a Markdown and JSON report under bench-results/ (git-ignored).
# BENCH_ARGS=--quick uses smaller sizes.
BENCH_ARGS ?=
bench: translations
	$(BIN)/python -m bench $(BENCH_ARGS)

# Screenshots of every reporter page, both languages, at 360 and 1280 px wide, into
# screenshots/ (git-ignored), taken by the browser test that checks those pages.
SCREENSHOTS_DIR ?= $(CURDIR)/screenshots
screenshots: translations
	SIPADU_SCREENSHOTS=$(SCREENSHOTS_DIR) $(BIN)/pytest -n 0 -q -p no:cacheprovider \
		tests/e2e/test_reporter_pages_checks.py
	@echo "screenshots in $(SCREENSHOTS_DIR)"

migrate: $(STAMP)
	$(BIN)/sipadu db upgrade

# Re-extract user-facing strings and merge them into the Indonesian catalog.
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext -k lazy_ngettext:1,2 -o sipadu/translations/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching -i sipadu/translations/messages.pot -d sipadu/translations
	@rm -f sipadu/translations/messages.pot

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
