# Two commands on a fresh clone: `make demo` and `make test` (both set up .venv first if needed).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install test test-slow lint demo demo-enhance clean

install:
	bash tools/install.sh

test: install
	$(PY) -m pytest -q tests

test-slow: install
	$(PY) -m pytest -q -m slow tests

lint: install
	$(PY) -m ruff check mmruas tools tests configs

# detection main job on a mini ExDark set: search, stage 1, training, test (~8 min on 2 cores)
demo: install
	$(PY) tools/demo.py --work-dir work_dirs/demo

# low-light enhancement (RUAS_S) on synthetic low-light photographs
demo-enhance: install
	$(PY) tools/demo_enhance.py --work-dir work_dirs/demo_enhance

clean:
	rm -rf work_dirs .pytest_cache
