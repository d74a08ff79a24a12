"""Shared helpers: small scenarios built in code, and runs that stop before executing."""
import os
import sys

import pytest

from acrn.host.run import Run
from acrn.scenarios import parse_scenario

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "core"))
from scenario_data import scenario_dict  # noqa: E402


@pytest.fixture
def make_run():
    def _make(design="nmi", data=None, **kw):
        return Run(parse_scenario(data or scenario_dict(), "<test>"), design, **kw)
    return _make
