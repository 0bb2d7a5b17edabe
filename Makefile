# Two commands on a fresh clone: `make demo` and `make test` (both set up .venv first if needed).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install test test-unit test-integration test-slow test-cuda lint demo demo-enhance clean

install:
	bash tools/install.sh

# the suite on TEST_WORKERS processes, each taking whole test files (module fixtures built
# once; TEST_WORKERS=0 runs it in this one process), then the 2-rank launches alone on the
# cores: under a busy CPU the gloo ranks' teardown can abort
TEST_WORKERS ?= 2
test: install
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m 'not slow and not distributed' tests
	$(PY) -m pytest -q -m 'distributed and not slow' tests

# the two kinds alone: tests/unit (one module or class at a time, mirroring mmruas/) and
# tests/integration (mmengine Runner runs of the configs, the tools as commands, launches)
test-unit: install
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m 'not slow and not distributed' tests/unit

test-integration: install
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m 'not slow and not distributed' tests/integration
	$(PY) -m pytest -q -m 'distributed and not slow' tests/integration

test-slow: install
	$(PY) -m pytest -q -m slow tests

# the tests marked `cuda` (released-weight parity, the second-order search step, a few
# iterations of each main config with and without AMP, with their times; tools/test.py on
# CPU vs GPU, host syncs of the train steps, the demo's smoke run), then the cost table
# (tools/analysis_tools/benchmark_cost.py) on a machine with a GPU; without one it says so
# and exits 0. `make test-cuda PY=python3` uses an interpreter that already holds the stack
# instead of .venv.
test-cuda: $(if $(filter $(VENV)/bin/python,$(PY)),install)
	@if $(PY) -c "import sys, torch; sys.exit(not torch.cuda.is_available())"; then \
	  $(PY) -m pytest -q -s -m cuda tests && \
	  $(PY) tools/analysis_tools/benchmark_cost.py --device cuda --warmup 2 --iters 5; \
	else echo "test-cuda: no CUDA device on this machine, nothing to run"; fi

lint: install
	$(PY) -m ruff check mmruas tools tests configs

# detection main job on a mini ExDark set: search, stage 1, training, test, and the same
# detector without the scene module (~11.5 min on 2 cores)
demo: install
	$(PY) tools/demo.py --work-dir work_dirs/demo

# low-light enhancement (RUAS_S) on synthetic low-light photographs
demo-enhance: install
	$(PY) tools/demo_enhance.py --work-dir work_dirs/demo_enhance

clean:
	rm -rf work_dirs .pytest_cache
