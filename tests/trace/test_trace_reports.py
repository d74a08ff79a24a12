"""Exact report contents on small hand-built captures (expected values worked out by hand below).

Every capture here runs at tsc_khz=1000 (1 MHz): 1000 cycles = 1 ms, so rates are NR * 1000 per second.
"""
import csv
import difflib
import io
import json

import pytest
from click.testing import CliRunner

from acrn.trace import events as ev
from acrn.cli.trace import main

ROW = "%-28s\t%-12d\t%-12.2f\t%-24d\t%-16.2f"
HEAD = "%-28s\t%-12s\t%-12s\t%-24s\t%-16s" % ("Event", "NR_Exit", "NR_Exit/Sec", "Time Consumed(cycles)",
                                           "Time percentage")
ACRN_ROWS = ["VMEXIT_EXCEPTION_OR_NMI", "VMEXIT_EXTERNAL_INTERRUPT", "VMEXIT_INTERRUPT_WINDOW", "VMEXIT_CPUID",
             "VMEXIT_RDTSC", "VMEXIT_VMCALL", "VMEXIT_CR_ACCESS", "VMEXIT_IO_INSTRUCTION", "VMEXIT_RDMSR",
             "VMEXIT_WRMSR", "VMEXIT_EPT_VIOLATION", "VMEXIT_EPT_MISCONFIGURATION", "VMEXIT_RDTSCP",
             "VMEXIT_APICV_WRITE", "VMEXIT_APICV_ACCESS", "VMEXIT_APICV_VIRT_EOI"]

# One vCPU (vm0 vcpu1) on pCPU 0: four exits.
#   IO_INSTRUCTION 1000 -> 1100 (100), HLT 1300 -> 1500 (200, no TRACE_VMEXIT_* event),
#   EXTERNAL_INTERRUPT 1600 -> 1650 (50), CPUID 1900 -> 2000 (100).
#   Run time: first VM_EXIT 1000 to last VM_ENTER 2000 = 1000 cycles = 0.001 s.
#   Guest time: 1100->1300, 1500->1600, 1650->1900 = 200 + 100 + 250 = 550.
#   acrnalyze charges HLT's 200 cycles to the last TRACE_VMEXIT_* seen, IO_INSTRUCTION: 100 + 200 = 300.
FOUR_EXITS = [
    (1000, ev.VCPU_RUN, ev.pack_4i(0, 1)[0], 0),
    (1000, ev.TRACE_VM_EXIT, 30, 0x1000),
    (1010, ev.TRACE_VMEXIT_IO_INSTRUCTION, *ev.pack_4i(0x3F8, 0, 1, 0)),
    (1100, ev.TRACE_VM_ENTER, 0, 0),
    (1300, ev.TRACE_VM_EXIT, 12, 0x1004),
    (1500, ev.TRACE_VM_ENTER, 0, 0),
    (1600, ev.TRACE_VM_EXIT, 1, 0x1008),
    (1605, ev.TRACE_VMEXIT_EXTERNAL_INTERRUPT, 0xF0, 0),
    (1650, ev.TRACE_VM_ENTER, 0, 0),
    (1900, ev.TRACE_VM_EXIT, 10, 0x100C),
    (1901, ev.TRACE_VMEXIT_CPUID, 1, 0),
    (2000, ev.TRACE_VM_ENTER, 0, 0),
]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def acrnalyze_block(rows, total):
    """The lines vmexit_analyze.py prints for a 1000-cycle run at 1 MHz; rows: {label: (n, cycles)}."""
    lines = ["Total run time: 1000 cycles", "TSC Freq: 1 MHz", "Total run time: 0.001000 sec", HEAD]
    for label, (n, cycles) in rows:
        lines.append(ROW % (label, n, n * 1000.0, cycles, cycles / 10.0))
    lines.append(ROW % ("Total", total[0], total[0] * 1000.0, total[1], total[1] / 10.0))
    return lines


