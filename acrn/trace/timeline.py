"""Chrome trace-event JSON of a capture, for Perfetto (ui.perfetto.dev) or chrome://tracing.

One process, one track (thread) per pCPU.  On each track: a slice per VM exit (TRACE_VM_EXIT ->
TRACE_VM_ENTER) named by its SDM exit reason, a slice per stay in the guest (TRACE_VM_ENTER ->
TRACE_VM_EXIT) named by the vCPU running (VCPU_RUN / TRACE_SCHED_NEXT); each KICK_SENT is an arrow (flow)
from the sender to the target's next VM exit (or to the target at the kick when it was not in the guest);
requests and the other model events are instant events.  Times are microseconds since the capture's
first TSC.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from acrn.trace import events as ev
from acrn.trace import format as fmt
from acrn.trace import reference
from acrn.trace import tables as t

PID = 1
_U64 = (1 << 64) - 1
# Times are written as microseconds with three decimals, from integer nanoseconds: a slice's duration is
# its rounded end minus its rounded start, so consecutive slices on a track never overlap.
_EXIT_SLICE = ('{"ph":"X","pid":%d,"tid":%d,"ts":%s,"dur":%s,"name":"%s","cat":"vmexit",'
               '"args":{"reason":%d,"rip":"0x%x"}}')
_GUEST_SLICE = '{"ph":"X","pid":%d,"tid":%d,"ts":%s,"dur":%s,"name":"%s","cat":"guest"}'
_INSTANT = '{"ph":"i","s":"%s","pid":%d,"tid":%d,"ts":%s,"name":"%s","cat":"%s"}'
_FLOW_START = '{"ph":"s","id":%d,"pid":%d,"tid":%d,"ts":%s,"name":"%s","cat":"kick"}'
_FLOW_END = '{"ph":"f","bp":"e","id":%d,"pid":%d,"tid":%d,"ts":%s,"name":"%s","cat":"kick"}'


@dataclass
class TimelineSummary:
    events: int = 0
    slices: int = 0
    flows: int = 0
    instants: int = 0
    warnings: list = field(default_factory=list)


def _vm_label(vm: int, names: dict) -> str:
    """A VM as the scenario names it (VM_NAME records), else ``vm<id>``."""
    return json.dumps(names[vm])[1:-1] if vm in names else "vm%d" % vm


def _ctx_name(ctx: int, names: dict) -> str:
    if ctx == t.CTX_IDLE:
        return "idle"
    if ctx == t.CTX_UNKNOWN:
        return "guest"
    vm, vcpu = t.ctx_vm_vcpu(ctx)
    return "%s:vcpu%s" % (_vm_label(vm, names), "?" if vcpu is None else vcpu)


def _instant_name(event_id: int, e: int, f: int, names: dict) -> str:
    a, b, cc, d = ev.unpack_4i(e & 0xFFFFFFFFFFFFFFFF, f & 0xFFFFFFFFFFFFFFFF)
    if event_id in (ev.REQUEST_MADE, ev.REQUEST_HANDLED):
        what = "made" if event_id == ev.REQUEST_MADE else "handled"
        return "request %s %s:vcpu%d %s" % (what, _vm_label(a, names), b, ev.request_name(cc))
    if event_id == ev.NMI_LATCHED:
        return "NMI latched (source %d)" % b
    if event_id == ev.NMI_WINDOW_ARMED:
        return "NMI window armed %s:vcpu%d" % (_vm_label(a, names), b)
    if event_id == ev.GUEST_INTERRUPT:
        vec = "NMI" if cc == ev.GUEST_NMI_VECTOR else "vector 0x%x" % cc
        return "guest %s %s:vcpu%d%s" % (vec, _vm_label(a, names), b, " (spurious)" if d else "")
    if event_id == ev.INVARIANT_VIOLATION:
        who = "" if b == 0xFFFFFFFF else " %s:vcpu%d" % (_vm_label(b, names), cc)
        return "INVARIANT VIOLATION %s%s" % (ev.INVARIANT_NAMES.get(a, "code %d" % a), who)
    return ev.event_name(event_id)


_INSTANT_IDS = (ev.REQUEST_MADE, ev.REQUEST_HANDLED, ev.NMI_LATCHED, ev.NMI_WINDOW_ARMED, ev.GUEST_INTERRUPT,
                ev.INVARIANT_VIOLATION)


@dataclass
class _CpuTrack:
    """What one pCPU file contributes, as arrays (nothing formatted yet)."""

    cpu: int
    exit_ts: np.ndarray  # VM exit slices: start, end, reason, RIP
    exit_end: np.ndarray
    exit_reason: np.ndarray
    exit_rip: np.ndarray
    guest_ts: np.ndarray  # guest slices: start, end, context
    guest_end: np.ndarray
    guest_ctx: np.ndarray
    instants: np.ndarray  # (n, 4) records of the instant events
    kicks: np.ndarray  # (n, 4) KICK_SENT records
    exits: np.ndarray  # sorted VM_EXIT TSCs (kick targets)
    enters: np.ndarray  # sorted VM_ENTER TSCs
    vm_names: dict  # VM id -> name, from VM_NAME records


def _track(tf, summary: TimelineSummary) -> _CpuTrack:
    w = tf.words()
    ids = w[:, fmt.COL_ID] & fmt.ID_MASK
    tsc_col = w[:, fmt.COL_TSC]
    is_x = ids == ev.TRACE_VM_EXIT
    is_e = ids == ev.TRACE_VM_ENTER
    pos = np.flatnonzero(is_x | is_e)
    kx = is_x[pos]
    ts = tsc_col[pos]
    ctx_pos = np.flatnonzero((ids == ev.VCPU_RUN) | (ids == ev.TRACE_SCHED_NEXT))
    ctx_e = w[ctx_pos, fmt.COL_E]
    ctx_val = np.where(ids[ctx_pos] == ev.VCPU_RUN, reference.vcpu_ctx(ctx_e), reference.sched_ctx(ctx_e))
    ctx = reference.last_before(ctx_pos, ctx_val, pos, t.CTX_UNKNOWN)
    # A slice is a pair of consecutive VM_EXIT/VM_ENTER records whose time does not go backwards
    pair = np.zeros(len(pos), np.bool_)
    if len(pos) > 1:
        pair[:-1] = ts[1:] >= ts[:-1]
    xi = np.flatnonzero(pair[:-1] & kx[:-1] & ~kx[1:]) if len(pos) > 1 else np.zeros(0, np.int64)
    gi = np.flatnonzero(pair[:-1] & ~kx[:-1] & kx[1:]) if len(pos) > 1 else np.zeros(0, np.int64)
    unpaired = int(np.count_nonzero(kx[:-1] & kx[1:])) if len(pos) > 1 else 0
    if unpaired:
        summary.warnings.append("pCPU %d (%s): %d VM exits without VM_ENTER left off the timeline"
                                % (tf.cpu, tf.path, unpaired))
    return _CpuTrack(
        cpu=tf.cpu, exit_ts=ts[xi], exit_end=ts[xi + 1], exit_reason=w[pos[xi], fmt.COL_E] & t.REASON_MASK,
        exit_rip=w[pos[xi], fmt.COL_F], guest_ts=ts[gi], guest_end=ts[gi + 1], guest_ctx=ctx[gi],
        instants=w[np.isin(ids, _INSTANT_IDS)], kicks=w[ids == ev.KICK_SENT],
        exits=np.sort(tsc_col[is_x]), enters=np.sort(tsc_col[is_e]),
        vm_names=dict(ev.vm_name_of(int(r[fmt.COL_E]), int(r[fmt.COL_F])) for r in w[ids == ev.VM_NAME]))


def _kick_end(k_tsc: int, target: _CpuTrack) -> int:
    """Where a kick's arrow lands: the target's next VM exit if it was in the guest, else the kick's time."""
    xs, es = target.exits, target.enters
    ix = np.searchsorted(xs, k_tsc, "right") - 1
    ie = np.searchsorted(es, k_tsc, "right") - 1
    in_guest = ie >= 0 and (ix < 0 or es[ie] > xs[ix])
    j = np.searchsorted(xs, k_tsc, "left")
    return int(xs[j]) if in_guest and j < len(xs) else k_tsc


