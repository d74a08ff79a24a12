"""Run the analyses over a capture: per-pCPU scans on the chosen backend (:mod:`acrn.trace.backend`),
cross-pCPU latency matching, the TSC frequency recorded in the capture.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from acrn.trace import events as ev
from acrn.trace import format as fmt
from acrn.trace import tables as t
from acrn.trace.backend import resolve_backend
from acrn.trace.results import IrqStats, SchedStats, VmExitStats

class Loops:
    """The record loops of :mod:`acrn.trace.scan` as one backend: ``scan`` is the Cython build
    (``acrn.trace.scan`` itself) or the numba build (:mod:`acrn.trace.kernels`)."""

    def __init__(self, scan):
        self.scan = scan

    def vm_exit_scan_chunk(self, w, st, stats, want_durations=False):
        """:func:`acrn.trace.scan.vm_exit_chunk` on ``w`` into ``stats`` (a VmExitStats); returns
        (durations, reasons) arrays when ``want_durations``."""
        w = np.ascontiguousarray(w, dtype=np.int64)
        if want_durations:
            dur = np.empty(w.shape[0], np.int64)
            rea = np.empty(w.shape[0], np.int64)
        else:
            dur = rea = _EMPTY
        nd = self.scan.vm_exit_chunk_nogil(w.reshape(-1), st, stats.counters, stats.exits, stats.completed,
                                           stats.exit_cycles, stats.compat_events, stats.compat_cycles,
                                           stats.ctx_exits, stats.ctx_exit_cycles, stats.ctx_guest_cycles,
                                           t.HANDLER_SLOT, _KNOWN_SMALL, dur, rea, want_durations)
        return (dur[:nd].copy(), rea[:nd].copy()) if want_durations else None

    def sched_scan_chunks(self, chunks, compat: bool):
        """(slot_time, sc) of one pCPU's records, given as consecutive chunks."""
        slot_time = np.zeros(t.N_SCHED_SLOTS, np.int64)
        sc = t.new_sched_state()
        for w in chunks:
            self.scan.sched_chunk(np.ascontiguousarray(w, dtype=np.int64), compat, slot_time, sc)
        self.scan.sched_finish(compat, slot_time, sc)
        return slot_time, sc

    def sched_scan_file(self, w, compat: bool):
        return self.sched_scan_chunks([w], compat)

    def irq_scan(self, chunks, compat: bool) -> IrqStats:
        """External-interrupt exits per host vector over one pCPU's records, given as chunks."""
        counts = np.zeros(t.IRQ_VECTORS, np.int64)
        first = np.zeros(t.IRQ_VECTORS, np.int64)
        st = np.zeros(t.N_IRQ_STATE, np.int64)
        odd = {}  # payloads >= IRQ_VECTORS (odd input): value -> [first record index, count]
        other = _EMPTY
        for w in chunks:
            w = np.ascontiguousarray(w, dtype=np.int64)
            if len(other) < len(w):
                other = np.empty(len(w), np.int64)
            base = int(st[t.IRQ_SEEN])
            k = self.scan.irq_chunk(w, compat, counts, first, other, st)
            for v, i in zip(w[other[:k], fmt.COL_E].tolist(), other[:k].tolist()):
                odd.setdefault(v, [base + i, 0])[1] += 1
        if st[t.IRQ_SEEN] == 0:
            return IrqStats(0, 0, 0, np.zeros(0, np.int64), np.zeros(0, np.int64))
        found = {int(v): [int(first[v]), int(counts[v])] for v in np.flatnonzero(counts)}
        found.update(odd)
        order = sorted(found, key=lambda v: found[v][0])
        return IrqStats(int(st[t.IRQ_SEEN]), int(st[t.IRQ_BEGIN]) if st[t.IRQ_HAVE_BEGIN] else 0,
                        int(st[t.IRQ_END]), np.array(order, np.int64),
                        np.array([found[v][1] for v in order], np.int64), int(st[t.IRQ_NONMONOTONIC]))


_EMPTY = np.zeros(0, np.int64)
_KNOWN_SMALL = t.KNOWN_SMALL.view(np.uint8)


def _impl(backend: str):
    if backend == "numba":
        from acrn.trace import kernels

        return Loops(kernels)
    if backend == "compiled":
        from acrn.trace import scan

        return Loops(scan)
    from acrn.trace import reference

    return reference


def _map_files(func, files, parallel: bool):
    """``[func(f) for f in files]``, on threads when worthwhile (the kernels release the GIL)."""
    workers = min(len(files), os.cpu_count() or 1)
    if not parallel or workers < 2:
        return [func(f) for f in files]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(func, files))


