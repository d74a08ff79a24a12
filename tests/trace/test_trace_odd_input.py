"""Bad and odd captures: never a crash; what is skipped is said on stderr; exit 1 only when nothing
could be analysed.  Expected numbers are worked out by hand in each test (1 MHz: 1000 cycles = 1 ms)."""
import numpy as np
import pytest
from click.testing import CliRunner

from acrn.trace import events as ev
from acrn.trace import format as fmt
from acrn.cli.trace import main

X, E = ev.TRACE_VM_EXIT, ev.TRACE_VM_ENTER
ROW = "%-28s\t%-12d\t%-12.2f\t%-24d\t%-16.2f"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def row(lines, label):
    """The report row of ``label`` as (NR_Exit, NR_Exit/Sec, cycles, percentage) strings (first block)."""
    line = [x for x in lines if x.split("\t")[0].strip() == label][0]
    return [c.strip() for c in line.split("\t")[1:]]


def warnings(result):
    return [line for line in result.stderr.splitlines() if line.startswith("warning: ")]


def test_empty_file(make_capture, tmp_path):
    cap = make_capture([[]], tsc_khz=None)
    for report in ("vm_exit", "irq", "cpu_usage", "latency"):
        r = run("analyze", cap, "--report", report, "--tsc-mhz", "1", "--csv", tmp_path / "out.csv")
        assert r.exit_code == 2, (report, r.output)
        assert r.stdout == ""
        assert r.stderr.splitlines()[-1].startswith("Error: %s: nothing to analyse" % cap), r.stderr
        assert not (tmp_path / "out.csv").exists()  # no half-written output
    r = run("analyze", cap / "0", "--tsc-mhz", "1")
    assert r.exit_code == 2 and "nothing to analyse" in r.stderr


def test_empty_file_beside_a_good_one_is_skipped_with_a_warning(make_capture):
    cap = make_capture([[(100, X, 1, 0), (200, E, 0, 0)], []], tsc_khz=None)
    r = run("analyze", cap, "--tsc-mhz", "1")
    assert r.exit_code == 0
    assert warnings(r) == ["warning: pCPU 1 (%s): no TRACE_VM_EXIT records: skipped" % (cap / "1")]
    assert row(r.stdout.splitlines(), "VMEXIT_EXTERNAL_INTERRUPT") == ["1", "10000.00", "100", "100.00"]


def test_file_without_vm_exit(make_capture):
    rows = [(100, ev.VCPU_RUN, 0, 0), (200, ev.TRACE_TIMER_ACTION_ADDED, 5000, 0), (300, E, 0, 0)]
    cap = make_capture([rows])
    r = run("analyze", cap)
    assert r.exit_code == 2
    assert r.stderr.splitlines() == [
        "warning: pCPU 0 (%s): no TRACE_VM_EXIT records: skipped" % (cap / "0"),
        "Error: %s: nothing to analyse: no TRACE_VM_EXIT records" % cap]
    # the irq report still has a run time to show, and says there is nothing to count
    r = run("analyze", cap, "--report", "irq")
    assert r.exit_code == 0
    assert warnings(r) == ["warning: %s: no TRACE_VMEXIT_EXTERNAL_INTERRUPT records" % cap]
    assert r.stdout.splitlines()[4:] == ["Total run time: 200 cycles", "TSC Freq: 1 MHz",
                                         "Vector  \tCount   \tNR_Exit/Sec", ""]


def test_trailing_partial_record(make_capture):
    cap = make_capture([[(100, X, 30, 0), (110, ev.TRACE_VMEXIT_IO_INSTRUCTION, 0, 0), (300, E, 0, 0)]])
    intact = run("analyze", cap).stdout
    with open(cap / "0", "ab") as f:
        f.write(bytes(range(7)))
    r = run("analyze", cap)
    assert r.exit_code == 0
    assert r.stdout == intact
    assert warnings(r) == ["warning: %s: skipped a trailing partial record (7 of 32 bytes)" % (cap / "0")]