EXACT_ROWS = [(label, (0, 0)) for label in ACRN_ROWS]
EXACT_ROWS[1] = ("VMEXIT_EXTERNAL_INTERRUPT", (1, 50))
EXACT_ROWS[3] = ("VMEXIT_CPUID", (1, 100))
EXACT_ROWS[7] = ("VMEXIT_IO_INSTRUCTION", (1, 100))
EXACT_ROWS.append(("VMEXIT_HLT", (1, 200)))

COMPAT_ROWS = [(label, (0, 0)) for label in ACRN_ROWS + ["VMEXIT_UNHANDLED"]]
COMPAT_ROWS[1] = ("VMEXIT_EXTERNAL_INTERRUPT", (1, 50))
COMPAT_ROWS[3] = ("VMEXIT_CPUID", (1, 100))
COMPAT_ROWS[7] = ("VMEXIT_IO_INSTRUCTION", (1, 300))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_vm_exit_exact_report(make_capture, backend):
    cap = make_capture([FOUR_EXITS])
    r = run("analyze", cap, "--backend", backend)
    assert r.exit_code == 0, r.output
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[:4] == ["vm_exit report: %s" % cap,
                         "Attribution: exact: time charged to the exit reason in each TRACE_VM_EXIT payload",
                         "TSC frequency: 1 MHz (MODEL_TSC_FREQ record in the capture)", ""]
    block = acrnalyze_block(EXACT_ROWS, (4, 450))
    assert lines[4:4 + len(block)] == block
    rest = lines[4 + len(block):]
    assert rest[2].startswith("VM      \tvCPU  \tpCPU")
    assert rest[3] == "%-8s\t%-6s\t%-12s\t%-12d\t%-24d\t%-24d\t%.2f%%" % ("vm0", "1", "0", 4, 450, 550, 45.0)
    assert rest[7] == "%-8s\t%-12d\t%-24d\t%-24d\t%.2f%%" % ("vm0", 4, 450, 550, 45.0)


def test_vm_exit_acrnalyze_compat_report_and_line_diff(make_capture):
    cap = make_capture([FOUR_EXITS])
    exact = run("analyze", cap).stdout.splitlines()
    r = run("analyze", cap, "--acrnalyze-compat")
    assert r.exit_code == 0 and r.stderr == ""
    compat = r.stdout.splitlines()
    block = acrnalyze_block(COMPAT_ROWS, (4, 450))
    assert compat[4:4 + len(block)] == block
    # Diffing the two attributions shows exactly where acrnalyze's differs
    changed = [d for d in difflib.ndiff(exact, compat) if d[:1] in "+-"]
    assert changed == [
        "- Attribution: exact: time charged to the exit reason in each TRACE_VM_EXIT payload",
        "+ Attribution: acrnalyze-compat: time charged to the last TRACE_VMEXIT_* event seen "
        "(vmexit_analyze.py)",
        "- " + ROW % ("VMEXIT_IO_INSTRUCTION", 1, 1000.0, 100, 10.0),
        "+ " + ROW % ("VMEXIT_IO_INSTRUCTION", 1, 1000.0, 300, 30.0),
        "- " + ROW % ("VMEXIT_HLT", 1, 1000.0, 200, 20.0),
        "+ " + ROW % ("VMEXIT_UNHANDLED", 0, 0.0, 0, 0.0),
    ]


def test_vm_exit_csv_matches_acrnalyze_rows(make_capture, tmp_path):
    cap = make_capture([FOUR_EXITS])
    out = tmp_path / "report.csv"
    r = run("analyze", cap, "--csv", out, "--acrnalyze-compat")
    assert r.exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"Run time(cycles),Run time(Sec),Freq(MHz)\r\n1000,0.001,1\r\n")
    rows = list(csv.reader(io.StringIO(raw.decode())))
    assert rows[2] == ["Exit_Reason", "NR_Exit", "NR_Exit/Sec", "Time Consumed(cycles)", "Time Percentage"]
    assert rows[3] == ["VMEXIT_EXCEPTION_OR_NMI", "0", "0.00", "0", "0.00"]
    assert rows[4] == ["VMEXIT_EXTERNAL_INTERRUPT", "1", "1000.00", "50", "5.00"]
    assert rows[10] == ["VMEXIT_IO_INSTRUCTION", "1", "1000.00", "300", "30.00"]
    assert rows[19] == ["VMEXIT_UNHANDLED", "0", "0.00", "0", "0.00"]
    assert rows[20] == ["Total", "4", "4000.00", "450", "45.00"]