# ---------------------------------------------------------------------------------------------------
# vm_exit
# ---------------------------------------------------------------------------------------------------
def vm_exit_scan(chunks, n_records: int, backend: str = "numpy", want_durations: bool = False, progress=None):
    """Scan one pCPU's records, given as consecutive (k, 4) int64 chunks; returns (VmExitStats,
    durations, reasons) (the last two None unless ``want_durations``).  ``progress(n)`` is called after
    each chunk with the records it covered."""
    impl = _impl(backend)
    st = t.new_state()
    stats = VmExitStats(n_records=n_records)
    durs, reasons = [], []
    for chunk in chunks:
        out = impl.vm_exit_scan_chunk(chunk, st, stats, want_durations)
        if want_durations:
            durs.append(out[0])
            reasons.append(out[1])
        if progress is not None:
            progress(len(chunk))
    stats.finish(st)
    if not want_durations:
        return stats, None, None
    cat = (lambda parts: np.concatenate(parts) if parts else np.zeros(0, np.int64))
    return stats, cat(durs), cat(reasons)


def sum_stats(stats_list) -> VmExitStats:
    """Element-wise sum (begin/end/open_at_end are per-pCPU notions and stay unset)."""
    total = VmExitStats()
    for s in stats_list:
        total.n_records += s.n_records
        for name in VmExitStats.ARRAYS:
            if name != "counters":
                getattr(total, name)[...] += getattr(s, name)
        for i in range(t.N_COUNTERS):
            if i not in (t.C_FIRST_UNKNOWN_ID, t.C_TSC_KHZ):
                total.counters[i] += s.counters[i]
    return total


@dataclass
class FileResult:
    """One pCPU file and what a scan found in it."""

    cpu: int
    path: object
    n_records: int
    stats: VmExitStats | None = None
    durations: np.ndarray | None = None
    reasons: np.ndarray | None = None


@dataclass
class VmExitAnalysis:
    files: list  # FileResult, pCPU order
    backend: str
    tsc_khz_seen: list = field(default_factory=list)  # MODEL_TSC_FREQ values found


def analyze_vm_exit(capture, backend: str = "auto", want_durations: bool = False,
                    progress=None, threads: bool = False) -> VmExitAnalysis:
    """vm_exit accumulators of every pCPU file (``threads``: one thread per file)."""
    backend = resolve_backend(backend, capture.n_records)

    def one(tf):
        stats, durs, reasons = vm_exit_scan(tf.chunks(), tf.n_records, backend, want_durations, progress)
        return FileResult(tf.cpu, tf.path, tf.n_records, stats, durs, reasons)

    files = _map_files(one, capture.files, parallel=threads)
    return VmExitAnalysis(files=files, backend=backend, tsc_khz_seen=find_tsc_khz(capture))


# ---------------------------------------------------------------------------------------------------
# cpu_usage
# ---------------------------------------------------------------------------------------------------
def analyze_cpu_usage(capture, compat: bool, backend: str = "auto") -> list:
    """[(TraceFile, SchedStats)] in pCPU order."""
    impl = _impl(resolve_backend(backend, capture.n_records))
    if isinstance(impl, Loops):
        return [(tf, SchedStats(*impl.sched_scan_chunks(tf.chunks(), compat))) for tf in capture.files]
    # the numpy reference works on whole files (memory-mapped)
    return [(tf, SchedStats(*impl.sched_scan_file(tf.words(), compat))) for tf in capture.files]


# ---------------------------------------------------------------------------------------------------
# irq (irq_analyze.py parse_trace): external-interrupt exits per vector
# ---------------------------------------------------------------------------------------------------
def analyze_irq(capture, compat: bool, backend: str = "auto") -> list:
    """[(TraceFile, IrqStats)] in pCPU order."""
    impl = _impl(resolve_backend(backend, capture.n_records))
    return [(tf, impl.irq_scan(tf.chunks(), compat)) for tf in capture.files]


# ---------------------------------------------------------------------------------------------------
# TSC frequency
# ---------------------------------------------------------------------------------------------------
#: Where MODEL_TSC_FREQ is looked for: the first records of each file (TraceWriter writes it first).
TSC_FREQ_HEAD = 16


def find_tsc_khz(capture) -> list:
    """MODEL_TSC_FREQ values (as unsigned kHz) at the head of the capture's files, one per file that
    has one; an empty list for real captures."""
    found = []
    for tf in capture.files:
        if not tf.n_records:
            continue
        hw = fmt.words(tf.records[:TSC_FREQ_HEAD])
        hit = np.flatnonzero((hw[:, fmt.COL_ID] & fmt.ID_MASK) == ev.MODEL_TSC_FREQ)
        if len(hit):
            found.append(int(hw[hit[0], fmt.COL_E]) & 0xFFFFFFFFFFFFFFFF)
    return found


