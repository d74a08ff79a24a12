"""`make fuzz` runs every fuzz target (scenario, scenario-fields, cli and the five trace targets) and prints,
per target, the inputs tried and the failures."""
import os
import re
import subprocess
import sys

import pytest

from fuzz.__main__ import target_modules

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EVERY_TARGET = ["cli", "scenario", "scenario-fields", "trace-analyze-vm_exit", "trace-analyze-irq",
                "trace-analyze-cpu_usage", "trace-analyze-latency", "trace-timeline"]
LINE = re.compile(r"^(?P<target>\S+) +(?P<engine>atheris|hypothesis): (?P<inputs>\d+) inputs tried, \d+ reached the "
                  r"model, (?P<failures>\d+) failures \(")


def test_the_runner_knows_every_target():
    assert sorted(target_modules()) == sorted(EVERY_TARGET)


def test_make_fuzz_runs_every_target_at_100000_inputs():
    if not subprocess.run(["sh", "-c", "command -v make"], capture_output=True).stdout:
        pytest.skip("no make")
    plan = subprocess.run(["make", "-n", "-s", "-C", TOP, "fuzz", "STAMP=Makefile"], capture_output=True, text=True,
                          check=True).stdout
    runs = [line for line in plan.splitlines() if " -m fuzz" in line]
    assert len(runs) == 1 and runs[0].split(" -m fuzz", 1)[1].split() == ["--inputs", "100000"], plan


def test_the_runner_prints_inputs_and_failures_per_target_and_a_total():
    targets = ["scenario-fields", "trace-timeline"]
    proc = subprocess.run([sys.executable, "-m", "fuzz", *targets, "--inputs", "3", "--engine", "hypothesis"],
                          cwd=TOP, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    got = [LINE.match(line) for line in lines[:-1]]
    assert all(got) and [m["target"] for m in got] == targets, proc.stdout
    assert all(m["inputs"] == "3" and m["failures"] == "0" for m in got)
    assert lines[-1] == "2 targets, 6 inputs tried, 0 failures"
