# Two commands do all set-up on a fresh machine (Python 3.11+, Debian):
#   make demo   create .venv, install journeylens, build the demo workspace and show it
#   make test   the same .venv plus the test extras (pytest, PySpark, Playwright ...), then lint,
#               the layer contract and the whole suite
# Each install has its own stamp file in the venv, so `make test` after `make demo` adds only the
# test extras, and the demo never pulls in PySpark or a browser driver.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
WS     ?= demo-workspace
# make demo DEMO_ARGS="--no-serve --scale 2000"
DEMO_ARGS ?=

.PHONY: demo test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The package alone: what `journeylens demo`, the CLI, the report and the web app need.
$(VENV)/.installed-package: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The test extras (the package comes with them).
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

demo: $(VENV)/.installed-package
	$(BIN)/journeylens demo -w $(WS) $(DEMO_ARGS)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check journeylens tests bench
	$(BIN)/ruff format --check journeylens tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check journeylens tests bench
	$(BIN)/ruff format --check journeylens tests bench

format: $(VENV)/.installed-dev
	$(BIN)/ruff format journeylens tests bench
	$(BIN)/ruff check --fix journeylens tests bench

# make bench BENCH_ARGS="--events 1M,5M --groups import"
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(WS) .pytest_cache .ruff_cache