def build_events(capture, tsc, max_events: int | None = None, progress=None) -> tuple:
    """([(tsc, json text)] sorted by time, TimelineSummary).  With ``max_events``, only the earliest
    events are formatted (a kick's arrow goes with the kick).  ``progress(n)``: slices formatted."""
    summary = TimelineSummary()
    tracks = {tf.cpu: _track(tf, summary) for tf in capture.files if tf.n_records}
    names = {}
    for tr in tracks.values():
        names.update(tr.vm_names)
    t0 = min((int(tf.words()[:, fmt.COL_TSC].min()) for tf in capture.files if tf.n_records), default=0)
    ns_per_cycle = 1e6 / tsc.khz

    def ns(x) -> int:
        """Nanoseconds since the first record, rounded."""
        return int(round((int(x) - t0) * ns_per_cycle))

    def us(x):
        return ns(x) / 1000.0

    parts = [(tr.exit_ts, 1) for tr in tracks.values()] + [(tr.guest_ts, 1) for tr in tracks.values()]
    parts += [(tr.instants[:, fmt.COL_TSC], 1) for tr in tracks.values()]
    parts += [(tr.kicks[:, fmt.COL_TSC], 3) for tr in tracks.values()]
    starts = np.concatenate([np.repeat(p, k) for p, k in parts]) if parts else np.zeros(0, np.int64)
    total = len(starts)
    cutoff = None
    if max_events is not None and total > max_events:
        cutoff = int(np.partition(starts, max_events)[max_events])
        summary.warnings.append("timeline cut at %.3f us after the first record: %d of %d events kept "
                                "(raise --max-events for more)" % (us(cutoff), max_events, total))

    def keep(times):
        return np.ones(len(times), np.bool_) if cutoff is None else times < cutoff

    out = []
    for tr in tracks.values():
        kept_exits = np.flatnonzero(keep(tr.exit_ts))
        for i in kept_exits:
            r = int(tr.exit_reason[i])
            start, stop = ns(tr.exit_ts[i]), ns(tr.exit_end[i])
            out.append((int(tr.exit_ts[i]), _EXIT_SLICE % (PID, tr.cpu, _us_text(start), _us_text(stop - start),
                                                           ev.exit_reason_label(r), r, int(tr.exit_rip[i]) & _U64)))
        kept_guest = np.flatnonzero(keep(tr.guest_ts))
        for i in kept_guest:
            start, stop = ns(tr.guest_ts[i]), ns(tr.guest_end[i])
            out.append((int(tr.guest_ts[i]), _GUEST_SLICE % (PID, tr.cpu, _us_text(start), _us_text(stop - start),
                                                             _ctx_name(int(tr.guest_ctx[i]), names))))
        summary.slices += len(kept_exits) + len(kept_guest)
        if progress is not None:
            progress(len(kept_exits) + len(kept_guest))
        for rec in tr.instants[keep(tr.instants[:, fmt.COL_TSC])]:
            event_id = int(rec[fmt.COL_ID]) & fmt.ID_MASK
            scope = "g" if event_id == ev.INVARIANT_VIOLATION else "t"
            name = _instant_name(event_id, int(rec[fmt.COL_E]), int(rec[fmt.COL_F]), names)
            at = int(rec[fmt.COL_TSC])
            out.append((at, _INSTANT % (scope, PID, tr.cpu, _us_text(ns(at)), name, "model")))
            summary.instants += 1
    flow_id = 0
    for tr in tracks.values():
        for rec in tr.kicks[keep(tr.kicks[:, fmt.COL_TSC])]:
            k_tsc, e = int(rec[fmt.COL_TSC]), int(rec[fmt.COL_E])
            target, mode = e & 0xFFFFFFFF, (e >> 32) & 0xFFFFFFFF
            name = "kick %s -> pCPU %d" % (ev.KICK_MODES.get(mode, "mode%d" % mode), target)
            out.append((k_tsc, _INSTANT % ("t", PID, tr.cpu, _us_text(ns(k_tsc)), name, "kick")))
            if target not in tracks:
                summary.warnings.append("kick to pCPU %d, which is not in the capture: no arrow" % target)
                continue
            flow_id += 1
            end = _kick_end(k_tsc, tracks[target])
            out.append((k_tsc, _FLOW_START % (flow_id, PID, tr.cpu, _us_text(ns(k_tsc)), name)))
            out.append((end, _FLOW_END % (flow_id, PID, target, _us_text(ns(end)), name)))
            summary.flows += 1
    out.sort(key=lambda item: item[0])
    if max_events is not None and len(out) > max_events:
        del out[max_events:]  # ties at the cut
    return out, summary


