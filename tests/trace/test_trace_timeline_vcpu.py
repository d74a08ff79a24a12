"""The timeline's vCPU tracks: one per vCPU, in its VM's process, with non-root / root / not running slices."""
import json
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from acrn.cli.trace import main
from acrn.trace import events as ev
from acrn.trace import timeline as tl
from acrn.trace.reader import read_capture

X, E, RUN, SCHED = ev.TRACE_VM_EXIT, ev.TRACE_VM_ENTER, ev.VCPU_RUN, ev.TRACE_SCHED_NEXT


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _sched(prev: bytes, nxt: bytes) -> int:
    return int.from_bytes(prev.ljust(4, b"\0") + nxt.ljust(4, b"\0"), "little")


@pytest.fixture(scope="module")
def model_timeline(tmp_path_factory):
    """A traced run of "mixed" (two VMs share pCPUs 0 and 1, so vCPUs get switched out), one violation that
    names rtvm's vCPU 1 (VM 2) and one that names none; its timeline's events."""
    from acrn.host.run import run_scenario
    from acrn.host.tracing import ModelTracer

    tmp = tmp_path_factory.mktemp("vcpu")
    tracer = ModelTracer(tmp, 4, 2100.0, capture_dir=tmp / "cap")
    run_scenario("mixed", "nmi", seed=1, tracer=tracer)
    rtvm1 = SimpleNamespace(vm=SimpleNamespace(vm_id=2), vcpu_id=1)
    tracer.violation(21000, 3, rtvm1, "request-latency", "late")
    tracer.violation(22000, 0, None, "request-latency", "late")
    tracer.close()
    r = run("timeline", tmp / "cap", "-o", tmp / "t.json")
    assert r.exit_code == 0, r.output
    assert r.stdout.rstrip().endswith("from 4 pCPU files, 6 vCPU tracks"), r.stdout
    return json.loads((tmp / "t.json").read_text())["traceEvents"]


def _spans(events, pred):
    """{(pid, tid): sorted [(start ns, end ns, name)]} of the X slices ``pred`` accepts."""
    out = {}
    for e in events:
        if e["ph"] == "X" and pred(e):
            start = round(e["ts"] * 1000)
            out.setdefault((e["pid"], e["tid"]), []).append((start, start + round(e["dur"] * 1000), e["name"]))
    return {k: sorted(v) for k, v in out.items()}


def test_a_track_per_vcpu_of_the_scenario_under_its_vm(model_timeline):
    from acrn.scenarios import load_scenario

    meta = [e for e in model_timeline if e["ph"] == "M"]
    processes = {e["pid"]: e["args"]["name"] for e in meta if e["name"] == "process_name"}
    threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in meta if e["name"] == "thread_name"}
    scenario = load_scenario("mixed")
    want = {}
    for vm_id, vm in enumerate(scenario.vms):
        assert processes[tl.VCPU_PID_BASE + vm_id] == "%s (VM %d)" % (vm.name, vm_id)
        for n in range(len(vm.pcpus)):
            want[(tl.VCPU_PID_BASE + vm_id, tl.VCPU_TID_BASE + 100 * vm_id + n)] = "%s:vcpu%d" % (vm.name, n)
    assert {k: v for k, v in threads.items() if k[0] != tl.PID} == want
    assert {k for k in threads if k[0] == tl.PID} == {(tl.PID, c) for c in range(4)}
    sort = {e["pid"]: e["args"]["sort_index"] for e in meta if e["name"] == "process_sort_index"}
    assert sort == {tl.PID: 0, **{tl.VCPU_PID_BASE + v: 1 + v for v in range(len(scenario.vms))}}
    # every vCPU slice is on one of those tracks, says where it ran, and every state shows up
    vcpu = [e for e in model_timeline if e["ph"] == "X" and e["cat"] == "vcpu"]
    assert {(e["pid"], e["tid"]) for e in vcpu} == set(want)
    assert {e["name"] for e in vcpu} == {"non-root", "root", "not running"}
    for e in vcpu:
        vm, n = divmod(e["tid"] - tl.VCPU_TID_BASE, 100)
        assert e["args"]["pcpu"] == scenario.vms[vm].pcpus[n]


def test_non_root_slices_are_the_guest_slices_of_that_vcpu(model_timeline):
    threads = {e["args"]["name"]: (e["pid"], e["tid"]) for e in model_timeline
               if e["ph"] == "M" and e["name"] == "thread_name" and e["pid"] != tl.PID}
    guest = _spans(model_timeline, lambda e: e["cat"] == "guest")
    for name, track in threads.items():
        from_pcpu = sorted((a, b) for spans in guest.values() for a, b, n in spans if n == name)
        non_root = [(a, b) for a, b, n in _spans(model_timeline, lambda e: e["cat"] == "vcpu")[track]
                    if n == "non-root"]
        assert len(non_root) > 100 and non_root == from_pcpu, name


