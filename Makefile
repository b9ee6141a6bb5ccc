# SIPADU — every target creates .venv and installs what it needs when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# Test processes for `make test` (pytest-xdist): auto = one per core; 0 = a single process.
PYTEST_WORKERS ?= auto

.PHONY: run test lint fmt migrate translations messages bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "SIPADU needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# Binary catalogs are built, never committed.
translations: $(STAMP)
	@$(BIN)/pybabel -q compile -d sipadu/translations

run: translations
	$(BIN)/sipadu init
	$(BIN)/sipadu serve --bind 127.0.0.1:8000

# --dist loadfile keeps a module's tests in one process, so module fixtures are built once.
test: translations
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

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

migrate: $(STAMP)
	$(BIN)/sipadu db upgrade

# Re-extract user-facing strings and merge them into the Indonesian catalog.
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext -o sipadu/translations/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching -i sipadu/translations/messages.pot -d sipadu/translations
	@rm -f sipadu/translations/messages.pot

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