def test_first_exits_without_handler_event(make_capture):
    # HLT 100->200, PAUSE 300->350, NMI window 400->500: ACRN traces no TRACE_VMEXIT_* for them;
    # then IO_INSTRUCTION 600->700.  Run time 100..700 = 600 cycles.
    rows = [(100, X, 12, 0), (200, E, 0, 0), (300, X, 40, 0), (350, E, 0, 0), (400, X, 8, 0), (500, E, 0, 0),
            (600, X, 30, 0), (610, ev.TRACE_VMEXIT_IO_INSTRUCTION, 0, 0), (700, E, 0, 0)]
    cap = make_capture([rows])
    r = run("analyze", cap)
    assert r.exit_code == 0 and r.stderr == ""
    lines = r.stdout.splitlines()
    assert row(lines, "VMEXIT_HLT") == ["1", "%.2f" % (1 / 0.0006), "100", "%.2f" % (100 / 6)]
    assert row(lines, "VMEXIT_PAUSE") == ["1", "%.2f" % (1 / 0.0006), "50", "%.2f" % (50 / 6)]
    assert row(lines, "VMEXIT_NMI_WINDOW") == ["1", "%.2f" % (1 / 0.0006), "100", "%.2f" % (100 / 6)]
    assert row(lines, "VMEXIT_IO_INSTRUCTION")[2] == "100"
    # acrnalyze would stop with KeyError at the first VM_ENTER; compat reports and says what it left out
    r = run("analyze", cap, "--acrnalyze-compat")
    assert r.exit_code == 0
    assert warnings(r) == [
        "warning: pCPU 0 (%s): acrnalyze-compat: 3 VM_ENTER (250 cycles) come before any TRACE_VMEXIT_* event and "
        "are attributed to nothing (acrnalyze itself stops with a KeyError there)" % (cap / "0")]
    lines = r.stdout.splitlines()
    assert row(lines, "VMEXIT_IO_INSTRUCTION") == ["1", "%.2f" % (1 / 0.0006), "100", "%.2f" % (100 / 6)]
    assert row(lines, "Total") == ["4", "%.2f" % (4 / 0.0006), "100", "%.2f" % (100 / 6)]


def test_exits_without_vm_enter(make_capture):
    # IO exit at 100 loses its VM_ENTER; EXTERNAL_INTERRUPT 300->350; an exit at 400 is still open at the end.
    rows = [(100, X, 30, 0), (110, ev.TRACE_VMEXIT_IO_INSTRUCTION, 0, 0), (300, X, 1, 0),
            (305, ev.TRACE_VMEXIT_EXTERNAL_INTERRUPT, 0xF0, 0), (350, E, 0, 0), (400, X, 10, 0)]
    cap = make_capture([rows])
    r = run("analyze", cap)
    assert r.exit_code == 0
    assert warnings(r) == ["warning: pCPU 0 (%s): 1 VM exits have no VM_ENTER before the next VM_EXIT (records "
                           "dropped?): counted, not timed" % (cap / "0")]
    lines = r.stdout.splitlines()
    assert lines[4] == "Total run time: 250 cycles"
    assert row(lines, "VMEXIT_IO_INSTRUCTION") == ["1", "4000.00", "0", "0.00"]
    assert row(lines, "VMEXIT_EXTERNAL_INTERRUPT") == ["1", "4000.00", "50", "20.00"]
    assert row(lines, "VMEXIT_CPUID") == ["1", "4000.00", "0", "0.00"]  # open at the end: counted, not timed
    assert row(lines, "Total") == ["3", "12000.00", "50", "20.00"]


