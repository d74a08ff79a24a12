"""The analyze / timeline commands: errors, outputs, timeline contents, plots."""
import io
import json
import os

import click
import pytest
from click.testing import CliRunner

from acrn.trace import events as ev
from acrn.trace import synth
from acrn.cli.trace import analyze, main, timeline
from acrn.trace.progress import DelayedProgress

X, E = ev.TRACE_VM_EXIT, ev.TRACE_VM_ENTER
SIMPLE = [(1000, ev.VCPU_RUN, ev.pack_4i(0, 1)[0], 0), (1000, X, 30, 0x1000),
          (1010, ev.TRACE_VMEXIT_IO_INSTRUCTION, 0, 0), (1100, E, 0, 0),
          (1150, ev.KICK_SENT, *ev.pack_4i(1, ev.KICK_NMI, 0)),
          (1160, ev.REQUEST_MADE, *ev.pack_4i(0, 1, 5)), (1300, X, 1, 0x1004),
          (1305, ev.TRACE_VMEXIT_EXTERNAL_INTERRUPT, 0xF0, 0), (1400, E, 0, 0)]
TARGET = [(900, E, 0, 0), (1200, X, 0, 0x2000), (1210, ev.REQUEST_HANDLED, *ev.pack_4i(0, 1, 5)), (1250, E, 0, 0)]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def error_line(result):
    lines = result.stderr.strip().splitlines()
    assert len([x for x in lines if x.startswith("Error:")]) == 1, result.stderr
    return lines[-1]


def test_both_trace_commands_are_in_the_main_group():
    from acrn.cli import main as acrn_model

    assert acrn_model.commands["analyze"] is analyze and acrn_model.commands["timeline"] is timeline
    assert main.commands == {"analyze": analyze, "timeline": timeline}


