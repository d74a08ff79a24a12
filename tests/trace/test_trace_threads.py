"""One thread per pCPU file gives the reports of one thread: the same text, CSV and JSON, for every
per-record report, exact and --acrnalyze-compat, on every backend."""
import threading

import numpy as np
import pytest
from click.testing import CliRunner

import acrn
from acrn.cli.trace import main
from acrn.trace import analysis, reference, synth
from acrn.trace import events as ev

BACKENDS = ["numpy", "numba"] + (["compiled"] if acrn.compiled() else [])


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    """4 pCPU files with context switches, exits and odd records (a lone TRACE_VM_ENTER, an unknown id,
    a TSC going backwards) in each."""
    from acrn.trace import writer

    per_cpu = synth.synth_capture(40_000, n_cpus=4, seed=5, extra_rate=0.05)
    for cpu, recs in enumerate(per_cpu):
        at = 1000 + 500 * cpu
        recs["id"][at] = (recs["id"][at] & ~np.uint64(0xFFFFFFFFFFFF)) | np.uint64(ev.TRACE_VM_ENTER)
        recs["id"][at + 7] = (recs["id"][at + 7] & ~np.uint64(0xFFFFFFFFFFFF)) | np.uint64(0x10005)
        recs["tsc"][at + 20] -= np.uint64(5000)
        sched = recs["id"][at + 40::997]  # every ~1000th record a TRACE_SCHED_NEXT vm<cpu> <-> idle
        recs["id"][at + 40::997] = (sched & ~np.uint64(0xFFFFFFFFFFFF)) | np.uint64(ev.TRACE_SCHED_NEXT)
        names = [int.from_bytes(b"vm%d:" % (cpu % 2) + b"idle", "little"),
                 int.from_bytes(b"idle" + b"vm%d:" % (cpu % 2), "little")]
        recs["e"][at + 40::997] = np.array(names * len(sched), np.uint64)[:len(sched)]
    return writer.write_capture(tmp_path_factory.mktemp("threads") / "acrntrace" / "20240101-000000", per_cpu,
                                tsc_khz=2_100_000)


def analyze(monkeypatch, cap, threads: bool, *args):
    """stdout + CSV + JSON of ``analyze`` with threads on (files scanned on 4 threads, whatever the
    machine or the capture size) or off, and the threads the scans ran on."""
    seen = set()
    second = threading.Event()  # threads on: a scan waits (up to 5 s) until a second thread scans too
    if not threads:
        second.set()
    out = []
    with monkeypatch.context() as mp:
        for name in ("vm_exit_scan_chunk", "irq_scan", "sched_scan_chunks", "sched_scan_file"):
            for owner in (analysis.Loops, reference):
                if hasattr(owner, name):
                    mp.setattr(owner, name, _recording(getattr(owner, name), seen, second))
        mp.setattr(analysis, "THREADS_MIN_RECORDS", 0 if threads else 1 << 62)
        mp.setattr(analysis.os, "cpu_count", lambda: 4)
        for extra in ([], ["--json"]):
            res = CliRunner().invoke(main, ["analyze", str(cap), *args, *extra])
            assert res.exit_code == 0, res.output
            out.append(res.output)
    return out, seen


def _recording(func, seen, second):
    """``func``, noting the thread of each call.  Until a second thread has called, a call waits for it: a
    scan may end before the next file's is submitted, and a thread pool then hands that file to the idle
    thread, so the test would see one thread although the threaded path ran (a single-thread path fails
    the test after the wait)."""
    def wrapper(*args, **kwargs):
        if threading.current_thread().name != "numba-warmup":  # (its empty scan loads the kernels)
            seen.add(threading.get_ident())
            if len(seen) > 1:
                second.set()
            second.wait(5.0)
        return func(*args, **kwargs)
    return wrapper


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("report", ["vm_exit", "irq", "cpu_usage"])
@pytest.mark.parametrize("compat", [False, True])
def test_threads_give_the_single_thread_report(monkeypatch, capture, tmp_path, backend, report, compat):
    args = ["--report", report, "--backend", backend] + (["--acrnalyze-compat"] if compat else [])
    one, threads_one = analyze(monkeypatch, capture, False, *args, "--csv", tmp_path / "one.csv")
    many, threads_many = analyze(monkeypatch, capture, True, *args, "--csv", tmp_path / "many.csv")
    assert len(threads_one) == 1 and len(threads_many) > 1  # the two paths did run
    assert many == one
    assert (tmp_path / "many.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
