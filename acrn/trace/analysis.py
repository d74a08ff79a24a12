"""Run the analyses over a capture: per-pCPU scans on the chosen backend (:mod:`acrn.trace.backend`),
cross-pCPU latency matching, the TSC frequency recorded in the capture.

The vm_exit, irq and cpu_usage analyses on the compiled backend import no numpy (a short run is mostly
start-up, and numpy's import would be most of it): the records come as memoryviews
(:meth:`acrn.trace.reader.TraceFile.blocks`) and the accumulators are ``array.array``
(:mod:`acrn.trace.tables`).  The latency analysis, the numba and the numpy backends use numpy.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from acrn.trace import events as ev
from acrn.trace import format as fmt
from acrn.trace import tables as t
from acrn.trace.backend import resolve_backend
from acrn.trace.results import IrqStats, SchedStats, VmExitStats
from acrn.trace.scan import add_into


def flat_words(w) -> memoryview:
    """Records ``w`` ((n, 4) int64: a memoryview of :meth:`~acrn.trace.reader.TraceFile.blocks` or a numpy
    array) as one flat int64 memoryview, without copying when ``w`` is C-contiguous."""
    m = memoryview(w)
    if m.nbytes == 0:
        return memoryview(_EMPTY)
    if not m.c_contiguous:
        import numpy as np

        m = memoryview(np.ascontiguousarray(w, dtype=np.int64))
    return m if m.ndim == 1 else m.cast("B").cast("l")


def row_words(w) -> memoryview:
    """Records ``w`` as a C-contiguous (n, 4) int64 memoryview (see :func:`flat_words`); not empty."""
    m = flat_words(w)
    return m.cast("B").cast("l", (len(m) // 4, 4))


_EMPTY = t.zeros(0)


class Loops:
    """The record loops of :mod:`acrn.trace.scan` as one backend: ``scan`` is the Cython build
    (``acrn.trace.scan`` itself), the numba build (:mod:`acrn.trace.kernels`) or the interpreted source
    (``ACRN_MODEL_PURE=1``).  The compiled build takes the memoryviews and arrays as they are; the
    others get numpy views of the same memory (numba types them; interpreted, numpy's int64 scalars wrap
    around as C's longs do, so both builds count alike on corrupt TSCs)."""

    def __init__(self, scan):
        self.scan = scan
        self.arg = _as_numpy if scan.__file__.endswith(".py") else _same

    def vm_exit_scan_chunk(self, w, st, stats, want_durations=False):
        """:func:`acrn.trace.scan.vm_exit_chunk` on ``w`` into ``stats`` (a VmExitStats); returns
        (durations, reasons) numpy arrays when ``want_durations``."""
        a = self.arg
        w = flat_words(w)
        if want_durations:
            import numpy as np

            dur = np.empty(len(w) // 4, np.int64)
            rea = np.empty(len(w) // 4, np.int64)
        else:
            dur = rea = _EMPTY
        nd = self.scan.vm_exit_chunk_nogil(a(w), a(st), a(stats.counters), a(stats.exits), a(stats.completed),
                                           a(stats.exit_cycles), a(stats.compat_events), a(stats.compat_cycles),
                                           a(stats.ctx_exits), a(stats.ctx_exit_cycles), a(stats.ctx_guest_cycles),
                                           a(t.HANDLER_SLOT), a(t.KNOWN_SMALL), a(dur), a(rea), want_durations)
        return (dur[:nd].copy(), rea[:nd].copy()) if want_durations else None

    def sched_scan_chunks(self, chunks, compat: bool):
        """(slot_time, sc) of one pCPU's records, given as consecutive chunks."""
        a = self.arg
        slot_time = t.zeros(t.N_SCHED_SLOTS)
        sc = t.new_sched_state()
        for w in chunks:
            if len(w):  # (an empty chunk changes nothing)
                self.scan.sched_chunk_nogil(a(row_words(w)), compat, a(slot_time), a(sc))
        self.scan.sched_finish(compat, a(slot_time), a(sc))
        return slot_time, sc

    def sched_scan_file(self, w, compat: bool):
        return self.sched_scan_chunks([w], compat)

    def irq_scan(self, chunks, compat: bool) -> IrqStats:
        """External-interrupt exits per host vector over one pCPU's records, given as chunks."""
        a = self.arg
        counts = t.zeros(t.IRQ_VECTORS)
        first = t.zeros(t.IRQ_VECTORS)
        st = t.zeros(t.N_IRQ_STATE)
        odd = {}  # payloads >= IRQ_VECTORS (odd input): value -> [first record index, count]
        other = t.zeros(0)
        for w in chunks:
            if not len(w):
                continue  # (an empty chunk changes nothing)
            w = row_words(w)
            if len(other) < len(w):
                other = t.zeros(len(w))
            base = st[t.IRQ_SEEN]
            k = self.scan.irq_chunk_nogil(a(w), compat, a(counts), a(first), a(other), a(st))
            for i in other[:k]:
                odd.setdefault(w[i, fmt.COL_E], [base + i, 0])[1] += 1
        if st[t.IRQ_SEEN] == 0:
            return IrqStats(0, 0, 0, t.zeros(0), t.zeros(0))
        found = {v: [first[v], counts[v]] for v in range(t.IRQ_VECTORS) if counts[v]}
        found.update(odd)
        order = sorted(found, key=lambda v: found[v][0])
        return IrqStats(st[t.IRQ_SEEN], st[t.IRQ_BEGIN] if st[t.IRQ_HAVE_BEGIN] else 0, st[t.IRQ_END],
                        t.array_of(order), t.array_of([found[v][1] for v in order]), st[t.IRQ_NONMONOTONIC])


def _same(x):
    return x


def _as_numpy(x):
    """A numpy view of a buffer (int64 or bytes, any shape)."""
    import numpy as np

    return np.asarray(x)


def _impl(backend: str):
    if backend == "numba":
        from acrn.trace import kernels

        return Loops(kernels)
    if backend == "compiled":
        from acrn.trace import scan

        return Loops(scan)
    from acrn.trace import reference

    return reference


#: Files are scanned on threads from this many records on (below, a scan takes less than starting them).
THREADS_MIN_RECORDS = 1 << 18


def file_workers(files) -> int:
    """How many threads scan ``files``: one per file, at most one per CPU."""
    return min(len(files), os.cpu_count() or 1)


def _map_files(func, files, parallel: bool):
    """``[func(f) for f in files]``, on threads when worthwhile (the kernels release the GIL)."""
    workers = file_workers(files)
    if not parallel or workers < 2 or sum(f.n_records for f in files) < THREADS_MIN_RECORDS:
        return [func(f) for f in files]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(func, files))


# ---------------------------------------------------------------------------------------------------
# vm_exit
# ---------------------------------------------------------------------------------------------------
def _chunks(impl, tf):
    """``tf``'s records as the backend ``impl`` takes them: memoryviews for the loops, numpy arrays for
    the numpy references."""
    return tf.blocks() if isinstance(impl, Loops) else tf.chunks()


def vm_exit_scan(chunks, n_records: int, backend: str = "numpy", want_durations: bool = False, progress=None):
    """Scan one pCPU's records, given as consecutive (k, 4) int64 chunks (memoryviews or numpy arrays);
    returns (VmExitStats,
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
    import numpy as np

    cat = (lambda parts: np.concatenate(parts) if parts else np.zeros(0, np.int64))
    return stats, cat(durs), cat(reasons)


def sum_stats(stats_list) -> VmExitStats:
    """Element-wise sum (begin/end/open_at_end are per-pCPU notions and stay unset)."""
    total = VmExitStats()
    for s in stats_list:
        total.n_records += s.n_records
        for name in VmExitStats.ARRAYS:
            if name != "counters":
                add_into(getattr(total, name), getattr(s, name))
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
    durations: object = None  # numpy arrays, when asked for
    reasons: object = None


@dataclass
class VmExitAnalysis:
    files: list  # FileResult, pCPU order
    backend: str
    tsc_khz_seen: list = field(default_factory=list)  # MODEL_TSC_FREQ values found


def analyze_vm_exit(capture, backend: str = "auto", want_durations: bool = False,
                    progress=None, threads: bool = False) -> VmExitAnalysis:
    """vm_exit accumulators of every pCPU file (``threads``: one thread per file)."""
    backend = resolve_backend(backend, capture.n_records)
    impl = _impl(backend)

    def one(tf):
        stats, durs, reasons = vm_exit_scan(_chunks(impl, tf), tf.n_records, backend, want_durations, progress)
        return FileResult(tf.cpu, tf.path, tf.n_records, stats, durs, reasons)

    files = _map_files(one, capture.files, parallel=threads)
    return VmExitAnalysis(files=files, backend=backend, tsc_khz_seen=find_tsc_khz(capture))


# ---------------------------------------------------------------------------------------------------
# cpu_usage
# ---------------------------------------------------------------------------------------------------
def analyze_cpu_usage(capture, compat: bool, backend: str = "auto", threads: bool = False) -> list:
    """[(TraceFile, SchedStats)] in pCPU order (``threads``: one thread per file)."""
    impl = _impl(resolve_backend(backend, capture.n_records))
    if isinstance(impl, Loops):
        def one(tf):
            return tf, SchedStats(*impl.sched_scan_chunks(tf.blocks(), compat))
    else:
        def one(tf):  # the numpy reference works on whole files (memory-mapped)
            return tf, SchedStats(*impl.sched_scan_file(tf.words(), compat))
    return _map_files(one, capture.files, parallel=threads)


# ---------------------------------------------------------------------------------------------------
# irq (irq_analyze.py parse_trace): external-interrupt exits per vector
# ---------------------------------------------------------------------------------------------------
def analyze_irq(capture, compat: bool, backend: str = "auto", threads: bool = False) -> list:
    """[(TraceFile, IrqStats)] in pCPU order (``threads``: one thread per file)."""
    impl = _impl(resolve_backend(backend, capture.n_records))
    return _map_files(lambda tf: (tf, impl.irq_scan(_chunks(impl, tf), compat)), capture.files, parallel=threads)


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
        for _, id_word, e, _ in tf.head(TSC_FREQ_HEAD):
            if id_word & fmt.ID_MASK == ev.MODEL_TSC_FREQ:
                found.append(e)
                break
    return found


# ---------------------------------------------------------------------------------------------------
# Latency: exit durations, kick -> next VM exit on the target, request made -> handled
# ---------------------------------------------------------------------------------------------------
PERCENTILES = (("p50", 50, 100), ("p90", 90, 100), ("p99", 99, 100), ("p99.9", 999, 1000))


def summarize(values) -> dict:
    """count, min, nearest-rank percentiles, max, mean of integer samples (cycles)."""
    import numpy as np

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


def log2_histogram(values) -> list:
    """[(lower bound, count)] over power-of-two buckets [2**k, 2**(k+1)) (bucket 0 holds 0 and 1)."""
    import numpy as np

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
    import numpy as np

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
    import numpy as np

    lat = np.full(len(made_tsc), -1, np.int64)
    for key in np.unique(made_key):
        sel = np.flatnonzero(made_key == key)
        hs = np.sort(handled_tsc[handled_key == key])
        j = np.searchsorted(hs, made_tsc[sel], "left")
        ok = j < len(hs)
        lat[sel[ok]] = hs[j[ok]] - made_tsc[sel[ok]]
    return lat


def analyze_latency(capture, backend: str = "auto", progress=None) -> LatencyAnalysis:
    import numpy as np

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


def _req_keys(made, handled) -> tuple:
    """One int64 per distinct (vm, vcpu, bit) of REQUEST_MADE / REQUEST_HANDLED records (4I: a = vm,
    b = vcpu, c = bit; each a full u32), numbered over both sets so that equal triples get equal keys."""
    import numpy as np

    rows = np.concatenate([made, handled])
    triple = np.stack([rows[:, fmt.COL_E] & 0xFFFFFFFF, (rows[:, fmt.COL_E] >> 32) & 0xFFFFFFFF,
                       rows[:, fmt.COL_F] & 0xFFFFFFFF], axis=1)
    if len(triple) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    _, key = np.unique(triple, axis=0, return_inverse=True)
    key = key.reshape(-1).astype(np.int64)
    return key[:len(made)], key[len(made):]