def test_import_is_light():
    import subprocess
    import sys

    code = ("import sys, acrn.trace, acrn.cli.trace, acrn.trace.events; "
            "print(sorted(m for m in ('numpy', 'numba', 'matplotlib', 'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(not __import__("acrn").compiled(), reason="the numpy-free path is the compiled scans")
def test_the_acrnalyze_reports_run_without_numpy_or_the_other_commands(make_capture):
    """vm_exit, irq and cpu_usage of a capture, as one `acrn-model analyze` process: no numpy (its import
    would be most of a short run), none of the other commands' modules, no plugin machinery."""
    import subprocess
    import sys

    cap = make_capture([SIMPLE, TARGET])
    code = ("import sys\nfrom acrn.cli import main\n"
            "try:\n    main(['analyze', sys.argv[1], '--report', sys.argv[2], '--json'])\n"
            "except SystemExit as e:\n    rc = e.code\n"
            "heavy = ('numpy', 'numba', 'importlib.metadata', 'acrn.cli.run', 'acrn.cli.explore', 'acrn.scenarios')\n"
            "print(rc, sorted(m for m in heavy if m in sys.modules), file=sys.stderr)")
    for report in ("vm_exit", "irq", "cpu_usage"):
        out = subprocess.run([sys.executable, "-c", code, str(cap), report], capture_output=True, text=True,
                             env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
        assert out.stderr.strip().splitlines()[-1] == "0 []", (report, out.stderr)
        assert json.loads(out.stdout)["report"] == report


def test_bad_path(tmp_path):
    r = run("analyze", tmp_path / "nope")
    assert r.exit_code == 2 and r.stdout == ""
    assert error_line(r) == "Error: %s: no such file or folder" % (tmp_path / "nope")


def test_not_a_capture(tmp_path):
    (tmp_path / "README").write_text("hello")
    r = run("analyze", tmp_path)
    assert r.exit_code == 2
    assert error_line(r) == "Error: %s: not an acrntrace capture (no per-pCPU files named 0, 1, ...)" % tmp_path
    r = run("timeline", tmp_path, "-o", tmp_path / "t.json")
    assert r.exit_code == 2 and not (tmp_path / "t.json").exists()


def test_unwritable_outputs_fail_before_any_work(make_capture, tmp_path):
    cap = make_capture([SIMPLE])
    r = run("analyze", cap, "--csv", tmp_path / "missing" / "out.csv")
    assert r.exit_code == 2
    assert error_line(r) == "Error: %s: cannot write the CSV: folder %s does not exist" % (
        tmp_path / "missing" / "out.csv", tmp_path / "missing")
    r = run("analyze", cap, "--plot", tmp_path)
    assert error_line(r) == "Error: %s: is a folder, cannot write the plot there" % tmp_path
    r = run("analyze", cap, "--plot", tmp_path / "plot.gif")
    assert error_line(r) == "Error: %s: the plot file must end in .png, .svg, .pdf" % (tmp_path / "plot.gif")
    r = run("timeline", cap, "-o", tmp_path / "missing" / "t.json")
    assert r.exit_code == 2 and "cannot write the timeline" in error_line(r)
    assert sorted(os.listdir(tmp_path)) == ["acrntrace"]


def test_csv_and_json_outputs(make_capture, tmp_path):
    cap = make_capture([SIMPLE, TARGET])
    out = tmp_path / "r.csv"
    r = run("analyze", cap, "--json", "--csv", out)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["report"] == "vm_exit" and [b["pcpu"] for b in data["pcpus"]] == [0, 1]
    assert out.read_bytes().startswith(b"pCPU,0\r\nRun time(cycles),Run time(Sec),Freq(MHz)\r\n")
    assert sorted(os.listdir(tmp_path)) == ["acrntrace", "r.csv"]  # no temporary file left


@pytest.mark.parametrize("report", ["vm_exit", "irq", "cpu_usage", "latency"])
def test_plots(make_capture, tmp_path, report):
    a = make_capture([SIMPLE, TARGET])
    b = make_capture(synth.synth_capture(3000, n_cpus=2, seed=3))
    for args in ([], ["--compare", b]):
        png = tmp_path / ("%s%d.png" % (report, len(args)))
        r = run("analyze", a, "--report", report, "--plot", png, *args)
        assert r.exit_code == 0, r.output
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_json_and_csv(make_capture, tmp_path):
    a = make_capture([SIMPLE, TARGET])
    b = make_capture([SIMPLE])
    r = run("analyze", a, "--compare", b, "--report", "latency", "--json", "--csv", tmp_path / "c.csv")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["compare"] is True and data["metrics"] == ["Count", "P50", "P99", "Max"]
    kick = [row for row in data["rows"] if row["key"] == "kick NMI"][0]
    # A: the kick at 1150 reaches pCPU 1 in the guest (entered at 900), which exits at 1200: 50 cycles.
    # B has no pCPU 1 at all: the kick is untraced, no latency.
    assert kick["a"] == [1, 50, 50, 50] and kick["b"] == [0, 0, 0, 0]
    head = (tmp_path / "c.csv").read_bytes().decode().splitlines()[0]
    assert head.startswith("Series,Count A,Count B,B/A,P50 A")


def test_timeline(make_capture, tmp_path):
    cap = make_capture([SIMPLE, TARGET])
    out = tmp_path / "trace.json"
    r = run("timeline", cap, "-o", out)
    assert r.exit_code == 0, r.output
    # 5 pCPU slices and 3 of vm0:vcpu1 (named by VCPU_RUN), the kick (an instant on the sender plus a flow
    # start and end), 2 request instants
    assert r.stdout == "%s: 13 events (8 slices, 1 kicks, 2 other instants) from 2 pCPU files, 1 vCPU tracks\n" % out
    data = json.loads(out.read_text())
    events = data["traceEvents"]
    names = {(e["pid"], e["tid"], e["args"]["name"]) for e in events if e.get("name") == "thread_name"}
    assert names == {(1, 0, "pCPU 0"), (1, 1, "pCPU 1"), (2, 10001, "vm0:vcpu1")}
    vcpu = sorted((e["pid"], e["tid"], e["ts"], e["dur"], e["name"]) for e in events if e.get("cat") == "vcpu")
    # switched in at 1000 (the exit at 1000 changes nothing), entered at 1100, exited at 1300; the entry at
    # 1400 is the file's last record: nothing after it to show
    assert vcpu == [(2, 10001, 100.0, 100.0, "root"), (2, 10001, 200.0, 200.0, "non-root"),
                    (2, 10001, 400.0, 100.0, "root")]
    slices = sorted((e["tid"], e["ts"], e["dur"], e["name"]) for e in events if e["ph"] == "X" and e["pid"] == 1)
    # 1 MHz: microseconds = cycles; times from the first TSC (900)
    assert slices == [(0, 100.0, 100.0, "VMEXIT_IO_INSTRUCTION"), (0, 200.0, 200.0, "vm0:vcpu1"),
                      (0, 400.0, 100.0, "VMEXIT_EXTERNAL_INTERRUPT"), (1, 0.0, 300.0, "guest"),
                      (1, 300.0, 50.0, "VMEXIT_EXCEPTION_OR_NMI")]
    assert sorted(e["args"]["rip"] for e in events if e.get("cat") == "vmexit") == ["0x1000", "0x1004", "0x2000"]
    flow = sorted((e["ph"], e["tid"], e["ts"]) for e in events if e["ph"] in "sf")
    assert flow == [("f", 1, 300.0), ("s", 0, 250.0)]  # kick at 1150 -> pCPU 1's exit at 1200
    instants = sorted((e["tid"], e["ts"], e["name"]) for e in events if e["ph"] == "i")
    assert instants == [(0, 250.0, "kick NMI -> pCPU 1"), (0, 260.0, "request made vm0:vcpu1 ACRN_REQUEST_EPT_FLUSH"),
                        (1, 310.0, "request handled vm0:vcpu1 ACRN_REQUEST_EPT_FLUSH")]
    assert data["otherData"]["tsc_mhz"] == 1.0


def test_timeline_max_events_and_missing_frequency(make_capture, tmp_path):
    cap = make_capture([SIMPLE, TARGET])
    r = run("timeline", cap, "-o", tmp_path / "t.json", "--max-events", "3")
    assert r.exit_code == 0
    assert "timeline cut at" in r.stderr and "3 of 13 events kept" in r.stderr
    assert len([e for e in json.loads((tmp_path / "t.json").read_text())["traceEvents"] if e["ph"] != "M"]) == 3
    real = make_capture([SIMPLE], tsc_khz=None)
    r = run("timeline", real, "-o", tmp_path / "u.json")
    assert r.exit_code == 2 and "pass --tsc-mhz" in error_line(r) and not (tmp_path / "u.json").exists()


def test_progress_bar_only_on_a_terminal_and_after_a_delay():
    quiet = DelayedProgress(100, "x", stream=io.StringIO(), show_after=0)
    quiet(50)
    quiet.close()
    assert quiet.stream.getvalue() == ""

    class Tty(io.StringIO):
        def isatty(self):
            return True

    late = DelayedProgress(100, "x", stream=Tty(), show_after=3600)
    late(50)
    late.close()
    assert late._bar is None and late.stream.getvalue() == ""
    shown = DelayedProgress(100, "scan", stream=Tty(), show_after=0)
    shown(50)
    shown(50)
    shown.close()
    assert "scan" in shown.stream.getvalue()


def test_tsc_from_flag_when_capture_states_one_is_ignored_with_a_warning(make_capture):
    cap = make_capture([SIMPLE])
    r = run("analyze", cap, "--tsc-mhz", "3000")
    assert r.exit_code == 0
    assert "warning: %s: the capture states its TSC frequency (1000 kHz); --tsc-mhz 3000.0 ignored" % cap in r.stderr
    assert "TSC Freq: 1 MHz" in r.stdout.splitlines()


def test_python_dash_m_entry_point(make_capture):
    import subprocess
    import sys

    cap = make_capture([SIMPLE])
    out = subprocess.run([sys.executable, "-m", "acrn.trace", "analyze", str(cap), "--report", "irq"],
                         capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert out.returncode == 0, out.stderr
    assert "0x000000f0\t1       \t" in out.stdout


def _track_slices(events):
    """{tid: [(start ns, end ns)]} of the X slices, from the written microsecond strings."""
    out = {}
    for e in events:
        if e["ph"] == "X":
            start = round(e["ts"] * 1000)
            out.setdefault(e["tid"], []).append((start, start + round(e["dur"] * 1000)))
    return out


def test_timeline_of_a_model_run_names_vms_and_never_overlaps_slices(tmp_path):
    from acrn.host.run import run_scenario
    from acrn.host.tracing import ModelTracer
    from acrn.trace import events as E

    tracer = ModelTracer(tmp_path, 4, 2100.0, capture_dir=tmp_path / "cap")
    result = run_scenario("kick-race", "nmi-nowindow", seed=1, tracer=tracer)
    tracer.violation(5000, 2, None, "request-latency", "late")  # what the judging calls, at the time it judges
    tracer.close()
    assert result.verdicts
    r = run("timeline", tmp_path / "cap", "-o", tmp_path / "t.json")
    assert r.exit_code == 0, r.output
    events = json.loads((tmp_path / "t.json").read_text())["traceEvents"]
    names = {e["name"] for e in events if e.get("cat") == "guest"}
    assert {"rtvm:vcpu0", "sos:vcpu0"} <= names, names
    assert any(e["name"] == "INVARIANT VIOLATION request-latency" and e["tid"] == 2 for e in events)
    slices = _track_slices(events)
    assert sum(map(len, slices.values())) > 1000
    for tid, spans in slices.items():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), tid
    assert E.INVARIANT_CODES["request-latency"] == 1
    r = run("analyze", tmp_path / "cap", "--report", "latency", "--json")
    judged = {v.name: v.count for v in result.verdicts if v.count}  # the run writes its own violations too
    judged["request-latency"] = judged.get("request-latency", 0) + 1
    assert json.loads(r.stdout)["model_events"]["violations"] == judged


def test_invariant_codes_cover_the_built_in_invariants():
    from acrn.plugin import default_registry
    from acrn.trace import events as E

    builtin = [name for name in default_registry().invariants
               if default_registry().owner("acrn_register_invariants", name).startswith("acrn.")]
    assert sorted(builtin) == sorted(E.INVARIANT_CODES)


def test_run_trace_lists_the_violations_in_time_order(tmp_path):
    from acrn.cli import main as acrn_model

    r = CliRunner().invoke(acrn_model, ["run", "kick-race", "--design", "nmi-nowindow", "--seed", "1",
                                        "--trace", str(tmp_path / "traces")])
    assert r.exit_code == 1, r.output  # request-latency is violated
    lat = run("analyze", tmp_path / "traces", "--report", "latency", "--json")
    assert lat.exit_code == 0 and "went backwards" not in lat.stderr, lat.stderr
    assert json.loads(lat.stdout)["model_events"]["violations"].get("request-latency", 0) >= 1
    r = run("timeline", tmp_path / "traces", "-o", tmp_path / "t.json")
    events = json.loads((tmp_path / "t.json").read_text())["traceEvents"]
    assert any(e["name"].startswith("INVARIANT VIOLATION request-latency") for e in events if e["ph"] == "i")