def test_no_slices_overlap_on_any_track_and_vcpu_tracks_are_contiguous(model_timeline):
    spans = _spans(model_timeline, lambda e: True)
    assert len(spans) == 4 + 6
    for track, s in spans.items():
        assert all(a[1] <= b[0] for a, b in zip(s, s[1:])), track
    for track, s in spans.items():
        if track[0] != tl.PID:  # a vCPU is always in one state: each slice ends where the next begins
            assert all(a[1] == b[0] for a, b in zip(s, s[1:])), track
            assert all(a[2] != b[2] or a[2] == "root" for a, b in zip(s, s[1:])), track  # root: self-switch
            runs = [n for _, _, n in s]
            assert all(n != "not running" or nxt == "root" for n, nxt in zip(runs, runs[1:])), track


def test_a_violation_naming_a_vcpu_is_on_its_track(model_timeline):
    hits = [(e["pid"], e["tid"], e["ts"], e["s"]) for e in model_timeline
            if e["ph"] == "i" and e["name"].startswith("INVARIANT VIOLATION request-latency")]
    ts = 21000 / 2100.0
    rtvm1 = (tl.VCPU_PID_BASE + 2, tl.VCPU_TID_BASE + 201)
    assert (rtvm1[0], rtvm1[1], ts, "t") in hits  # on rtvm:vcpu1's track
    assert (tl.PID, 3, ts, "g") in hits  # and on the pCPU's, as before
    named = [e for e in model_timeline if e["ph"] == "i" and e["pid"] == rtvm1[0]]
    assert [e["name"] for e in named] == ["INVARIANT VIOLATION request-latency rtvm:vcpu1"]
    # the violation that names no vCPU is on no vCPU track
    assert [h[:2] for h in hits if h[2] == round(22000 / 2.1) / 1000] == [(tl.PID, 0)]


def _states(rows, cuts):
    """_vcpu_slices over the records ``rows`` split at ``cuts``, then the open states: sorted tuples."""
    w = np.array(rows, np.int64)
    w[:, 1] |= np.int64(4) << np.int64(48)
    carry = tl._VcpuCarry()
    out = []
    for part in np.split(w, cuts):
        out += list(zip(*[a.tolist() for a in tl._vcpu_slices(part, carry)]))
    out += list(zip(*[a.tolist() for a in carry.open_slices(int(w[-1, 0]))]))
    return sorted(out)


def test_vcpu_states_do_not_depend_on_where_the_chunks_end():
    a, b = ev.pack_4i(1, 0)[0], ev.pack_4i(1, 1)[0]
    ka, kb = 1 * 64 + 0, 1 * 64 + 1
    rows = [(0, SCHED, _sched(b"idle", b"vm1:"), 0), (0, RUN, a, 0), (10, E, 0, 0), (30, X, 30, 0),
            (35, X, 30, 0),  # a second exit changes nothing
            (40, SCHED, _sched(b"vm1:", b"vm1:"), 0), (40, RUN, b, 0), (50, E, 0, 0), (70, X, 1, 0),
            (80, SCHED, _sched(b"vm1:", b"idle"), 0), (90, E, 0, 0),  # entries under idle name no vCPU
            (100, SCHED, _sched(b"idle", b"vm1:"), 0), (100, RUN, a, 0),
            (110, SCHED, _sched(b"vm1:", b"vm1:"), 0), (110, RUN, a, 0),  # switched to itself
            (120, E, 0, 0), (150, X, 1, 0)]
    want = sorted([(0, 10, ka, tl.ROOT), (10, 30, ka, tl.NONROOT), (30, 40, ka, tl.ROOT), (40, 100, ka, tl.OUT),
                   (40, 50, kb, tl.ROOT), (50, 70, kb, tl.NONROOT), (70, 80, kb, tl.ROOT), (80, 150, kb, tl.OUT),
                   (100, 110, ka, tl.ROOT), (110, 120, ka, tl.ROOT), (120, 150, ka, tl.NONROOT)])
    assert _states(rows, []) == want
    for cuts in ([1], [2, 3], [5, 6, 7], list(range(1, len(rows))), [9, 14]):
        assert _states(rows, cuts) == want, cuts


