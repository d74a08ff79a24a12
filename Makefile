# acrn-model: `make demo` runs the main job, `make test` the whole suite (compiled, then interpreted).
# Each target creates .venv on first use and (re)installs the package when a source file changed.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.acrn-model-installed
SOURCES := $(shell find acrn examples -name '*.py' -o -name '*.pxd' -o -name '*.toml' 2>/dev/null) pyproject.toml setup.py setup.cfg
PYTEST_ARGS ?=
EXAMPLE := examples/acrn-model-sched-prio
PYTEST_PATHS ?= tests $(EXAMPLE)/tests

.PHONY: demo test test-compiled test-pure bench fuzz install clean readme docs

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel

$(STAMP): $(PY) $(SOURCES)
	$(PY) -m pip install -q -e ".[test,bench]"
	$(PY) -m pip install -q --no-build-isolation ./$(EXAMPLE)
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/acrn-model demo --out out/demo

test: test-compiled test-pure

test-compiled: $(STAMP)
	ACRN_MODEL_EXPECT=compiled $(PY) -m pytest -n 2 --dist loadgroup -q $(PYTEST_PATHS) $(PYTEST_ARGS)

test-pure: $(STAMP)
	ACRN_MODEL_PURE=1 ACRN_MODEL_EXPECT=pure $(PY) -m pytest -n 2 --dist loadgroup -q $(PYTEST_PATHS) $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m benchmarks

# fuzz campaigns: every target of fuzz/fuzz_*.py, FUZZ_INPUTS inputs each (atheris when it installs)
FUZZ_INPUTS ?= 100000
FUZZ_TARGETS ?=
fuzz: $(STAMP)
	-$(PY) -m pip install -q "atheris>=2.3"  # the [fuzz] extra; optional: hypothesis otherwise
	$(PY) -m fuzz $(FUZZ_TARGETS) --inputs $(FUZZ_INPUTS)

clean:
	rm -rf build $(VENV) *.egg-info $(EXAMPLE)/build $(EXAMPLE)/src/*.egg-info
	find acrn -name '*.so' -delete -o -name '*.c' -delete

# README figures (design table, demo table, latency claims, explorer output) from real runs; `make test` checks them
readme: $(STAMP)
	$(PY) docs/gen_readme.py

# API reference from the public docstrings: docs/api/index.html (pdoc: the `docs` extra's requirements,
# installed without reinstalling the package)
API_MODULES := acrn.explore acrn.host.run acrn.scenarios acrn.engine.result acrn.schemas acrn.testing
docs: $(STAMP)
	$(PY) -m pip install -q $$($(PY) -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["docs"]))')
	$(PY) -m pdoc -o docs/api --no-show-source $(API_MODULES)
