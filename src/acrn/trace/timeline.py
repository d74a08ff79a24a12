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

from acrn.arch_x86 import consts as c
from acrn.trace import events as ev
from acrn.trace import format as fmt
from acrn.trace import reference
from acrn.trace import tables as t

PID = 1


@dataclass
class TimelineSummary:
    events: int = 0
    slices: int = 0
    flows: int = 0
    instants: int = 0
    warnings: list = field(default_factory=list)


def _ctx_name(ctx: int) -> str:
    if ctx == t.CTX_IDLE:
        return "idle"
    if ctx == t.CTX_UNKNOWN:
        return "guest"
    vm, vcpu = t.ctx_vm_vcpu(ctx)
    return "vm%d:vcpu%s" % (vm, "?" if vcpu is None else vcpu)


def _instant_name(event_id: int, e: int, f: int) -> str:
    a, b, cc, d = ev.unpack_4i(e & 0xFFFFFFFFFFFFFFFF, f & 0xFFFFFFFFFFFFFFFF)
    if event_id in (ev.REQUEST_MADE, ev.REQUEST_HANDLED):
        what = "made" if event_id == ev.REQUEST_MADE else "handled"
        return "request %s vm%d:vcpu%d bit %d" % (what, a, b, cc)
    if event_id == ev.NMI_LATCHED:
        return "NMI latched (source %d)" % b
    if event_id == ev.NMI_WINDOW_ARMED:
        return "NMI window armed vm%d:vcpu%d" % (a, b)
    if event_id == ev.GUEST_INTERRUPT:
        vec = "NMI" if cc == ev.GUEST_NMI_VECTOR else "vector 0x%x" % cc
        return "guest %s vm%d:vcpu%d%s" % (vec, a, b, " (spurious)" if d else "")
    if event_id == ev.INVARIANT_VIOLATION:
        return "INVARIANT VIOLATION %d" % (e & 0xFFFFFFFF)
    return ev.event_name(event_id)


_INSTANT_IDS = (ev.REQUEST_MADE, ev.REQUEST_HANDLED, ev.NMI_LATCHED, ev.NMI_WINDOW_ARMED, ev.GUEST_INTERRUPT,
                ev.INVARIANT_VIOLATION)


