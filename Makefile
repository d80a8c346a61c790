# Kontor: the two commands are `make dev` and `make test` (see README.md).
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# uv from PATH, or bootstrapped with pip into a private venv on first use.
UV_BOOTSTRAP := .cache/uv-bootstrap
UV ?= $(or $(shell command -v uv 2>/dev/null),$(UV_BOOTSTRAP)/bin/uv)
PYTEST_ARGS ?=

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(UV_BOOTSTRAP)/bin/uv:
	@echo "uv not found; installing it with pip into $(UV_BOOTSTRAP)"
	$(PYTHON) -m venv $(UV_BOOTSTRAP)
	$(UV_BOOTSTRAP)/bin/pip install --quiet --disable-pip-version-check uv

.venv/.synced: $(UV) pyproject.toml uv.lock $(wildcard */*/pyproject.toml)
	$(UV) sync --frozen
	@touch $@

.PHONY: install
install: .venv/.synced ## create .venv with every service and dev tool (uv sync --frozen)

.PHONY: dev
dev: install ## start PostgreSQL, NATS, Redis and all services locally; Ctrl-C stops everything
	$(UV) run --frozen --no-sync kontor-dev up

.PHONY: test
test: install ## unit + integration + browser tests against real servers, then the Helm checks
	scripts/ensure-chromium
	$(UV) run --frozen --no-sync pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory helm-check

.PHONY: test-unit
test-unit: install ## only the unit tests (no servers started)
	$(UV) run --frozen --no-sync pytest libs services tools $(PYTEST_ARGS)

.PHONY: proto
proto: install ## regenerate libs/protos and docs/events.md from proto/
	$(UV) run --frozen --no-sync python scripts/gen_protos.py

.PHONY: helm-check
helm-check: install ## lint, render (dev + HA) and validate the Helm chart with helm v4
	KUBERNETES_VALIDATE=.venv/bin/kubernetes-validate scripts/helm-check

.PHONY: bench
bench: install ## run every benchmark in bench/ (each prints one JSON line last)
	@for b in bench/*.py; do echo "== $$b"; $(UV) run --frozen --no-sync python $$b || exit 1; done

.PHONY: clean
clean: ## remove the virtualenv and caches (keeps .kontor/ dev data)
	rm -rf .venv .cache .pytest_cache .hypothesis
