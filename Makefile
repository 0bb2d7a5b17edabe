# Two commands on a fresh clone: `make demo` and `make test` (both set up .venv first if needed).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install test test-slow lint demo clean

install:
	bash tools/install.sh

test: install
	$(PY) -m pytest -q tests

test-slow: install
	$(PY) -m pytest -q -m slow tests

lint: install
	$(PY) -m ruff check mmruas tools tests configs

demo: install
	$(PY) tools/demo.py --work-dir work_dirs/demo

clean:
	rm -rf work_dirs .pytest_cache