def _us_text(ns: int) -> str:
    """Integer nanoseconds as microseconds with three decimals (exact: no float rounding)."""
    return "%s%d.%03d" % (("-" if ns < 0 else "",) + divmod(abs(ns), 1000))


class NothingOnTimeline(ValueError):
    """The capture has no record the timeline can show (nothing is written)."""


def write_timeline(capture, tsc, path, max_events: int = 2_000_000, progress=None) -> TimelineSummary:
    """Write the timeline of ``capture`` to ``path`` atomically; at most ``max_events`` events (the earliest).
    The summary counts what was written.  Raises NothingOnTimeline, writing nothing, when there is
    nothing to show."""
    events, summary = build_events(capture, tsc, max_events, progress)
    summary.events = len(events)
    if not events:
        raise NothingOnTimeline("%s: nothing to put on a timeline: no records" % capture.path)
    meta = ['{"ph":"M","pid":%d,"name":"process_name","args":{"name":%s}}'
            % (PID, json.dumps("acrn-model %s" % capture.path))]
    for tf in capture.files:
        meta.append('{"ph":"M","pid":%d,"tid":%d,"name":"thread_name","args":{"name":"pCPU %d"}}'
                    % (PID, tf.cpu, tf.cpu))
        meta.append('{"ph":"M","pid":%d,"tid":%d,"name":"thread_sort_index","args":{"sort_index":%d}}'
                    % (PID, tf.cpu, tf.cpu))
    with fmt.AtomicOutput(path, "w") as out:
        out.write('{"traceEvents":[\n')
        out.write(",\n".join(meta + [text for _, text in events]))
        out.write('\n],"displayTimeUnit":"ns","otherData":%s}\n'
                  % json.dumps({"capture": str(capture.path), "tsc_mhz": tsc.mhz}))
    return summary
