"""The record loops of acrn.trace.scan (its Cython build, as this mode imports it, and its numba build)
and the numpy references fill identical arrays, chunk boundaries or not."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acrn.trace import analysis, kernels, reference, synth
from acrn.trace import scan as scan_module
from acrn.trace import events as ev
from acrn.trace import format as fmt
from acrn.trace import tables as t
from acrn.trace.results import VmExitStats

HANDLERS = list(ev.ACRNALYZE_VMEXIT_IDS)
NAMES = [b"vm0:", b"vm1:", b"vm12", b"vm7:", b"idle", b"xyz1", b"vm9x", b"vmA:", b"\0\0\0\0"]
REASONS = [0, 1, 7, 8, 10, 12, 30, 40, 44, 45, 48, 65535, (1 << 31) | 33, (1 << 40) | 30]
UNKNOWN = [0x33, 0x100, 0x10005, 0x1FFFF, 0x20001, 0x30000, ev.MODEL_EVENT_BASE, ev.MODEL_EVENT_LAST + 1]
ID_POOL = ([ev.TRACE_VM_EXIT] * 6 + [ev.TRACE_VM_ENTER] * 6 + HANDLERS + UNKNOWN
           + [ev.TRACE_SCHED_NEXT, ev.VCPU_RUN, ev.VCPU_RUN, ev.MODEL_TSC_FREQ, ev.KICK_SENT, ev.TRACE_TIMER_IRQ])


def _payload(draw, eid):
    if eid == ev.TRACE_VM_EXIT:
        return draw(st.sampled_from(REASONS)), draw(st.integers(0, 1 << 62))
    if eid == ev.TRACE_SCHED_NEXT:
        raw = draw(st.sampled_from(NAMES)) + draw(st.sampled_from(NAMES))
        return int.from_bytes(raw, "little", signed=True), 0
    if eid == ev.VCPU_RUN:
        return ev.pack_4i(draw(st.integers(0, 70)), draw(st.integers(0, 70)))[0], 0
    return draw(st.integers(0, 1 << 62)), draw(st.integers(0, 1 << 62))


@st.composite
def record_streams(draw, max_size=120):
    n = draw(st.integers(0, max_size))
    tsc = draw(st.integers(0, 1 << 40))
    rows = []
    for _ in range(n):
        tsc += draw(st.one_of(st.integers(0, 5000), st.integers(0, 5000), st.integers(-3000, 0)))
        eid = draw(st.sampled_from(ID_POOL))
        cpu = draw(st.sampled_from([0, 3, 255]))
        e, f = _payload(draw, eid)
        word = eid | (2 << fmt.N_DATA_SHIFT) | (cpu << fmt.CPU_SHIFT)
        rows.append((tsc, word - (1 << 64) if word >= 1 << 63 else word, e, f))
    w = np.array(rows, np.int64).reshape(-1, 4)
    return w


#: The two builds of acrn.trace.scan (the first is interpreted Python under ACRN_MODEL_PURE=1).
LOOPS = (analysis.Loops(scan_module), analysis.Loops(kernels))


def scan(impl, w, chunk, want_durations=True):
    st_ = t.new_state()
    stats = VmExitStats(n_records=len(w))
    durs, reasons = [], []
    for start in range(0, max(len(w), 1), chunk):
        out = impl.vm_exit_scan_chunk(w[start:start + chunk], st_, stats, want_durations)
        durs.append(out[0])
        reasons.append(out[1])
    stats.finish(st_)
    return stats, st_, np.concatenate(durs), np.concatenate(reasons)


def assert_same(a, b):
    sa, sta, da, ra = a
    sb, stb, db, rb = b
    assert sa.equals(sb), sa.diff(sb)
    assert np.array_equal(sta, stb), (sta, stb)
    assert np.array_equal(da, db) and np.array_equal(ra, rb)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=record_streams(max_size=60), chunk=st.integers(1, 40))
def test_vm_exit_kernel_equals_reference_on_random_streams(w, chunk):
    whole = scan(LOOPS[1], w, max(len(w), 1))
    assert_same(whole, scan(reference, w, max(len(w), 1)))
    assert_same(whole, scan(LOOPS[0], w, max(len(w), 1)))
    assert_same(whole, scan(LOOPS[1], w, chunk))
    assert_same(whole, scan(LOOPS[0], w, chunk))
    assert_same(whole, scan(reference, w, max(chunk, len(w) // 4 + 1)))  # a few boundaries, cheaply


def numpy_stream(seed: int, n: int) -> np.ndarray:
    """A random stream like record_streams(), drawn with numpy (hypothesis draws are slow per record)."""
    rng = np.random.default_rng(seed)
    eid = np.array(ID_POOL, np.int64)[rng.integers(0, len(ID_POOL), n)]
    tsc = (1 << 30) + np.cumsum(np.where(rng.random(n) < 0.05, -rng.integers(0, 3000, n), rng.integers(0, 5000, n)))
    e = rng.integers(0, 1 << 62, n)
    e[eid == ev.TRACE_VM_EXIT] = np.array(REASONS, np.int64)[rng.integers(0, len(REASONS), n)][eid == ev.TRACE_VM_EXIT]
    names = np.array([int.from_bytes(a, "little") for a in NAMES], np.int64)
    sched = eid == ev.TRACE_SCHED_NEXT
    e[sched] = (names[rng.integers(0, len(names), n)] | (names[rng.integers(0, len(names), n)] << 32))[sched]
    run = eid == ev.VCPU_RUN
    e[run] = (rng.integers(0, 70, n) | (rng.integers(0, 70, n) << 32))[run]
    word = eid | (2 << fmt.N_DATA_SHIFT) | (rng.integers(0, 200, n) << fmt.CPU_SHIFT)
    return np.stack([tsc, word, e, rng.integers(0, 1 << 62, n)], axis=1)


@pytest.mark.parametrize("seed", range(20))
def test_vm_exit_kernel_equals_reference_on_numpy_random_streams(seed):
    w = numpy_stream(seed, 3000)
    whole = scan(LOOPS[1], w, len(w))
    assert_same(whole, scan(reference, w, len(w)))
    assert_same(whole, scan(reference, w, 1 + seed * 37))
    assert_same(whole, scan(LOOPS[1], w, 1 + seed))
    assert_same(whole, scan(LOOPS[0], w, 1 + seed * 11))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vm_exit_kernel_equals_reference_on_synthetic_captures(seed):
    for records in synth.synth_capture(30_000, n_cpus=2, seed=seed, extra_rate=0.1):
        w = fmt.words(records)
        expect = scan(reference, w, 777)
        for loops in LOOPS:
            assert_same(scan(loops, w, 4096), expect)


def test_durations_sum_to_the_exact_cycles():
    w = fmt.words(synth.synth_cpu(5000, 0, 1, seed=4))
    stats, _, durs, reasons = scan(reference, w, 1000)
    assert durs.sum() == sum(stats.exit_cycles) and len(durs) == sum(stats.completed)
    assert np.array_equal(np.bincount(reasons, weights=durs, minlength=t.REASON_SLOTS).astype(np.int64),
                          stats.exit_cycles)


@st.composite
def sched_streams(draw):
    n = draw(st.integers(0, 60))
    tsc = draw(st.integers(1, 1 << 40))
    rows = []
    for _ in range(n):
        tsc += draw(st.integers(0, 1000))
        kind = draw(st.sampled_from(["sched", "sched", "other", "zero"]))
        if kind == "zero":
            rows.append((0, ev.TRACE_VM_EXIT, 0, 0))
        elif kind == "sched":
            raw = draw(st.sampled_from(NAMES)) + draw(st.sampled_from(NAMES))
            rows.append((tsc, ev.TRACE_SCHED_NEXT, int.from_bytes(raw, "little", signed=True), 0))
        else:
            rows.append((tsc, ev.TRACE_VM_ENTER, 0, 0))
    return np.array(rows, np.int64).reshape(-1, 4)


@settings(max_examples=300, deadline=None)
@given(w=sched_streams(), compat=st.booleans(), cut=st.integers(1, 30))
def test_sched_kernel_equals_reference(w, compat, cut):
    b_time, b_sc = reference.sched_scan_file(w, compat)
    for loops in LOOPS:
        for chunks in ([w], [w[i:i + cut] for i in range(0, len(w), cut)]):
            a_time, a_sc = loops.sched_scan_chunks(chunks, compat)
            assert np.array_equal(a_time, b_time) and np.array_equal(a_sc, b_sc), (list(a_time), list(a_sc), list(b_sc))


def test_analysis_backends_agree_on_a_capture(make_capture, monkeypatch):
    from acrn.trace import reader

    monkeypatch.setattr(analysis, "THREADS_MIN_RECORDS", 0)  # threads=True below: do use them

    cap = reader.read_capture(make_capture(synth.synth_capture(20_000, n_cpus=3, seed=7)))
    a = analysis.analyze_vm_exit(cap, "numpy", want_durations=True)
    for other, threads in (("numba", False), ("compiled", True)):
        b = analysis.analyze_vm_exit(cap, other, want_durations=True, threads=threads)
        assert (a.backend, b.backend) == ("numpy", other)
        for fa, fb in zip(a.files, b.files):
            assert fa.stats.equals(fb.stats) and np.array_equal(fa.durations, fb.durations)
        for compat in (False, True):
            for (_, sa), (_, sb) in zip(analysis.analyze_cpu_usage(cap, compat, "numpy"),
                                        analysis.analyze_cpu_usage(cap, compat, other)):
                assert sa.equals(sb)


def test_auto_backend_choice(monkeypatch):
    import sys

    from acrn.trace import backend

    import acrn

    assert backend.compiled_scan_available() == acrn.compiled()
    assert backend.resolve_backend("auto", 10) == ("compiled" if acrn.compiled() else backend.resolve_backend("auto", 10))
    monkeypatch.setattr(backend, "compiled_scan_available", lambda: False)
    monkeypatch.delitem(sys.modules, "numba", raising=False)
    assert backend.resolve_backend("auto", 10) == "numpy"
    assert backend.resolve_backend("auto", backend.NUMBA_MIN_RECORDS) == "numba"
    assert backend.resolve_backend("numba", 10) == "numba"
    with pytest.raises(ValueError):
        backend.resolve_backend("fortran", 10)


def irq_tuple(s):
    return (s.n_records, s.begin, s.end, s.vectors.tolist(), s.counts.tolist(), s.nonmonotonic)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=record_streams(max_size=60), chunk=st.integers(1, 40), compat=st.booleans(),
       vectors=st.lists(st.sampled_from([0, 0xEF, 0xF0, 255, 256, -1, 1 << 40]), min_size=1, max_size=8))
def test_irq_scan_equals_reference(w, chunk, compat, vectors):
    w = w.copy()
    ext = np.flatnonzero((w[:, 1] & fmt.ID_MASK) == ev.TRACE_VMEXIT_EXTERNAL_INTERRUPT)
    w[ext, 2] = np.array(vectors, np.int64)[np.arange(len(ext)) % len(vectors)]
    expect = irq_tuple(reference.irq_scan([w], compat))
    for loops in LOOPS:
        assert irq_tuple(loops.irq_scan([w[i:i + chunk] for i in range(0, len(w), chunk)], compat)) == expect


def grouped_stream(seed: int, groups: int, odd: float) -> np.ndarray:
    """Records as a capture has them (TRACE_VM_EXIT, a TRACE_VMEXIT_* event or none, TRACE_VM_ENTER,
    after a VCPU_RUN), a fraction ``odd`` of the groups changed the ways the vm_exit scan's fast path
    must leave to the general one: TSC backwards or >= 2^63 in any of the group's records, an extra
    record (model event, VCPU_RUN, SCHED_NEXT, unknown id) anywhere in it, a handler id without a compat
    slot, a missing TRACE_VM_ENTER or TRACE_VM_EXIT, and exits and guest stays of ~2^61 cycles so that sums saturate."""
    rng = np.random.default_rng(seed)
    rows = [(1000, ev.VCPU_RUN, ev.pack_4i(1, 0)[0], 0)]
    tsc = 1 << 20
    big = rng.random() < 0.5  # this stream's odd steps are huge (sums saturate) or backwards
    for _ in range(groups):
        group = [[tsc, ev.TRACE_VM_EXIT, int(rng.choice(REASONS[:10])), 0]]
        if rng.random() < 0.8:
            group.append([tsc + 100, int(rng.choice(HANDLERS)), 0, 0])
        group.append([tsc + 900, ev.TRACE_VM_ENTER, 0, 0])
        if rng.random() < odd:
            what = rng.integers(0, 6)
            at = int(rng.integers(0, len(group) + 1))
            if what == 0:
                group[min(at, len(group) - 1)][0] -= int(rng.integers(1, 2000))
            elif what == 1:
                group[min(at, len(group) - 1)][0] = -int(rng.integers(1, 1 << 40))
            elif what == 2:
                extra = [ev.KICK_SENT, ev.VCPU_RUN, ev.TRACE_SCHED_NEXT, 0x10005, 0x33, ev.MODEL_TSC_FREQ]
                eid = int(rng.choice(extra))
                e = ev.pack_4i(int(rng.integers(0, 3)), int(rng.integers(0, 2)))[0] if eid == ev.VCPU_RUN else 0
                group.insert(at, [group[min(at, len(group) - 1)][0], eid, e, 0])
            elif what == 3:
                del group[min(at, len(group) - 1)]
            elif what == 4 and len(group) == 3:
                group[1][1] = 0x10005  # in the handler range, no slot
            elif big:  # a long exit, or a long stay in the guest before it; the next group goes back
                for r in group[-1:] if rng.random() < 0.5 else group:
                    r[0] += (1 << 61) + int(rng.integers(0, 1 << 40))
        rows.extend(tuple(r) for r in group)
        tsc += 2000 + int(rng.integers(0, 5000))
    w = np.array(rows, np.int64).reshape(-1, 4)
    w[:, 1] |= 2 << fmt.N_DATA_SHIFT
    return w


@pytest.mark.parametrize("seed", range(24))
def test_vm_exit_fast_path_equals_reference_on_grouped_streams(seed):
    """The fast path of the compiled/numba loop (whole exit groups) gives the general path's counts,
    whichever record of a group is odd and wherever the chunks are cut."""
    w = grouped_stream(seed, 1500, odd=(0.02, 0.2, 0.6)[seed % 3])
    expect = scan(reference, w, len(w))
    for loops in LOOPS:
        for chunk in (len(w), 1 + seed * 13, 2, 3):
            assert_same(scan(loops, w, chunk), expect)