def test_vm_exit_json(make_capture):
    cap = make_capture([FOUR_EXITS])
    r = run("analyze", cap, "--json")
    data = json.loads(r.stdout)
    assert data["tsc_mhz"] == 1.0 and data["attribution"] == "exact"
    assert data["all"]["run_cycles"] == 1000
    assert data["all"]["total"] == {"event": "Total", "nr_exit": 4, "nr_exit_per_sec": 4000.0, "cycles": 450,
                                    "time_pct": 45.0}
    hlt = [row for row in data["all"]["rows"] if row["event"] == "VMEXIT_HLT"]
    assert hlt == [{"event": "VMEXIT_HLT", "nr_exit": 1, "nr_exit_per_sec": 1000.0, "cycles": 200, "time_pct": 20.0}]
    assert data["vcpus"] == [{"vm": "vm0", "vcpu": "1", "pcpus": [0], "nr_exit": 4, "exit_cycles": 450,
                              "guest_cycles": 550}]


def test_vm_exit_two_pcpus_per_file_blocks_and_sum(make_capture):
    # pCPU 1 runs vm2 (named by TRACE_SCHED_NEXT only): one WRMSR exit 5000 -> 5400, run time 400 cycles.
    name, _ = ev.sched_payload("idle", "vm2:")
    cpu1 = [(4900, ev.TRACE_SCHED_NEXT, name, 0), (5000, ev.TRACE_VM_EXIT, 32, 0),
            (5010, ev.TRACE_VMEXIT_WRMSR, 0x6E0, 1), (5400, ev.TRACE_VM_ENTER, 0, 0)]
    cap = make_capture([FOUR_EXITS, cpu1])
    lines = run("analyze", cap).stdout.splitlines()
    assert "== pCPU 0: %s (13 records) ==" % (cap / "0") in lines
    assert "== pCPU 1: %s (5 records) ==" % (cap / "1") in lines
    i = lines.index("== All pCPUs (run time: the sum of the per-pCPU run times) ==")
    assert lines[i + 1] == "Total run time: 1400 cycles"
    wrmsr = [line for line in lines[i:] if line.startswith("VMEXIT_WRMSR")][0]
    assert wrmsr == ROW % ("VMEXIT_WRMSR", 1, 1 / 0.0014, 400, 400 * 100 / 1400)
    assert lines[i + 22] == ROW % ("Total", 5, 5 / 0.0014, 850, 850 * 100 / 1400)
    vm2 = [line for line in lines if line.startswith("vm2     ")]
    assert vm2[0] == "%-8s\t%-6s\t%-12s\t%-12d\t%-24d\t%-24d\t%.2f%%" % ("vm2", "?", "1", 1, 400, 0, 100.0)


# irq: three external-interrupt exits on pCPU 0, vectors 0xF0, 0xEF, 0xF0; records from TSC 100 to 1100.
IRQ = [(100, ev.TRACE_VM_EXIT, 1, 0), (105, ev.TRACE_VMEXIT_EXTERNAL_INTERRUPT, 0xF0, 0), (150, ev.TRACE_VM_ENTER, 0, 0),
       (300, ev.TRACE_VM_EXIT, 1, 0), (305, ev.TRACE_VMEXIT_EXTERNAL_INTERRUPT, 0xEF, 0), (350, ev.TRACE_VM_ENTER, 0, 0),
       (500, ev.TRACE_VM_EXIT, 1, 0), (505, ev.TRACE_VMEXIT_EXTERNAL_INTERRUPT, 0xF0, 0), (1100, ev.TRACE_VM_ENTER, 0, 0)]


