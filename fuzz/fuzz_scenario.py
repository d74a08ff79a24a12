"""Fuzz target ``scenario``: the scenario loader on arbitrary bytes, then a short run of what it accepts.

A ``ScenarioError`` (one line naming the file and the field) is the right answer to bad input; any other
exception is a failure.  What the loader accepts is built and run for its first microseconds, in the
mode the runner chose, so numbers the compiled core could not hold would fail here.
"""
import glob
import os

from acrn.errors import AcrnModelError
from acrn.host.run import Run
from acrn.scenarios import HERE as SCENARIO_DIR, parse_scenario_bytes

RUN_HORIZON_US = 5.0  # enough to build the host and take its first exits
SEEDS = tuple(open(p, "rb").read() for p in sorted(glob.glob(os.path.join(SCENARIO_DIR, "*.toml"))))


def scenario(data):
    try:
        sc = parse_scenario_bytes(data, "fuzz.toml")
    except AcrnModelError:
        return
    Run(sc, "nmi", horizon_us=RUN_HORIZON_US).execute()


TARGETS = {"scenario": scenario}
