# Quick start: `make run` (terminal chat) and `make test` (lint, types, tests).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint types pytest bench load eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/policybot chat

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

eval: $(VENV)/.installed
	$(BIN)/policybot eval --quiet evaluation/tune.yaml evaluation/tune2.yaml evaluation/tune3.yaml \
		evaluation/heldout.yaml evaluation/heldout2.yaml evaluation/independent.yaml

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_matcher.py

LOAD_ARGS ?= --workers 2

load: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/load_slack.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .pytest_cache .ruff_cache