def test_only_an_unfinished_exit(make_capture):
    cap = make_capture([[(100, X, 30, 0)]])
    r = run("analyze", cap)
    assert r.exit_code == 0
    assert warnings(r) == ["warning: pCPU 0 (%s): no VM_ENTER after the first VM_EXIT, run time 0: rates and "
                           "percentages shown as 0" % (cap / "0")]
    assert row(r.stdout.splitlines(), "VMEXIT_IO_INSTRUCTION") == ["1", "0.00", "0", "0.00"]


def test_non_monotonic_tsc(make_capture):
    # 100->200 fine; the exit at 500 "ends" at 450; 600->700 fine.  Run time 100..700.
    rows = [(100, X, 30, 0), (200, E, 0, 0), (500, X, 30, 0), (450, E, 0, 0), (600, X, 30, 0), (700, E, 0, 0)]
    cap = make_capture([rows])
    r = run("analyze", cap)
    assert r.exit_code == 0
    assert warnings(r) == [
        "warning: pCPU 0 (%s): 1 records have a TSC below the previous record's (TSC went backwards)" % (cap / "0"),
        "warning: pCPU 0 (%s): 1 exits end before they start (TSC went backwards): counted, not timed" % (cap / "0")]
    assert row(r.stdout.splitlines(), "VMEXIT_IO_INSTRUCTION") == ["3", "5000.00", "200", "33.33"]


def test_unknown_ids(make_capture):
    rows = [(100, X, 1, 0), (150, 0x30000, 1, 2), (160, 0x10005, 0, 0), (170, 0x42, 0, 0), (200, E, 0, 0)]
    cap = make_capture([rows])
    r = run("analyze", cap)
    assert r.exit_code == 0
    assert warnings(r) == ["warning: pCPU 0 (%s): 3 records with unknown event ids skipped (first: 0x30000)"
                           % (cap / "0")]
    assert row(r.stdout.splitlines(), "VMEXIT_EXTERNAL_INTERRUPT") == ["1", "10000.00", "100", "100.00"]


def test_capture_starting_inside_an_exit(make_capture):
    # The first records are the tail of an IO exit (its handler event and VM_ENTER); then CPUID 300->400.
    rows = [(50, ev.TRACE_VMEXIT_IO_INSTRUCTION, 0, 0), (80, E, 0, 0), (300, X, 10, 0),
            (301, ev.TRACE_VMEXIT_CPUID, 0, 0), (400, E, 0, 0)]
    cap = make_capture([rows])
    for compat in ([], ["--acrnalyze-compat"]):
        r = run("analyze", cap, *compat)
        assert r.exit_code == 0
        assert warnings(r) == ["warning: pCPU 0 (%s): the capture starts inside an exit (1 TRACE_VMEXIT_* events "
                               "before the first VM_EXIT): that exit is not counted" % (cap / "0")]
        lines = r.stdout.splitlines()
        assert lines[4] == "Total run time: 100 cycles"
        assert row(lines, "VMEXIT_IO_INSTRUCTION") == ["0", "0.00", "0", "0.00"]
        assert row(lines, "VMEXIT_CPUID") == ["1", "10000.00", "100", "100.00"]


def test_dropped_records(make_capture):
    # IO 100->200; the VM_EXIT of the next exit is lost (a lone VM_ENTER at 300); EXTERNAL_INTERRUPT 400->450.
    rows = [(100, X, 30, 0), (110, ev.TRACE_VMEXIT_IO_INSTRUCTION, 0, 0), (200, E, 0, 0), (300, E, 0, 0),
            (400, X, 1, 0), (405, ev.TRACE_VMEXIT_EXTERNAL_INTERRUPT, 0xF0, 0), (450, E, 0, 0)]
    cap = make_capture([rows])
    r = run("analyze", cap)
    assert warnings(r) == ["warning: pCPU 0 (%s): 1 VM_ENTER follow no open exit (records dropped?): ignored"
                           % (cap / "0")]
    lines = r.stdout.splitlines()
    assert row(lines, "VMEXIT_IO_INSTRUCTION") == ["1", "2857.14", "100", "28.57"]
    # acrnalyze charges the lone VM_ENTER again from the last VM_EXIT: IO gets 100 + (300 - 100)
    r = run("analyze", cap, "--acrnalyze-compat")
    assert warnings(r) == ["warning: pCPU 0 (%s): 1 VM_ENTER follow no open exit (records dropped?): acrnalyze "
                           "counts the time since the last VM_EXIT again" % (cap / "0")]
    lines = r.stdout.splitlines()
    assert row(lines, "VMEXIT_IO_INSTRUCTION") == ["1", "2857.14", "300", "85.71"]
    assert row(lines, "VMEXIT_EXTERNAL_INTERRUPT") == ["1", "2857.14", "50", "14.29"]


