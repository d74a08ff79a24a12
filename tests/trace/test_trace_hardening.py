"""Odd captures and options found by issue 14's campaign: each is refused with one line (bad-input status)
or handled with an explicit warning, never a traceback, a silent wrong number or a half-written file."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from acrn.cli.common import EXIT_INPUT
from acrn.trace import events as ev
from acrn.trace import format as fmt
from acrn.trace import reader, writer

from test_trace_cli import SIMPLE, TARGET, error_line, run

X, E = ev.TRACE_VM_EXIT, ev.TRACE_VM_ENTER
REPORTS = ("vm_exit", "irq", "cpu_usage", "latency")
SCHED = ev.sched_payload("idle", "vm0:")[0]
ROWS = [(100, ev.TRACE_SCHED_NEXT, SCHED, 0), (100, X, 1, 0), (110, ev.TRACE_VMEXIT_EXTERNAL_INTERRUPT, 0xEF, 0),
        (200, E, 0, 0), (300, X, 30, 0), (400, E, 0, 0)]


def warnings(result):
    return [line for line in result.stderr.splitlines() if line.startswith("warning:")]


def raw_capture(tmp_path, rows_by_cpu, name="20240101-000000"):
    """A capture of raw (tsc, id word, e, f) rows, as unsigned 64-bit words (any value)."""
    out = tmp_path / "acrntrace" / name
    arrays = [np.array([tuple(v & 0xFFFFFFFFFFFFFFFF for v in r) for r in rows], fmt.RECORD_DTYPE)
              for rows in rows_by_cpu]
    return writer.write_capture(out, arrays, None)


def packed(rows, cpu=0):
    return [(tsc, fmt.pack_id(eid, ev.BY_ID[eid].n_data if eid in ev.BY_ID else 2, cpu), e, f)
            for tsc, eid, e, f in rows]


@pytest.mark.parametrize("khz", [0, (1 << 64) - 1])
def test_unusable_model_tsc_freq_is_refused_or_overridden(tmp_path, khz):
    cap = raw_capture(tmp_path, [packed([(100, ev.MODEL_TSC_FREQ, khz, 0)] + ROWS)])
    for report in REPORTS:
        r = run("analyze", cap, "--report", report)
        assert r.exit_code == EXIT_INPUT and "outside 1..100000000 kHz: pass --tsc-mhz" in error_line(r), r.output
        r = run("analyze", cap, "--report", report, "--tsc-mhz", "2000", "--json")
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["tsc_mhz"] == 2000.0
        assert any("MODEL_TSC_FREQ record says %d kHz" % khz in w for w in warnings(r))
    r = run("timeline", cap, "-o", tmp_path / "t.json")
    assert r.exit_code == EXIT_INPUT and not (tmp_path / "t.json").exists()


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e308", "1e-320", "0", "-5"])
def test_tsc_mhz_out_of_range_is_a_usage_error(make_capture, tmp_path, value):
    cap = make_capture([SIMPLE], tsc_khz=None)
    for args in (("analyze", cap, "--json"), ("timeline", cap, "-o", tmp_path / "t.json")):
        r = run(*args, "--tsc-mhz", value)
        assert r.exit_code == EXIT_INPUT and "--tsc-mhz" in r.stderr and "Traceback" not in r.output
        assert r.stdout == "" and not (tmp_path / "t.json").exists()


def test_negative_or_zero_max_events_is_refused(make_capture, tmp_path):
    cap = make_capture([SIMPLE])
    for value in ("-1", "0"):
        r = run("timeline", cap, "-o", tmp_path / "t.json", "--max-events", value)
        assert r.exit_code == EXIT_INPUT and "--max-events" in r.stderr and not (tmp_path / "t.json").exists()


def test_timeline_without_records_leaves_no_file(make_capture, tmp_path):
    cap = make_capture([[]], tsc_khz=None)
    r = run("timeline", cap, "-o", tmp_path / "t.json", "--tsc-mhz", "1000")
    assert r.exit_code == EXIT_INPUT and "nothing to put on a timeline" in error_line(r)
    assert not (tmp_path / "t.json").exists()


def test_outputs_never_overwrite_the_input(make_capture, tmp_path):
    cap = make_capture([SIMPLE, TARGET])
    before = (cap / "0").read_bytes()
    for args in (("analyze", cap, "--csv", cap / "0"), ("analyze", cap / "0", "--csv", cap / "0"),
                 ("analyze", cap, "--plot", cap / "p.png"), ("timeline", cap, "-o", cap / "1")):
        r = run(*args)
        assert r.exit_code == EXIT_INPUT and "would overwrite the input" in error_line(r), r.output
    assert (cap / "0").read_bytes() == before and sorted(os.listdir(cap)) == ["0", "1"]


def test_two_files_naming_one_pcpu_are_refused(make_capture):
    cap = make_capture([SIMPLE, TARGET])
    os.link(cap / "1", cap / "00")
    for args in (("analyze", cap), ("timeline", cap, "-o", cap.parent / "t.json")):
        r = run(*args)
        assert r.exit_code == EXIT_INPUT and "files 0 and 00 both name pCPU 0" in error_line(r)


def test_hidden_and_temporary_folders_are_never_captures(make_capture, tmp_path):
    cap = make_capture([SIMPLE])
    root = cap.parent
    # what a killed writer leaves: a hidden temporary folder with pCPU files in it
    stale = root / (".20240101-000009.%d.abc.tmp" % 999999999)
    stale.mkdir()
    (stale / "0").write_bytes((cap / "0").read_bytes())
    r = run("analyze", root)
    assert r.exit_code == 0 and r.stdout.splitlines()[0] == "vm_exit report: %s" % cap
    (root / cap.name).rename(root / ".hidden")
    r = run("analyze", root)
    assert r.exit_code == EXIT_INPUT and "not an acrntrace capture" in error_line(r)


def test_a_writer_removes_temporary_folders_of_dead_processes(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / (".20240101-000000.%d.xyz.tmp" % dead.pid)
    alive = tmp_path / (".20240101-000001.%d.xyz.tmp" % os.getpid())
    for d in (stale, alive):
        d.mkdir()
        (d / "0").write_bytes(b"\0" * 32)
    w = writer.TraceWriter(tmp_path / "20240101-000002", 1, 1000)
    w.emit(5, 0, X, 1, 0)
    w.close()
    assert not stale.exists() and alive.exists()
    assert sorted(os.listdir(tmp_path)) == sorted([alive.name, "20240101-000002"])


def test_symlink_loop_and_unlistable_folders_are_warnings(make_capture, monkeypatch):
    cap = make_capture([SIMPLE])
    os.symlink("loop", cap / "loop")
    r = run("analyze", cap)
    assert r.exit_code == 0
    assert any("loop" in w for w in warnings(r))
    root = cap.parent
    bad = root / "20240101-000099"
    bad.mkdir()
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == os.fspath(bad):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(reader.os, "scandir", scandir)
    r = run("analyze", root)
    assert r.exit_code == 0, r.output
    assert "warning: %s: cannot list: Permission denied" % bad in warnings(r)


def test_tsc_going_backwards_is_said_in_every_report(make_capture):
    rows = [(100, ev.TRACE_SCHED_NEXT, SCHED, 0), (500, X, 1, 0), (510, ev.TRACE_VMEXIT_EXTERNAL_INTERRUPT, 0xEF, 0),
            (520, E, 0, 0), (50, X, 30, 0), (600, E, 0, 0)]
    cap = make_capture([rows], tsc_khz=1000)
    for report in ("vm_exit", "irq", "cpu_usage"):
        r = run("analyze", cap, "--report", report)
        assert r.exit_code == 0, r.output
        assert any("TSC went backwards" in w for w in warnings(r)), (report, r.stderr)


def test_sums_beyond_int64_saturate_with_a_warning(tmp_path):
    big = 1 << 62  # the TSC falls back twice: three exits of 2**62 cycles, more than 2**63 - 1 in all
    rows = [(0, X, 30, 0), (big, E, 0, 0), (0, X, 30, 0), (big, E, 0, 0), (0, X, 30, 0), (big, E, 0, 0)]
    cap = raw_capture(tmp_path, [packed(rows)])
    for backend in ("numpy", "numba", "compiled"):
        r = run("analyze", cap, "--tsc-mhz", "1000", "--json", "--backend", backend)
        assert r.exit_code == 0, r.output
        data = json.loads(r.stdout)
        io_row = [row for row in data["all"]["rows"] if row["event"] == "VMEXIT_IO_INSTRUCTION"][0]
        assert io_row["cycles"] == (1 << 63) - 1, backend  # kept at the limit, not wrapped negative
        assert any("cycle sums would overflow int64" in w for w in warnings(r)), r.stderr


@pytest.mark.parametrize("handler", [True, False])
def test_acrnalyze_compat_sums_beyond_int64_saturate_with_a_warning(tmp_path, handler):
    """--acrnalyze-compat's sums (per TRACE_VMEXIT_* event, and the VM_ENTERs before any such event) are
    kept at the int64 limit and counted as the exact sums are, in every backend (they used to wrap)."""
    big = 1 << 62
    exit_ = [(0, X, 30, 0)] + ([(1, ev.TRACE_VMEXIT_IO_INSTRUCTION, 0, 0)] if handler else [])
    rows = (exit_ + [(big, E, 0, 0)]) * 3  # three exits of about 2**62 cycles each
    cap = raw_capture(tmp_path, [packed(rows)])
    limit = (1 << 63) - 1
    for backend in ("numpy", "numba", "compiled"):
        r = run("analyze", cap, "--tsc-mhz", "1000", "--json", "--acrnalyze-compat", "--backend", backend)
        assert r.exit_code == 0, r.output
        data = json.loads(r.stdout)
        assert any("cycle sums would overflow int64" in w for w in warnings(r)), (backend, r.stderr)
        if handler:
            io_row = [row for row in data["all"]["rows"] if row["event"] == "VMEXIT_IO_INSTRUCTION"][0]
            assert io_row["cycles"] == limit, backend  # kept at the limit, not wrapped negative
        else:
            assert any("3 VM_ENTER (%d cycles)" % limit in w for w in warnings(r)), (backend, r.stderr)


def test_tsc_at_or_above_2_63_is_flagged(tmp_path):
    rows = [(100, X, 30, 0), (200, E, 0, 0), ((1 << 63) + 5, X, 30, 0), ((1 << 63) + 9, E, 0, 0)]
    cap = raw_capture(tmp_path, [packed(rows)])
    for report in ("vm_exit", "cpu_usage", "latency"):
        r = run("analyze", cap, "--tsc-mhz", "1000", "--report", report)
        assert any("TSC of 2^63 or more" in w for w in warnings(r)), (report, r.output)


def test_requests_of_vms_whose_ids_share_20_bits_are_not_matched(make_capture):
    vm_a, vm_b = 1, 1 + (1 << 20)
    rows = [(100, X, 18, 0), (110, ev.REQUEST_MADE, *ev.pack_4i(vm_a, 0, 3)),
            (120, ev.REQUEST_HANDLED, *ev.pack_4i(vm_b, 0, 3)), (200, E, 0, 0)]
    r = run("analyze", make_capture([rows]), "--report", "latency", "--json")
    assert r.exit_code == 0, r.output
    req = json.loads(r.stdout)["requests"]
    assert [(q["made"], q["count"], q["pending"]) for q in req] == [(1, 0, 1)]


def test_a_file_that_shrinks_while_read_is_one_line(make_capture, tmp_path, monkeypatch):
    cap = make_capture([SIMPLE, TARGET])
    real = reader.read_capture

    def read_then_truncate(path):
        out = real(path)
        os.truncate(cap / "1", 32)
        return out

    monkeypatch.setattr(reader, "read_capture", read_then_truncate)
    for args in (("analyze", cap, "--report", "vm_exit"), ("analyze", cap, "--report", "irq"),
                 ("timeline", cap, "-o", tmp_path / "t.json")):
        (cap / "1").write_bytes(b"\0" * 32 * len(TARGET))
        r = run(*args)
        line = error_line(r)
        assert r.exit_code == EXIT_INPUT and str(cap / "1") in line, r.output
        assert "the file shrank while being read" in line or "cannot read" in line, line
    assert not (tmp_path / "t.json").exists()