def test_real_capture_gets_no_vcpu_tracks(make_capture, tmp_path):
    """Without VCPU_RUN (a real capture: TRACE_SCHED_NEXT names the VM, not the vCPU) the timeline is the
    pCPU tracks alone, as before."""
    rows = [(100, SCHED, _sched(b"idle", b"vm1:"), 0), (200, E, 0, 0), (300, X, 1, 0x10), (400, E, 0, 0),
            (500, X, 1, 0x20), (600, SCHED, _sched(b"vm1:", b"idle"), 0)]
    cap = make_capture([rows], tsc_khz=None)
    r = run("timeline", cap, "-o", tmp_path / "t.json", "--tsc-mhz", "1")
    assert r.exit_code == 0, r.output
    assert r.stdout.rstrip().endswith("from 1 pCPU files")
    events = json.loads((tmp_path / "t.json").read_text())["traceEvents"]
    assert {e["pid"] for e in events} == {tl.PID}
    slices = sorted((e["ts"], e["name"]) for e in events if e["ph"] == "X")
    assert slices == [(100.0, "vm1:vcpu?"), (200.0, "VMEXIT_EXTERNAL_INTERRUPT"), (300.0, "vm1:vcpu?")]


def test_cut_timeline_keeps_vcpu_slices_consistent(model_timeline, tmp_path):
    """--max-events counts the vCPU slices too; the cut never leaves overlapping or unended slices."""
    from acrn.host.run import run_scenario
    from acrn.host.tracing import ModelTracer

    tracer = ModelTracer(tmp_path, 4, 2100.0, capture_dir=tmp_path / "cap")
    run_scenario("mixed", "nmi", seed=1, tracer=tracer)
    tracer.close()
    full = run("timeline", tmp_path / "cap", "-o", tmp_path / "full.json")
    n_full = int(full.stdout.split(": ")[1].split()[0])
    for limit in (1, 50, 1000, n_full - 1):
        r = run("timeline", tmp_path / "cap", "-o", tmp_path / "t.json", "--max-events", limit)
        assert r.exit_code == 0, r.output
        kept = int(r.stderr.split(" events kept")[0].split()[-3])
        assert " %d of %d events kept" % (kept, n_full) in r.stderr, r.stderr
        assert kept <= limit and (limit < 50 or kept > limit * 0.9)  # the events at the cut's time go too
        events = json.loads((tmp_path / "t.json").read_text())["traceEvents"]
        assert len([e for e in events if e["ph"] != "M"]) == kept
        for track, s in _spans(events, lambda e: True).items():
            assert all(a[1] <= b[0] for a, b in zip(s, s[1:])), track
    assert len(read_capture(tmp_path / "cap").files) == 4


def test_small_chunks_and_cuts_give_the_same_vcpu_slices(tmp_path, monkeypatch):
    """Read in chunks of 64 records (pass 1 stops early, pass 2 reads on for the vCPU slices still open):
    the same timeline as in one chunk, and a cut timeline is the full one's events before the cut."""
    from acrn.host.run import run_scenario
    from acrn.host.tracing import ModelTracer
    from acrn.trace.reader import TraceFile

    tracer = ModelTracer(tmp_path, 4, 2100.0, capture_dir=tmp_path / "cap")
    run_scenario("mixed", "nmi", seed=2, tracer=tracer)
    tracer.close()

    def events(*extra):
        r = run("timeline", tmp_path / "cap", "-o", tmp_path / "t.json", *extra)
        assert r.exit_code == 0, r.output
        rows = json.loads((tmp_path / "t.json").read_text())["traceEvents"]
        return r.stderr, {json.dumps(e, sort_keys=True) for e in rows if e["ph"] in "Xi"}

    _, whole = events()
    chunks = TraceFile.chunks
    monkeypatch.setattr(TraceFile, "chunks", lambda self, records=64: chunks(self, records))
    _, small = events()
    assert small == whole
    for limit in (200, 3000):
        err, cut = events("--max-events", limit)
        cut_us = float(err.split("timeline cut at ")[1].split()[0])
        assert cut <= whole
        assert {e for e in whole if json.loads(e)["ts"] < cut_us} <= cut
        assert any(json.loads(e)["cat"] == "vcpu" for e in cut)


def test_a_vcpu_seen_on_two_pcpus_gets_a_track_for_each(make_capture, tmp_path):
    """ACRN pins vCPUs; a capture that shows one vCPU on two pCPU files gets a track per pCPU, so the two
    files' views of it never overlap on one track."""
    a = ev.pack_4i(0, 0)[0]
    cpu0 = [(0, SCHED, _sched(b"idle", b"vm0:"), 0), (0, RUN, a, 0), (10, E, 0, 0), (20, X, 1, 0),
            (30, SCHED, _sched(b"vm0:", b"idle"), 0), (40, ev.TRACE_VMEXIT_EXTERNAL_INTERRUPT, 0, 0)]
    cpu1 = [(25, SCHED, _sched(b"idle", b"vm0:"), 0), (25, RUN, a, 0), (28, E, 0, 0), (50, X, 1, 0)]
    cap = make_capture([cpu0, cpu1])
    r = run("timeline", cap, "-o", tmp_path / "t.json")
    assert r.exit_code == 0, r.output
    events = json.loads((tmp_path / "t.json").read_text())["traceEvents"]
    threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
               if e["ph"] == "M" and e["name"] == "thread_name" and e["pid"] != tl.PID}
    assert threads == {(2, tl.vcpu_tid(0, 0)): "vm0:vcpu0 on pCPU 0", (2, tl.vcpu_tid(0, 1)): "vm0:vcpu0 on pCPU 1"}
    spans = _spans(events, lambda e: e["cat"] == "vcpu")
    assert spans == {(2, tl.vcpu_tid(0, 0)): [(0, 10000, "root"), (10000, 20000, "non-root"),
                                              (20000, 30000, "root"), (30000, 40000, "not running")],
                     (2, tl.vcpu_tid(0, 1)): [(25000, 28000, "root"), (28000, 50000, "non-root")]}


