# The two commands a new user runs: `make demo` and `make test`.
# Both create .venv from this repository's own files; nothing else is assumed but Python 3, pip and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The suite runs on one BLAS thread per process (its worker processes share the cores).
TEST_ENV := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
# The main run is two passes: every test but the `serial` ones in TEST_JOBS pytest-xdist processes (one
# per core by default; each process starts the PostgreSQL servers its tests need), then the `serial`
# ones (they assert wall-clock time or need timely heartbeats) alone, so that no other test's load
# stretches what they time.
TEST_JOBS ?= auto
PARALLEL  := -n $(TEST_JOBS)
# The unit tests, as the floors run takes them: all but the fault/load/security suites, the tests
# that need PostgreSQL or Chromium (those test the services, not the floors) and the `serial` ones
# (they time regtune's own clock-keeping, which the parallel pass's tuning tests exercise on the same
# Optuna calls); all of those run in the main run.
UNIT_TESTS := tests --ignore=tests/reliability -m "not postgres and not browser and not serial"

.PHONY: demo test test-main optuna-latest test-floors lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/regtune demo

# `make test` is what CI runs: the whole suite on the newest Optuna 5.x, then the unit tests on the
# oldest declared releases of the core dependencies.
test: test-main
	$(MAKE) --no-print-directory test-floors

test-main: optuna-latest
	$(BIN)/ruff check src tests benchmarks
	$(TEST_ENV) $(BIN)/python -m pytest -q $(PARALLEL) -m "not serial"
	$(TEST_ENV) $(BIN)/python -m pytest -q -m serial

# The tuner reaches into Optuna's storage internals, so the suite runs on the newest Optuna 5.x,
# resolved afresh on every run (a .venv made last month keeps the Optuna of last month otherwise).
optuna-latest: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet --upgrade 'optuna>=5,<6'
	@echo "== the newest Optuna 5.x: $$($(BIN)/python -c 'import optuna; print(optuna.__version__)')"

# The floors in pyproject.toml stay true: .venv-floors holds exactly those releases of the core
# dependencies (.ci/floors.py pins them, then checks pip installed them; the rest resolve as usual).
FLOORS := .venv-floors
$(FLOORS)/.installed: pyproject.toml .ci/floors.py
	rm -rf $(FLOORS)
	$(PYTHON) -m venv $(FLOORS)
	$(FLOORS)/bin/python -m pip install --quiet --upgrade pip 'tomli>=2.0; python_version < "3.11"'
	$(FLOORS)/bin/python .ci/floors.py constraints > $(FLOORS)/constraints.txt
	$(FLOORS)/bin/python -m pip install --quiet --constraint $(FLOORS)/constraints.txt -e '.[test]'
	touch $@

test-floors: $(FLOORS)/.installed
	@echo "== the oldest declared releases of the core dependencies"
	$(FLOORS)/bin/python .ci/floors.py check
	$(TEST_ENV) $(FLOORS)/bin/python -m pytest -q $(PARALLEL) $(UNIT_TESTS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	@echo "see docs/benchmarks.md for each benchmark's command"

clean:
	rm -rf $(VENV) $(FLOORS) build dist src/*.egg-info .pytest_cache
