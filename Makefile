# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test migrate psql bench bench-queue fidelity chaos clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m engine prepare
	touch $(STAMP)

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

run: $(STAMP)
	$(PY) -m listener run

migrate: $(STAMP)
	$(PY) -m listener migrate

psql: $(STAMP)
	$(PY) -m listener psql

test: $(STAMP)
	$(PY) -m pytest

bench: $(BENCH_STAMP)
	$(PY) -m bench

bench-queue: $(BENCH_STAMP)
	$(PY) -m bench.queue

chaos: $(STAMP)
	$(PY) -m chaos

fidelity: $(STAMP)
	$(PY) -m bench.fidelity $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
