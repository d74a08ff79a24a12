"""Property tests over the reader and every report: captures built from arbitrary bytes by the fuzz
targets of fuzz/fuzz_trace.py (which ``make fuzz`` runs for longer) never end in a traceback, an exit
status outside {0, 2}, invalid JSON or a half-written timeline.  Bounded: a few dozen inputs each."""
import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_PATH = Path(__file__).resolve().parents[2] / "fuzz" / "fuzz_trace.py"
_spec = importlib.util.spec_from_file_location("fuzz_trace", _PATH)
fuzz_trace = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz_trace)


@pytest.mark.parametrize("name", sorted(fuzz_trace.TARGETS))
def test_trace_fuzz_target_holds_on_seeds_and_random_bytes(name):
    target = fuzz_trace.TARGETS[name]
    for seed in fuzz_trace.SEEDS[:3]:
        target(seed)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.binary(min_size=0, max_size=600))
    def holds(data):
        target(data)

    holds()


def test_a_fuzz_failure_is_detected():
    # the checks are live: a command that crashes is reported as a failure
    class Crashed:
        exception = ZeroDivisionError("x")
        exit_code = 1
        output = ""

    with pytest.raises(AssertionError):
        fuzz_trace._check(Crashed(), "analyze")
    with pytest.raises(ValueError):
        fuzz_trace._strict_json('{"a": Infinity}')