def test_dropped_sched_records(make_capture):
    # vm0->vm1 at 200, then a record saying vm2->idle at 500: the switch away from vm1 was lost.
    def sched(t, a, b):
        return (t, ev.TRACE_SCHED_NEXT, ev.sched_payload(a, b)[0], 0)

    cap = make_capture([[(100, X, 1, 0), sched(200, "vm0:", "vm1:"), sched(500, "vm2:", "idle"), (1100, E, 0, 0)]])
    r = run("analyze", cap, "--report", "cpu_usage")
    assert r.exit_code == 0
    assert warnings(r) == ["warning: pCPU 0 (%s): 1 TRACE_SCHED_NEXT records do not follow on from the previous "
                           "one (records lost): 300 cycles ambiguous" % (cap / "0")]
    lines = r.stdout.splitlines()
    assert "Warning: ambiguous running time: 300 tsc cycle, occupying 30.00% cpu." in lines
    usage = {x.split("\t")[1].strip(): x.split("\t")[3].strip() for x in lines if x.startswith("0     ")}
    assert (usage["0"], usage["1"], usage["2"], usage["Idle"]) == ("100", "0", "0", "600")


def test_zero_tsc_records(make_capture):
    raw = np.array([(100, fmt.pack_id(X, 2, 0), 1, 0), (0, 0, 0, 0), (300, fmt.pack_id(E, 2, 0), 0, 0)],
                   fmt.RECORD_DTYPE)
    cap = make_capture([raw], tsc_khz=None)
    # a model clock starts at 0: TSC 0 is an ordinary time (the zero id is reported by vm_exit as unknown)
    r = run("analyze", cap, "--report", "cpu_usage", "--tsc-mhz", "1")
    assert r.exit_code == 0 and warnings(r) == [
        "warning: pCPU 0 (%s): 1 records have a TSC below the previous record's (TSC went backwards): cycles "
        "between them count as negative" % (cap / "0")]
    assert "End trace 300 tsc cycle" in r.stdout.splitlines()
    # acrnalyze stops reading at the first record with TSC 0: here that leaves a run time of 0
    r = run("analyze", cap, "--report", "cpu_usage", "--tsc-mhz", "1", "--acrnalyze-compat")
    assert warnings(r) == ["warning: pCPU 0 (%s): a record with TSC 0: stopped there, as acrnalyze does"
                           % (cap / "0"), "warning: pCPU 0 (%s): run time is 0: skipped" % (cap / "0")]
    assert r.exit_code == 2 and "nothing to analyse" in r.stderr


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_garbage_file_is_reported_not_crashed_on(tmp_path, backend):
    rng = np.random.default_rng(5)
    (tmp_path / "0").write_bytes(rng.integers(0, 256, 32 * 500 + 3, dtype=np.uint8).tobytes())
    r = run("analyze", tmp_path, "--tsc-mhz", "2000", "--backend", backend)
    assert r.exit_code in (0, 2)
    assert "Traceback" not in r.output
    assert "skipped a trailing partial record (3 of 32 bytes)" in r.stderr
    assert "unknown event ids" in r.stderr or "nothing to analyse" in r.stderr