def test_irq_report(make_capture, tmp_path):
    cap = make_capture([IRQ])
    r = run("analyze", cap, "--report", "irq", "--csv", tmp_path / "irq.csv")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[4:] == ["Total run time: 1000 cycles", "TSC Freq: 1 MHz",
                         "Vector  \tCount   \tNR_Exit/Sec",
                         "0x000000ef\t1       \t1000.00 ",
                         "0x000000f0\t2       \t2000.00 ", ""]
    assert (tmp_path / "irq.csv").read_bytes().decode() == ("Vector,NR_Exit,NR_Exit/Sec\r\n0x000000ef,1,1000.00\r\n"
                                                  "0x000000f0,2,2000.00\r\n")
    # irq_analyze.py lists vectors in the order it first met them
    compat = run("analyze", cap, "--report", "irq", "--acrnalyze-compat").stdout.splitlines()
    assert compat[7:9] == ["0x000000f0\t2       \t2000.00 ", "0x000000ef\t1       \t1000.00 "]


# cpu_usage: SCHED_NEXT vm0->vm1 at 200, vm1->idle at 500, idle->vm0 at 600; records 100..1100.
#   vm0: 100->200 and 600->1100 = 600; vm1: 200->500 = 300; idle: 500->600 = 100.
def _sched(t, prev, nxt):
    return (t, ev.TRACE_SCHED_NEXT, ev.sched_payload(prev, nxt)[0], 0)


SCHED = [(100, ev.TRACE_VM_EXIT, 1, 0), _sched(200, "vm0:", "vm1:"), _sched(500, "vm1:", "idle"),
         _sched(600, "idle", "vm0:"), (1100, ev.TRACE_VM_ENTER, 0, 0)]


def test_cpu_usage_report_with_tsc_mhz(make_capture):
    cap = make_capture([SCHED], tsc_khz=None)
    r = run("analyze", cap, "--report", "cpu_usage")
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines()[-1] == (
        "Error: %s: no MODEL_TSC_FREQ record, so the TSC frequency is unknown: pass --tsc-mhz (ACRN's boot "
        "log prints it: calibrate_tsc, tsc_hz=...)" % cap)
    r = run("analyze", cap, "--report", "cpu_usage", "--tsc-mhz", "1")
    assert r.exit_code == 0, r.output
    row = "%-28d\t%-12d\t%-10.2f\t%-24d\t%-2.2f%%"
    expected = ["TSC frequency: 1 MHz (--tsc-mhz)", "", "Start trace 100 tsc cycle", "End trace 1100 tsc cycle",
                "Total run time: 1000 cpu cycles", "TSC Freq: 1 MHz", "Total run time: 0.00 sec",
                "Total trace items: 5", "Total scheduling trace: 3",
                "%-28s\t%-12s\t%-12s\t%-24s\t%-16s" % ("PCPU ID", "VM ID", "VM Running/sec", "VM Running(tsc cycles)",
                                                       "CPU Usage"),
                row % (0, 0, 0.0006, 600, 60.0), row % (0, 1, 0.0003, 300, 30.0)]
    expected += [row % (0, vm, 0.0, 0, 0.0) for vm in range(2, 16)]
    expected += ["%-28d\t%-12s\t%-10.2f\t%-24d\t%-2.2f%%" % (0, "Idle", 0.0001, 100, 10.0), ""]
    assert r.stdout.splitlines()[2:] == expected
    # acrnalyze counts one item more than there are records (it counts the read that hits the end)
    compat = run("analyze", cap, "--report", "cpu_usage", "--tsc-mhz", "1", "--acrnalyze-compat").stdout
    assert "Total trace items: 6" in compat.splitlines()


def test_cpu_usage_without_context_switch(make_capture):
    cap = make_capture([FOUR_EXITS])
    lines = run("analyze", cap, "--report", "cpu_usage").stdout.splitlines()
    assert lines[4:] == ["Start trace 1000 tsc cycle", "End trace 2000 tsc cycle",
                         "There is no context switch in HV scheduling during this period. This CPU may be exclusively "
                         "owned by one vm.", "The CPU usage is 100%", ""]