# ---------------------------------------------------------------------------------------------------
# Latency: exit durations, kick -> next VM exit on the target, request made -> handled
# ---------------------------------------------------------------------------------------------------
PERCENTILES = (("p50", 50, 100), ("p90", 90, 100), ("p99", 99, 100), ("p99.9", 999, 1000))


def summarize(values: np.ndarray) -> dict:
    """count, min, nearest-rank percentiles, max, mean of integer samples (cycles)."""
    values = np.asarray(values, np.int64)
    n = len(values)
    out = {"count": n}
    if n == 0:
        return out
    ranks = [max((num * n + den - 1) // den - 1, 0) for _, num, den in PERCENTILES]
    part = np.partition(values, sorted(set(ranks + [0, n - 1])))
    out["min"] = int(part[0])
    for (name, _, _), r in zip(PERCENTILES, ranks):
        out[name] = int(part[r])
    out["max"] = int(part[n - 1])
    out["mean"] = float(values.mean())
    return out


def log2_histogram(values: np.ndarray) -> list:
    """[(lower bound, count)] over power-of-two buckets [2**k, 2**(k+1)) (bucket 0 holds 0 and 1)."""
    values = np.asarray(values, np.int64)
    if len(values) == 0:
        return []
    k = np.zeros(len(values), np.int64)
    pos = values > 1
    k[pos] = np.frexp(values[pos].astype(np.float64))[1] - 1
    counts = np.bincount(k)
    return [(0 if i == 0 else 1 << i, int(cnt)) for i, cnt in enumerate(counts) if cnt]


@dataclass
class LatencyAnalysis:
    exit_durations: dict  # reason -> np.ndarray of cycles
    kicks: dict  # mode -> {"latency": array, "no_exit": n, "in_root": n, "untraced": n, "total": n}
    requests: dict  # bit -> {"latency": array, "pending": n, "total": n}
    event_counts: dict  # model event name -> count
    spurious_guest_interrupts: int
    violations: dict  # invariant code -> count
    tsc_khz_seen: list
    exit_stats: VmExitAnalysis


def _select(words, event_id):
    return words[(words[:, fmt.COL_ID] & fmt.ID_MASK) == event_id]


def match_kicks(kick_tsc, kick_target, exits_by_cpu, enters_by_cpu):
    """Vectorised :func:`acrn.trace.reference.kick_latencies_loop`: (category, latency) arrays where
    category is 0 = target in non-root and exited (latency valid), 1 = in non-root but no later exit,
    2 = target in root mode at the kick, 3 = target pCPU not in the capture."""
    n = len(kick_tsc)
    cat = np.full(n, 3, np.int64)
    lat = np.full(n, -1, np.int64)
    for target in np.unique(kick_target):
        sel = np.flatnonzero(kick_target == target)
        if int(target) not in exits_by_cpu:
            continue
        xs, es = exits_by_cpu[int(target)], enters_by_cpu[int(target)]
        tk = kick_tsc[sel]
        zeros = np.zeros(len(tk), np.int64)
        ix = np.searchsorted(xs, tk, "right") - 1  # last VM_EXIT at or before the kick
        ie = np.searchsorted(es, tk, "right") - 1  # last VM_ENTER at or before the kick
        last_x = xs[np.maximum(ix, 0)] if len(xs) else zeros
        last_e = es[np.maximum(ie, 0)] if len(es) else zeros
        in_guest = (ie >= 0) & ((ix < 0) | (last_e > last_x))
        nxt = np.searchsorted(xs, tk, "left")
        exited = in_guest & (nxt < len(xs))
        c = np.where(in_guest, 1, 2)
        c[exited] = 0
        cat[sel] = c
        lat[sel[exited]] = xs[nxt[exited]] - tk[exited]
    return cat, lat


def match_requests(made_tsc, made_key, handled_tsc, handled_key):
    """Vectorised :func:`acrn.trace.reference.request_latencies_loop`: latency per made request, -1 when
    no matching REQUEST_HANDLED follows."""
    lat = np.full(len(made_tsc), -1, np.int64)
    for key in np.unique(made_key):
        sel = np.flatnonzero(made_key == key)
        hs = np.sort(handled_tsc[handled_key == key])
        j = np.searchsorted(hs, made_tsc[sel], "left")
        ok = j < len(hs)
        lat[sel[ok]] = hs[j[ok]] - made_tsc[sel[ok]]
    return lat


def analyze_latency(capture, backend: str = "auto", progress=None) -> LatencyAnalysis:
    exits = analyze_vm_exit(capture, backend, want_durations=True, progress=progress)
    durations = {}
    all_d = [f.durations for f in exits.files if f.durations is not None and len(f.durations)]
    all_r = [f.reasons for f in exits.files if f.reasons is not None and len(f.reasons)]
    if all_d:
        d, r = np.concatenate(all_d), np.concatenate(all_r)
        order = np.argsort(r, kind="stable")
        d, r = d[order], r[order]
        bounds = np.flatnonzero(np.diff(r)) + 1
        for part_d, part_r in zip(np.split(d, bounds), np.split(r, bounds)):
            durations[int(part_r[0])] = part_d

    exits_by_cpu, enters_by_cpu = {}, {}
    kick_rows, made_rows, handled_rows = [], [], []
    counts = {name: 0 for name in ("NMI_LATCHED", "NMI_WINDOW_ARMED", "GUEST_INTERRUPT", "INVARIANT_VIOLATION",
                                   "GUEST_NMI_RAISED", "GUEST_NMI_FILTERED", "GUEST_NMI_DROPPED")}
    spurious = 0
    violations = {}
    for tf in capture.files:
        w = tf.words()
        ids = w[:, fmt.COL_ID] & fmt.ID_MASK
        exits_by_cpu[tf.cpu] = np.sort(w[ids == ev.TRACE_VM_EXIT, fmt.COL_TSC])
        enters_by_cpu[tf.cpu] = np.sort(w[ids == ev.TRACE_VM_ENTER, fmt.COL_TSC])
        model = np.flatnonzero(ids > ev.MODEL_EVENT_BASE)
        mw, mid = w[model], ids[model]
        kick_rows.append(mw[mid == ev.KICK_SENT])
        made_rows.append(mw[mid == ev.REQUEST_MADE])
        handled_rows.append(mw[mid == ev.REQUEST_HANDLED])
        for name in counts:
            counts[name] += int(np.count_nonzero(mid == ev.BY_NAME[name].id))
        gi = mw[mid == ev.GUEST_INTERRUPT]
        spurious += int(np.count_nonzero((gi[:, fmt.COL_F] >> 32) & 0xFFFFFFFF))
        for e in mw[mid == ev.INVARIANT_VIOLATION, fmt.COL_E]:
            code = int(e) & 0xFFFFFFFF
            violations[code] = violations.get(code, 0) + 1

    kicks = {}
    kw = np.concatenate(kick_rows) if kick_rows else np.zeros((0, 4), np.int64)
    if len(kw):
        target = kw[:, fmt.COL_E] & 0xFFFFFFFF
        mode = (kw[:, fmt.COL_E] >> 32) & 0xFFFFFFFF
        cat, lat = match_kicks(kw[:, fmt.COL_TSC], target, exits_by_cpu, enters_by_cpu)
        for m in np.unique(mode):
            sel = mode == m
            kicks[int(m)] = {"total": int(sel.sum()), "latency": lat[sel & (cat == 0)],
                             "no_exit": int(np.count_nonzero(sel & (cat == 1))),
                             "in_root": int(np.count_nonzero(sel & (cat == 2))),
                             "untraced": int(np.count_nonzero(sel & (cat == 3)))}

    requests = {}
    mw = np.concatenate(made_rows) if made_rows else np.zeros((0, 4), np.int64)
    hw = np.concatenate(handled_rows) if handled_rows else np.zeros((0, 4), np.int64)
    if len(mw):
        mk, hk = _req_keys(mw, hw)
        lat = match_requests(mw[:, fmt.COL_TSC], mk, hw[:, fmt.COL_TSC], hk)
        bit = mw[:, fmt.COL_F] & 0xFFFFFFFF
        for b in np.unique(bit):
            sel = bit == b
            requests[int(b)] = {"total": int(sel.sum()), "latency": lat[sel & (lat >= 0)],
                                "pending": int(np.count_nonzero(sel & (lat < 0)))}
    return LatencyAnalysis(durations, kicks, requests, counts, spurious, violations,
                           exits.tsc_khz_seen, exits)


def _req_keys(made: np.ndarray, handled: np.ndarray) -> tuple:
    """One int64 per distinct (vm, vcpu, bit) of REQUEST_MADE / REQUEST_HANDLED records (4I: a = vm,
    b = vcpu, c = bit; each a full u32), numbered over both sets so that equal triples get equal keys."""
    rows = np.concatenate([made, handled])
    triple = np.stack([rows[:, fmt.COL_E] & 0xFFFFFFFF, (rows[:, fmt.COL_E] >> 32) & 0xFFFFFFFF,
                       rows[:, fmt.COL_F] & 0xFFFFFFFF], axis=1)
    if len(triple) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    _, key = np.unique(triple, axis=0, return_inverse=True)
    key = key.reshape(-1).astype(np.int64)
    return key[:len(made)], key[len(made):]
