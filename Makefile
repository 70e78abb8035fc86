# The everyday commands. A fresh clone needs only Python 3.11, make and the package registries.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export CRISISGRAPH_DATABASE_URL ?= sqlite:///./var/crisisgraph.db

.PHONY: run install install-dev migrate seed serve test lint typecheck contracts schema openapi check clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: requirements.lock pyproject.toml package-lock.json scripts/build_explorer.py scripts/build_docs_assets.py | $(BIN)/python
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python scripts/build_explorer.py
	$(BIN)/python scripts/build_docs_assets.py
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock requirements.lock pyproject.toml package-lock.json scripts/build_explorer.py scripts/build_docs_assets.py | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.lock
	$(BIN)/pip install -q --no-deps -e .
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python scripts/build_explorer.py
	$(BIN)/python scripts/build_docs_assets.py
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/crisisgraph db upgrade

seed: migrate
	$(BIN)/crisisgraph seed

## run: set up, migrate, load the seed and serve on http://127.0.0.1:8000
run: seed
	$(BIN)/crisisgraph serve

## test: set up, then the whole suite (SQLite; PostgreSQL too when CRISISGRAPH_TEST_DATABASE_URL is set)
test: install-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## contracts: models and migrations agree; the committed schema.graphql is the generated one
contracts: install-dev
	CRISISGRAPH_DATABASE_URL=sqlite:///./var/contracts-check.db $(BIN)/crisisgraph db upgrade
	CRISISGRAPH_DATABASE_URL=sqlite:///./var/contracts-check.db $(BIN)/alembic check
	rm -f var/contracts-check.db*
	$(BIN)/strawberry export-schema schema.schema:schema --output var/schema.graphql > /dev/null
	diff -u schema.graphql var/schema.graphql || (echo "schema.graphql is out of date: run 'make schema'" && exit 1)
	$(BIN)/python scripts/export_openapi.py --check

## schema: regenerate the committed contract files (schema.graphql and openapi.json)
schema: install-dev
	$(BIN)/strawberry export-schema schema.schema:schema --output schema.graphql
	$(BIN)/python scripts/export_openapi.py  # GraphQL descriptions feed openapi.json

check: lint contracts test

clean:
	rm -rf $(VENV) var/*.db var/*.db-*

## openapi: regenerate the committed OpenAPI document
openapi: install-dev
	$(BIN)/python scripts/export_openapi.py
