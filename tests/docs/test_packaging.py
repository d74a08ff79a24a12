"""Packaging: the licence, what the sdist carries, docstrings on the public API."""
import fnmatch
import os
import tomllib

import pytest

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
SKIP_DIRS = {"__pycache__", "build", ".pytest_cache", ".hypothesis", "api"}


def _manifest():
    rules = {}
    with open(os.path.join(ROOT, "MANIFEST.in"), encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if words and words[0] == "recursive-include":
                rules[words[1]] = words[2:]
    return rules


def test_license_is_bsd_3_clause_as_pyproject_says():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    assert project["license"] == "BSD-3-Clause"
    with open(os.path.join(ROOT, "LICENSE"), encoding="utf-8") as f:
        assert f.readline().strip() == "BSD 3-Clause License"


@pytest.mark.parametrize("top", ["tests", "docs", "examples", "benchmarks", "acrn"])
def test_the_sdist_carries_every_source_file(top):
    patterns = _manifest()[top]
    missing = []
    for folder, dirs, files in os.walk(os.path.join(ROOT, top)):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in files:
            if name.endswith((".so", ".c", ".pyc")) or name.startswith("."):
                continue  # build products
            if not any(fnmatch.fnmatch(name, p) for p in patterns):
                missing.append(os.path.relpath(os.path.join(folder, name), ROOT))
    assert not missing, "MANIFEST.in leaves out: %s" % missing


def test_the_schemas_are_package_data():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        data = tomllib.load(f)["tool"]["setuptools"]["package-data"]["*"]
    assert "*.json" in data


def _public_api():
    from acrn.engine.result import RunResult
    from acrn.explore import Counterexample, Coverage, Explorer, ExploreResult
    from acrn.host.run import run_scenario
    from acrn.scenarios import load_scenario, parse_scenario
    from acrn.schemas import schema, validate

    return [Explorer, Explorer.explore, ExploreResult, ExploreResult.to_dict, Counterexample, Coverage,
            load_scenario, parse_scenario, run_scenario, RunResult, RunResult.to_dict, RunResult.ok, schema,
            validate]


@pytest.mark.parametrize("obj", _public_api(), ids=lambda o: o.__qualname__)
def test_the_public_api_has_docstrings(obj):
    assert obj.__doc__ and len(obj.__doc__.split()) >= 8, obj
