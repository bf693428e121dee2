# TradeTrack — every command a developer, CI or ops needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The pip `python -m venv` bundles (23.x) applies the running interpreter's version to
# Requires-Python even with --python-version, which breaks the py3.12 layer build.
PIP_VERSION := 26.3
STAMP := $(VENV)/.installed
LOCAL_STAMP := $(VENV)/.installed-local
CDK_CLI := cdk/node_modules/.bin/cdk
LAYER_DIR := build/layers/deps
LAYER_STAMP := $(LAYER_DIR)/.built
# The Lambda runtime's Python (3.12), built from source once (scripts/build_lambda_python.sh): it
# compiles the layers' bytecode and runs the cold-start benchmark. `make test` does not need it.
LAMBDA_PY := $(or $(TRADETRACK_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/tradetrack)/python-3.12.14/bin/python3.12
LAYER_PYC := $(LAYER_DIR)/.compiled
# Pillow for the attachment worker only (layers/images/requirements.txt): its own layer, beside deps.
IMAGES_DIR := build/layers/images
IMAGES_STAMP := $(IMAGES_DIR)/.built
IMAGES_PYC := $(IMAGES_DIR)/.compiled
# How a layer's pinned wheels are installed: Lambda's arm64 CPython 3.12, binary wheels only.
ARM64_WHEELS := --no-deps --no-compile --platform manylinux2014_aarch64 --platform manylinux_2_28_aarch64 \
  --implementation cp --python-version 3.12 --only-binary=:all:
CORE_BUILD := build/layers/core
CORE_STAMP := $(CORE_BUILD)/.built
CORE_SRC := $(shell find layers/core/python -name '*.py' 2>/dev/null)
# unchecked-hash: the .pyc is used as shipped; Lambda's /opt is read-only and zips keep no mtimes
COMPILE = $(LAMBDA_PY) -m compileall -q -j 0 --invalidation-mode unchecked-hash
BENCH_RUNTIME := build/bench-runtime/.built
# The trader's web app: npm ci from the lockfile, then vite build into web/dist (served by `make dev`).
WEB_DEPS := web/node_modules/.installed
WEB_DIST := web/dist/index.html
WEB_SRC := $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json

.PHONY: help dev web test check format build synth bench servers lock clean

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# Everything (tests, lint, CDK): a superset of what the local stack needs.
$(STAMP): requirements/dev.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q pip==$(PIP_VERSION)
	$(PY) -m pip install -q -r requirements/dev.lock
	$(PY) -m pip install -q --no-deps -e .
	@touch $@ $(LOCAL_STAMP)

# Only what `make dev` runs, so a fresh machine serves requests within a minute.
$(LOCAL_STAMP): requirements/local.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q pip==$(PIP_VERSION)
	$(PY) -m pip install -q -r requirements/local.lock
	$(PY) -m pip install -q --no-deps -e .
	@touch $@

$(CDK_CLI): cdk/package.json cdk/package-lock.json
	cd cdk && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(LAYER_STAMP): layers/deps/requirements.txt | $(STAMP)
	rm -rf $(LAYER_DIR) && mkdir -p $(LAYER_DIR)/python
	$(PY) -m pip install -q -r layers/deps/requirements.txt --target $(LAYER_DIR)/python $(ARM64_WHEELS)
# manylinux_2_28 too: Lambda's python3.12 runtime (Amazon Linux 2023, glibc 2.34) runs those wheels,
# and newer releases (numpy >= 2.3) publish no manylinux2014 aarch64 wheel.
	@touch $@

$(LAMBDA_PY):
	@bash scripts/build_lambda_python.sh

# The layers as deployed: 3.12 bytecode beside every module (pip's own would be 3.11's).
$(LAYER_PYC): $(LAYER_STAMP) $(LAMBDA_PY)
	$(COMPILE) $(LAYER_DIR)/python
	@touch $@

$(IMAGES_STAMP): layers/images/requirements.txt | $(STAMP)
	rm -rf $(IMAGES_DIR) && mkdir -p $(IMAGES_DIR)/python
	$(PY) -m pip install -q -r layers/images/requirements.txt --target $(IMAGES_DIR)/python $(ARM64_WHEELS)
	@touch $@

$(IMAGES_PYC): $(IMAGES_STAMP) $(LAMBDA_PY)
	$(COMPILE) $(IMAGES_DIR)/python
	@touch $@

$(CORE_STAMP): $(CORE_SRC) $(LAMBDA_PY)
	rm -rf $(CORE_BUILD) && mkdir -p $(CORE_BUILD)
	cp -r layers/core/python $(CORE_BUILD)/python
	find $(CORE_BUILD) -name __pycache__ -type d -prune -exec rm -rf {} +
	$(COMPILE) $(CORE_BUILD)/python
	@touch $@

# The deps layer's pins for this machine's CPU (x86-64), for Lambda's Python, with boto3 as the
# runtime provides it, compiled like the layers: what the cold-start benchmark imports.
$(BENCH_RUNTIME): layers/deps/requirements.txt layers/images/requirements.txt $(LAMBDA_PY) | $(STAMP)
	rm -rf $(@D) && mkdir -p $(@D)
	# the images layer too: the attachment worker's cold start imports Pillow
	$(PY) -m pip install -q -r layers/deps/requirements.txt -r layers/images/requirements.txt --target $(@D) \
	  --no-deps --no-compile --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
	  --implementation cp --python-version 3.12 --only-binary=:all:
	$(PY) -m pip install -q boto3 --target $(@D) --no-compile --only-binary=:all: \
	  --platform manylinux2014_x86_64 --implementation cp --python-version 3.12  # the runtime's
	$(COMPILE) $(@D)
	@touch $@

$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_DIST): $(WEB_DEPS) $(WEB_SRC)
	cd web && node_modules/.bin/vite build --logLevel warn
	@touch $@

