# The README's commands. `make run` and `make test` set everything up on a fresh machine.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
DEV     := $(VENV)/.installed-dev
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup setup-dev run test lint index bench browser-deps clean

setup: $(STAMP)
setup-dev: $(DEV)

# torch is installed first and pinned: the CPU build, never the CUDA wheels.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e .
	touch $(STAMP)

# Tests and the benchmark also need the test tools, the peer recipes and Milvus Lite.
$(DEV): $(STAMP)
	$(PY) -m pip install -q -e '.[test,bench,milvus]'
	touch $(DEV)

run: setup
	$(PY) app.py

index: setup
	$(VENV)/bin/rag index

# Chromium for the browser tests comes from Debian (Playwright's own download cannot work
# offline), with a CJK font so pages and screenshots show Chinese; the PDF upload tests
# embed the same font (Noto Sans CJK) in the Chinese PDF they write.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ]; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium fonts-noto-cjk; \
	fi

test: setup-dev browser-deps
	$(VENV)/bin/ruff check rag bench tests app.py
	$(PY) -m pytest -q

lint: setup-dev
	$(VENV)/bin/ruff check rag bench tests app.py
	$(VENV)/bin/ruff format --check rag bench tests app.py

# The full benchmark (scales 1, 10, 100; about 5 minutes on 2 cores); see docs/benchmarks.md.
bench: setup-dev
	$(VENV)/bin/rag bench --questions $(or $(QUESTIONS),../shared/eval/dev.jsonl) \
		--json docs/bench.json --md docs/benchmarks.md --png docs/bench.png

clean:
	rm -rf $(VENV) index/builds index/CURRENT .pytest_cache
