# Two commands do all set-up on a fresh machine (Python 3.11+, Debian):
#   make demo   create .venv, install journeylens, build the demo workspace and show it
#   make test   create .venv, install journeylens with its test extras, run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
WS     ?= demo-workspace

.PHONY: demo test lint format bench clean

$(BIN)/journeylens: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/journeylens
	$(BIN)/journeylens demo -w $(WS)

test: $(BIN)/journeylens
	$(BIN)/ruff check journeylens tests bench
	$(BIN)/ruff format --check journeylens tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(BIN)/journeylens
	$(BIN)/ruff check journeylens tests bench
	$(BIN)/ruff format --check journeylens tests bench

format: $(BIN)/journeylens
	$(BIN)/ruff format journeylens tests bench
	$(BIN)/ruff check --fix journeylens tests bench

# make bench BENCH_ARGS="--events 1M,5M --groups import"
bench: $(BIN)/journeylens
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(WS) .pytest_cache .ruff_cache