web: $(WEB_DIST) ## Build the trader's web app into web/dist (skipped when up to date)

servers: ## Install and build the real servers the tests use (redis-server, postgresql, FerretDB)
	@bash scripts/install_servers.sh

dev: $(LOCAL_STAMP) $(WEB_DIST) servers ## Run the local stack (REST :3000 + the web app at /, WebSocket :3001) on FerretDB/PostgreSQL, data in .local-state/
	$(PY) -m local

test: $(STAMP) $(LAYER_STAMP) $(WEB_DIST) servers ## Run every test against real Redis and FerretDB
	cd web && node_modules/.bin/vitest run
	$(PY) -m pytest

check: $(STAMP) $(WEB_DEPS) ## Lint, format check and type check (Python, and web/: tsc + ESLint)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy layers/core/python functions local cdk tests scripts
	cd web && node_modules/.bin/tsc --noEmit
	cd web && node_modules/.bin/eslint --max-warnings 0 .

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

build: $(STAMP) $(LAYER_PYC) $(IMAGES_PYC) $(CORE_STAMP) ## Build the Lambda layers (arm64 wheels, Python 3.12 bytecode; no Docker)
	@du -sh $(LAYER_DIR) $(IMAGES_DIR) $(CORE_BUILD) | sed 's/^/unzipped: /'

synth: build $(CDK_CLI) $(WEB_DIST) ## Synthesize CloudFormation (a stage's stacks; PIPELINE=1: the deploy pipeline and its stages; no Docker, no AWS credentials); cdk-nag runs
	$(CDK_CLI) synth --quiet -c stage=$${STAGE:-dev} $${PIPELINE:+-c pipeline=true}
	find cdk.out -name '*.template.json' -print0 | xargs -0 $(VENV)/bin/cfn-lint

bench: $(STAMP) $(LAYER_PYC) $(CORE_STAMP) $(BENCH_RUNTIME) servers ## Run the benchmarks and print their figures
	$(PY) scripts/bench_cold_start.py
	# on make dev's store (FerretDB on PostgreSQL, docs/local-store.md); the store bench runs both
	TRADETRACK_FERRETDB_BACKEND=$${TRADETRACK_FERRETDB_BACKEND:-postgresql} \
	QUERY_SHAPES_REPORT=build/query-shapes-bench.json $(PY) -m pytest tests/bench -m bench --benchmark-only \
	  --benchmark-columns=min,median,mean,max,ops --benchmark-sort=name -p no:cacheprovider -rP
	@$(PY) -m tests.support.query_shapes build/query-shapes.json  # written by the last `make test`

lock: ## Re-pin requirements/*.lock and the layer's requirements from pyproject.toml
	$(PYTHON) -m pip install -q --target build/uv uv
	PYTHONPATH=build/uv build/uv/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements/dev.lock
	PYTHONPATH=build/uv build/uv/bin/uv pip compile pyproject.toml --extra local --python-version 3.11 -o requirements/local.lock
	PYTHONPATH=build/uv build/uv/bin/uv pip compile pyproject.toml --python-version 3.12 \
	  --python-platform aarch64-manylinux_2_28 --no-emit-package boto3 --no-emit-package botocore \
	  --no-emit-package s3transfer --no-emit-package jmespath -o layers/deps/requirements.txt

clean: ## Remove build output (keeps the venv and the FerretDB cache)
	rm -rf build cdk.out .pytest_cache .mypy_cache .ruff_cache