# latency: pCPU 0 exits 100->200 (EXTERNAL_INTERRUPT, 100 cycles) and kicks pCPU 1 by NMI at 150 and 420;
# pCPU 1 entered the guest at 50 and exits at 400 (EXCEPTION_OR_NMI, 400->450 = 50 cycles).
#   kick at 150: target in the guest, next exit 400 -> 250 cycles; kick at 420: target in root (exit at 400).
#   EPT_FLUSH made at 160 (pCPU 0), handled at 430 (pCPU 1) -> 270; made again at 440, never handled.
LAT0 = [(100, ev.TRACE_VM_EXIT, 1, 0), (150, ev.KICK_SENT, *ev.pack_4i(1, ev.KICK_NMI, 0)),
        (160, ev.REQUEST_MADE, *ev.pack_4i(0, 0, 5)), (200, ev.TRACE_VM_ENTER, 0, 0),
        (420, ev.KICK_SENT, *ev.pack_4i(1, ev.KICK_NMI, 0)), (440, ev.REQUEST_MADE, *ev.pack_4i(0, 0, 5))]
LAT1 = [(50, ev.TRACE_VM_ENTER, 0, 0), (400, ev.TRACE_VM_EXIT, 0, 0), (430, ev.REQUEST_HANDLED, *ev.pack_4i(0, 0, 5)),
        (450, ev.TRACE_VM_ENTER, 0, 0)]


def _stats_cells(v):
    return "\t".join("%-10s" % c for c in [v] * 6 + ["%.1f" % v])


def test_latency_report(make_capture):
    cap = make_capture([LAT0, LAT1])
    r = run("analyze", cap, "--report", "latency")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[1] == "TSC frequency: 1 MHz (MODEL_TSC_FREQ record in the capture); 1 us = 1 cycles"
    assert "%-28s\t%-10d\t%s\t%-10s\t%-10s" % ("VMEXIT_EXCEPTION_OR_NMI", 1, _stats_cells(50), "50.000",
                                               "50.000") in lines
    assert "%-28s\t%-10d\t%s\t%-10s\t%-10s" % ("VMEXIT_EXTERNAL_INTERRUPT", 1, _stats_cells(100), "100.000",
                                               "100.000") in lines
    all_exits = [line for line in lines if line.startswith("All exits")][0].split("\t")
    assert [c.strip() for c in all_exits] == ["All exits", "2", "50", "50", "100", "100", "100", "100", "75.0",
                                              "50.000", "100.000"]
    assert "%-8s\t%-8d\t%-8d\t%-8d\t%-8d\t%-8d\t%s\t%-10s\t%-10s" % ("NMI", 2, 1, 0, 1, 0, _stats_cells(250),
                                                                    "250.000", "250.000") in lines
    assert "%-28s\t%-8d\t%-8d\t%-8d\t%s\t%-10s\t%-10s" % ("ACRN_REQUEST_EPT_FLUSH", 2, 1, 1, _stats_cells(270),
                                                         "270.000", "270.000") in lines
    data = json.loads(run("analyze", cap, "--report", "latency", "--json").stdout)
    assert data["kicks"][0]["histogram"] == [[128, 1]]  # 250 is in [128, 256)
    assert data["requests"][0]["pending"] == 1


def test_compare_two_captures(make_capture):
    a = make_capture([FOUR_EXITS])
    # B: the same run with the HLT exit twice as long (1300 -> 1700, so everything after shifts by 200)
    b_rows = [(t if t < 1500 else t + 200, i, e, f) for t, i, e, f in FOUR_EXITS]
    b = make_capture([b_rows])
    r = run("analyze", a, "--compare", b)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[:3] == ["vm_exit, all pCPUs comparison", "A: %s" % a, "B: %s" % b]
    hlt = [line for line in lines if line.startswith("VMEXIT_HLT")][0].split("\t")
    # run time A 1000 cycles, B 1200; HLT 200 vs 400 cycles: 20% vs 33.33%
    assert [c.strip() for c in hlt] == ["VMEXIT_HLT", "1", "1", "1.00", "1000.00", "833.33", "0.83", "200", "400",
                                        "2.00", "20.00", "33.33", "1.67"]