def test_blocked_is_told_from_not_running_by_vcpu_blocked():
    a, b = ev.pack_4i(1, 0)[0], ev.pack_4i(1, 1)[0]
    ka, kb = 1 * 64 + 0, 1 * 64 + 1
    rows = [(0, RUN, a, 0), (10, E, 0, 0), (20, X, 12, 0),  # HLT: the thread sleeps
            (30, SCHED, _sched(b"vm1:", b"vm1:"), 0), (30, ev.VCPU_BLOCKED, a, 0), (30, RUN, b, 0),
            (40, SCHED, _sched(b"vm1:", b"vm1:"), 0), (40, RUN, a, 0),  # b preempted (runnable), a woken
            (50, E, 0, 0), (60, SCHED, _sched(b"vm1:", b"idle"), 0)]
    want = sorted([(0, 10, ka, tl.ROOT), (10, 20, ka, tl.NONROOT), (20, 30, ka, tl.ROOT), (30, 40, ka, tl.BLOCKED),
                   (40, 50, ka, tl.ROOT), (50, 60, ka, tl.NONROOT), (30, 40, kb, tl.ROOT),
                   (40, 60, kb, tl.OUT)])
    for cuts in ([], [4], [5], list(range(1, len(rows)))):
        assert _states(rows, cuts) == want, cuts


def test_a_paused_rtvm_is_blocked_on_its_tracks(tmp_path):
    """rtvm-s5 shuts the RTVM down: its vCPUs are paused (sleep_thread), which the capture says with
    VCPU_BLOCKED; the timeline shows them blocked from there, not "not running"."""
    from acrn.host.run import run_scenario
    from acrn.host.tracing import ModelTracer

    tracer = ModelTracer(tmp_path, 4, 2100.0, capture_dir=tmp_path / "cap")
    run_scenario("rtvm-s5", "nmi", seed=1, tracer=tracer)
    tracer.close()
    blocked_records = sum(int(np.count_nonzero((f.words()[:, 1] & 0xFFFFFFFFFFFF) == ev.VCPU_BLOCKED))
                          for f in read_capture(tmp_path / "cap").files)
    assert blocked_records >= 1
    r = run("timeline", tmp_path / "cap", "-o", tmp_path / "t.json")
    assert r.exit_code == 0, r.output
    events = json.loads((tmp_path / "t.json").read_text())["traceEvents"]
    spans = _spans(events, lambda e: e["cat"] == "vcpu")
    blocked = [(track, k) for track, s in spans.items() for k, (_, _, n) in enumerate(s) if n == "blocked"]
    assert 1 <= len(blocked) <= blocked_records
    for track, k in blocked:
        assert k > 0 and spans[track][k - 1][2] == "root"  # switched out from root
    assert not any(n == "not running" for s in spans.values() for _, _, n in s)


def test_a_model_runs_own_violation_is_on_the_vcpu_track_it_names(tmp_path):
    """kick-race under nmi-nowindow breaks request-latency for a lapic-pt vCPU: the built-in invariant names
    that vCPU, so the timeline shows the violation on its track (not only on the pCPU's)."""
    from acrn.host.run import run_scenario
    from acrn.host.tracing import ModelTracer

    tracer = ModelTracer(tmp_path, 4, 2100.0, capture_dir=tmp_path / "cap")
    result = run_scenario("kick-race", "nmi-nowindow", seed=1, tracer=tracer)
    tracer.close()
    first = next(v.first for v in result.verdicts if v.name == "request-latency")
    assert first is not None and first.vcpu is not None
    r = run("timeline", tmp_path / "cap", "-o", tmp_path / "t.json")
    assert r.exit_code == 0, r.output
    events = json.loads((tmp_path / "t.json").read_text())["traceEvents"]
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("name") == "thread_name"}
    on_vcpu = [names.get((e["pid"], e["tid"])) for e in events
               if e["ph"] == "i" and e["pid"] >= tl.VCPU_PID_BASE and "request-latency" in e["name"]]
    assert first.vcpu in on_vcpu
