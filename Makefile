# The two set-up commands for a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lint bench docs clean-demo

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## One full nightly cycle on the embedded default: sample uploads into inbox/, process, summary.
demo: $(BIN)/.installed
	$(BIN)/hub demo

## Lint, type-check, check the import layering and run every test.
test: $(BIN)/.installed lint
	$(BIN)/python -m pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Benchmarks: 1,000,000-row upload through `hub process` against the baselines.
bench: $(BIN)/.installed
	$(BIN)/python bench/run.py

## Regenerate the reference pages of docs/ from the code (the tests fail while one is stale).
docs: $(BIN)/.installed
	$(BIN)/python -m hub.docs

## Remove what `make demo` made (its hub.yaml, ledger, landed copies, inbox and outbox files), and
## nothing else: refused where hub.yaml was not written by the demo.
clean-demo: $(BIN)/.installed
	$(BIN)/hub demo --clean
