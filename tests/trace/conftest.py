"""Helpers for the acrn.trace tests: hand-built captures in tmp_path."""
import pytest

from acrn.trace import writer


@pytest.fixture
def make_capture(tmp_path):
    """make_capture(per_cpu_rows, tsc_khz=1000, name=...) -> capture folder path.

    ``per_cpu_rows[i]``: pCPU i's records as (tsc, event_id, e, f) tuples or a RECORD_DTYPE array;
    ``tsc_khz=None`` writes no MODEL_TSC_FREQ record (like a real capture)."""
    counter = [0]

    def make(per_cpu_rows, tsc_khz=1000, name=None):
        counter[0] += 1
        out = tmp_path / "acrntrace" / (name or "20240101-00000%d" % counter[0])
        return writer.write_capture(out, per_cpu_rows, tsc_khz)

    return make