def build_events(capture, tsc) -> tuple:
    """([(tsc, json text)], TimelineSummary) of the whole capture, unsorted."""
    out = []
    summary = TimelineSummary()
    t0 = min((int(tf.words()[:, 0].min()) for tf in capture.files if tf.n_records), default=0)
    per_us = tsc.khz / 1000.0

    def us(x):
        return (int(x) - t0) / per_us

    exits_by_cpu, enters_by_cpu, kicks = {}, {}, []
    for tf in capture.files:
        w = tf.words()
        if not len(w):
            continue
        cpu = tf.cpu
        ids = w[:, fmt.COL_ID] & fmt.ID_MASK
        tsc_col = w[:, fmt.COL_TSC]
        is_x = ids == ev.TRACE_VM_EXIT
        is_e = ids == ev.TRACE_VM_ENTER
        exits_by_cpu[cpu] = np.sort(tsc_col[is_x])
        enters_by_cpu[cpu] = np.sort(tsc_col[is_e])
        pos = np.flatnonzero(is_x | is_e)
        kx = is_x[pos]
        ts = tsc_col[pos]
        ctx_mask = (ids == ev.VCPU_RUN) | (ids == ev.TRACE_SCHED_NEXT)
        ctx_pos = np.flatnonzero(ctx_mask)
        ctx_e = w[ctx_pos, fmt.COL_E]
        ctx_val = np.where(ids[ctx_pos] == ev.VCPU_RUN, reference.vcpu_ctx(ctx_e), reference.sched_ctx(ctx_e))
        ctx = reference._last_before(ctx_pos, ctx_val, pos, t.CTX_UNKNOWN)
        reason = w[pos, fmt.COL_E] & t.REASON_MASK
        rip = w[pos, fmt.COL_F]
        nxt_ok = np.zeros(len(pos), np.bool_)
        if len(pos) > 1:
            nxt_ok[:-1] = ts[1:] >= ts[:-1]
        # VM exits: a VM_EXIT followed by a VM_ENTER
        xi = np.flatnonzero(kx[:-1] & ~kx[1:] & nxt_ok[:-1]) if len(pos) > 1 else np.zeros(0, np.int64)
        for i in xi:
            r = int(reason[i])
            out.append((int(ts[i]), '{"ph":"X","pid":%d,"tid":%d,"ts":%.3f,"dur":%.3f,"name":"%s","cat":"vmexit",'
                        '"args":{"reason":%d,"rip":"0x%x"}}' % (PID, cpu, us(ts[i]), (ts[i + 1] - ts[i]) / per_us,
                                                                c.exit_reason_name(r), r, int(rip[i]) & ((1 << 64) - 1))))
        # Guest stays: a VM_ENTER followed by a VM_EXIT
        gi = np.flatnonzero(~kx[:-1] & kx[1:] & nxt_ok[:-1]) if len(pos) > 1 else np.zeros(0, np.int64)
        for i in gi:
            out.append((int(ts[i]), '{"ph":"X","pid":%d,"tid":%d,"ts":%.3f,"dur":%.3f,"name":"%s","cat":"guest"}'
                        % (PID, cpu, us(ts[i]), (ts[i + 1] - ts[i]) / per_us, _ctx_name(int(ctx[i])))))
        summary.slices += len(xi) + len(gi)
        unpaired = int(np.count_nonzero(kx[:-1] & kx[1:])) if len(pos) > 1 else 0
        if unpaired:
            summary.warnings.append("pCPU %d (%s): %d VM exits without VM_ENTER left off the timeline"
                                    % (cpu, tf.path, unpaired))
        # Model events
        for i in np.flatnonzero(ids == ev.KICK_SENT):
            kicks.append((int(tsc_col[i]), cpu, int(w[i, fmt.COL_E])))
        for i in np.flatnonzero(np.isin(ids, _INSTANT_IDS)):
            scope = "g" if ids[i] == ev.INVARIANT_VIOLATION else "t"
            out.append((int(tsc_col[i]), '{"ph":"i","s":"%s","pid":%d,"tid":%d,"ts":%.3f,"name":"%s","cat":"model"}'
                        % (scope, PID, cpu, us(tsc_col[i]), _instant_name(int(ids[i]), int(w[i, fmt.COL_E]),
                                                                         int(w[i, fmt.COL_F])))))
            summary.instants += 1
    for n, (k_tsc, sender, e) in enumerate(kicks):
        target, mode = e & 0xFFFFFFFF, (e >> 32) & 0xFFFFFFFF
        name = "kick %s -> pCPU %d" % (ev.KICK_MODES.get(mode, "mode%d" % mode), target)
        out.append((k_tsc, '{"ph":"i","s":"t","pid":%d,"tid":%d,"ts":%.3f,"name":"%s","cat":"kick"}'
                    % (PID, sender, us(k_tsc), name)))
        out.append((k_tsc, '{"ph":"s","id":%d,"pid":%d,"tid":%d,"ts":%.3f,"name":"%s","cat":"kick"}'
                    % (n + 1, PID, sender, us(k_tsc), name)))
        end = k_tsc
        xs = exits_by_cpu.get(target)
        if xs is not None:
            es = enters_by_cpu[target]
            ix = np.searchsorted(xs, k_tsc, "right") - 1
            ie = np.searchsorted(es, k_tsc, "right") - 1
            in_guest = ie >= 0 and (ix < 0 or es[ie] > xs[ix])
            j = np.searchsorted(xs, k_tsc, "left")
            if in_guest and j < len(xs):
                end = int(xs[j])
            out.append((end, '{"ph":"f","bp":"e","id":%d,"pid":%d,"tid":%d,"ts":%.3f,"name":"%s","cat":"kick"}'
                        % (n + 1, PID, target, us(end), name)))
            summary.flows += 1
        else:
            summary.warnings.append("kick to pCPU %d, which is not in the capture: no arrow" % target)
    return out, summary


def write_timeline(capture, tsc, path, max_events: int = 2_000_000) -> TimelineSummary:
    """Write the timeline of ``capture`` to ``path`` atomically; at most ``max_events`` events (the earliest)."""
    events, summary = build_events(capture, tsc)
    events.sort(key=lambda item: item[0])
    if len(events) > max_events:
        cut = events[max_events][0]
        summary.warnings.append("timeline cut at %.3f us after the first record: %d of %d events kept "
                                "(raise --max-events for more)" % ((cut - events[0][0]) / (tsc.khz / 1000.0),
                                                                   max_events, len(events)))
        events = events[:max_events]
    summary.events = len(events)
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
