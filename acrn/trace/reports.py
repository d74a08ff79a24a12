"""Reports: text, CSV and JSON in acrnalyze's layouts, plus what acrnalyze does not do.

* ``vm_exit`` mirrors ``vmexit_analyze.py`` (``generate_report``): per pCPU file the run-time lines and the
  ``Event / NR_Exit / NR_Exit/Sec / Time Consumed(cycles) / Time percentage`` table, same formats, same
  CSV rows.  Exact attribution (default) charges each exit's VM_EXIT->VM_ENTER cycles to the exit reason
  in its TRACE_VM_EXIT payload; rows are ACRN's 16 handler rows (same labels and order) followed by any
  other reason seen (``VMEXIT_HLT``...).  ``compat`` reproduces acrnalyze's attribution to the last
  TRACE_VMEXIT_* event seen, with its 17 rows, so the two outputs diff line by line.  Then per-vCPU and
  per-VM attribution.
* ``irq`` mirrors ``irq_analyze.py``: external-interrupt exits per host vector.
* ``cpu_usage`` mirrors ``cpuusage_analyze.py``: cycles each VM ran on a pCPU, from TRACE_SCHED_NEXT.
* ``latency`` is new: exit durations per reason, kick -> next VM exit on the target pCPU, request made ->
  handled; nearest-rank percentiles and log2 histograms.

Where acrnalyze crashes (KeyError on an exit before any TRACE_VMEXIT_* event, division by a zero run
time, an out-of-range VM id) these reports carry on and say what they skipped in a warning.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from acrn.trace import events as ev
from acrn.trace import tables as t
from acrn.trace.analysis import PERCENTILES, log2_histogram, summarize, sum_stats
from acrn.trace.scan import add_into, nonzero_of

_U64 = (1 << 64) - 1


class NothingToAnalyse(Exception):
    """The capture holds nothing the report can use (the CLI exits non-zero).  ``warnings``: what the
    report found wrong on the way, to show before the error."""

    def __init__(self, message: str, warnings=()):
        super().__init__(message)
        self.warnings = list(warnings)


# ---------------------------------------------------------------------------------------------------
# TSC frequency
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tsc:
    khz: float
    source: str  # "MODEL_TSC_FREQ" or "--tsc-mhz"

    @property
    def mhz(self) -> float:
        return self.khz / 1000.0

    @property
    def mhz_text(self) -> str:
        """As acrnalyze prints ``freq`` ("%s"): 2100, 1881.6."""
        return ("%.3f" % self.mhz).rstrip("0").rstrip(".")

    def seconds(self, cycles) -> float:
        return float(cycles) / (self.mhz * 1000 * 1000)

    def describe(self) -> str:
        where = "MODEL_TSC_FREQ record in the capture" if self.source == "MODEL_TSC_FREQ" else "--tsc-mhz"
        return "TSC frequency: %s MHz (%s)" % (self.mhz_text, where)


class TscUnknown(ValueError):
    """Neither the capture nor the command line gives the TSC frequency."""


#: The TSC frequencies a report accepts, in kHz (1 kHz .. 100 GHz): outside them every rate and time
#: would be meaningless (or infinite, which JSON cannot carry).
TSC_KHZ_MIN = 1
TSC_KHZ_MAX = 100_000_000


def tsc_mhz_problem(mhz) -> str | None:
    """Why ``mhz`` (``--tsc-mhz``) is not a usable TSC frequency, or None."""
    if not (TSC_KHZ_MIN <= mhz * 1000.0 <= TSC_KHZ_MAX):  # also false for nan
        return "must be between %g and %g MHz, not %s" % (TSC_KHZ_MIN / 1000.0, TSC_KHZ_MAX / 1000.0, mhz)
    return None


def resolve_tsc(path, seen_khz, tsc_mhz, warnings: list) -> Tsc:
    """The capture's MODEL_TSC_FREQ if present and usable, else ``tsc_mhz``; raises TscUnknown if
    neither."""
    bad = sorted(set(k for k in seen_khz if not TSC_KHZ_MIN <= k <= TSC_KHZ_MAX))
    usable = [k for k in seen_khz if TSC_KHZ_MIN <= k <= TSC_KHZ_MAX]
    if bad:
        what = ("%s: MODEL_TSC_FREQ record says %s kHz, outside %d..%d kHz"
                % (path, ", ".join(map(str, bad)), TSC_KHZ_MIN, TSC_KHZ_MAX))
        if not usable and tsc_mhz is None:
            raise TscUnknown(what + ": pass --tsc-mhz")
        warnings.append(what + ": ignored")
    if tsc_mhz is not None and tsc_mhz_problem(tsc_mhz):
        raise TscUnknown("--tsc-mhz %s" % tsc_mhz_problem(tsc_mhz))
    seen = sorted(set(usable))
    if seen:
        if len(seen) > 1:
            warnings.append("%s: MODEL_TSC_FREQ differs between pCPU files (%s kHz); using %d kHz"
                            % (path, ", ".join(map(str, seen)), usable[0]))
        if tsc_mhz is not None and abs(tsc_mhz * 1000 - usable[0]) > 1e-6:
            warnings.append("%s: the capture states its TSC frequency (%d kHz); --tsc-mhz %s ignored"
                            % (path, usable[0], tsc_mhz))
        return Tsc(float(usable[0]), "MODEL_TSC_FREQ")
    if tsc_mhz is None:
        raise TscUnknown("%s: no MODEL_TSC_FREQ record, so the TSC frequency is unknown: pass --tsc-mhz "
                         "(ACRN's boot log prints it: calibrate_tsc, tsc_hz=...)" % path)
    return Tsc(float(tsc_mhz) * 1000.0, "--tsc-mhz")


# ---------------------------------------------------------------------------------------------------
# The report object
# ---------------------------------------------------------------------------------------------------
@dataclass
class Compared:
    """The aggregate table of a report, for ``--compare``."""

    title: str
    key_header: str
    metrics: tuple  # ((name, "%d" | "%.2f" ...), ...)
    rows: dict  # key -> tuple of metric values (insertion-ordered)


@dataclass
class Report:
    kind: str
    text: list = field(default_factory=list)  # stdout lines
    csv_rows: list = field(default_factory=list)
    data: dict = field(default_factory=dict)  # JSON
    warnings: list = field(default_factory=list)
    compared: Compared | None = None

    def text_output(self) -> str:
        return "\n".join(self.text) + "\n"

    def csv_output(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf)  # acrnalyze's csv.writer defaults: "," and "\r\n"
        writer.writerows(self.csv_rows)
        return buf.getvalue()


def _rate(count, seconds) -> float:
    return float(count) / seconds if seconds > 0 else 0.0


def _pct(part, whole) -> float:
    return float(part) * 100 / float(whole) if whole > 0 else 0.0


# Rates per second extrapolated from less run time than this are flagged in the text (a 7-record pCPU
# file of a model run spans under a microsecond: its one exit would read as a million exits per second).
SMALL_SAMPLE_SEC = 100e-6


def _small_sample_note(rep: Report, rt_sec: float, n_exits: int) -> None:
    """Flag the block's rates when its run time is too short for a per-second rate to mean much."""
    if 0 < rt_sec < SMALL_SAMPLE_SEC:
        rep.text.append("note: rates extrapolated from %.1f us of run time (%d exit%s): too small a sample"
                        % (rt_sec * 1e6, n_exits, "" if n_exits == 1 else "s"))


def fold_zero_rows(text: str) -> str:
    """The vm_exit report's text with its rows of no exit and no cycle left out, one line per table saying
    how many were (``analyze --hide-zero``; the CSV and JSON keep every row)."""
    out, folded = [], 0
    for line in text.split("\n"):
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) == len(VM_EXIT_HEADER) and cells[0] != "Total" and cells[1] == "0" and cells[3] == "0":
            folded += 1
            continue
        if folded and cells[0] == "Total":
            out.append("(%d exit reason%s with no exit not shown)" % (folded, "" if folded == 1 else "s"))
            folded = 0
        out.append(line)
    return "\n".join(out)


def _file_title(cpu, path, n_records) -> str:
    return "== pCPU %d: %s (%d records) ==" % (cpu, path, n_records)


# ---------------------------------------------------------------------------------------------------
# vm_exit (vmexit_analyze.py)
# ---------------------------------------------------------------------------------------------------
VM_EXIT_HEADER = ("Event", "NR_Exit", "NR_Exit/Sec", "Time Consumed(cycles)", "Time percentage")
VM_EXIT_CSV_HEADER = ["Exit_Reason", "NR_Exit", "NR_Exit/Sec", "Time Consumed(cycles)", "Time Percentage"]
_UNHANDLED_SLOT = t.COMPAT_IDS.index(ev.TRACE_VMEXIT_UNHANDLED)


def vm_exit_rows(stats, compat: bool) -> tuple:
    """([(label, NR_Exit, cycles)], (total NR_Exit, total cycles)) of one block."""
    if compat:
        rows = [(ev.report_label(i), int(stats.compat_events[s]), int(stats.compat_cycles[s]))
                for s, i in enumerate(t.COMPAT_IDS)]
        return rows, (stats.total_exits, sum(stats.compat_cycles))
    rows = []
    for hid in t.COMPAT_IDS[:_UNHANDLED_SLOT]:
        reason = ev.HANDLER_EXIT_REASON[hid]
        rows.append((ev.report_label(hid), int(stats.exits[reason]), int(stats.exit_cycles[reason])))
    for reason in nonzero_of(stats.exits, stats.exit_cycles, stats.exit_cycles):
        if reason not in ev.EXIT_REASON_HANDLER:
            rows.append((ev.exit_reason_label(reason), int(stats.exits[reason]), int(stats.exit_cycles[reason])))
    return rows, (stats.total_exits, sum(stats.exit_cycles))


def _vm_exit_block(rep: Report, title, stats, rt_cycle: int, tsc: Tsc, compat: bool) -> dict:
    rows, (total_n, total_cycles) = vm_exit_rows(stats, compat)
    rt_sec = tsc.seconds(rt_cycle)
    if title:
        rep.text.append(title)
    rep.text.append("Total run time: %d cycles" % rt_cycle)
    rep.text.append("TSC Freq: %s MHz" % tsc.mhz_text)
    rep.text.append("Total run time: %.6f sec" % rt_sec)
    rep.text.append("%-28s\t%-12s\t%-12s\t%-24s\t%-16s" % VM_EXIT_HEADER)
    rep.csv_rows.append(["Run time(cycles)", "Run time(Sec)", "Freq(MHz)"])
    rep.csv_rows.append(["%d" % rt_cycle, "%.3f" % rt_sec, tsc.mhz_text])
    rep.csv_rows.append(list(VM_EXIT_CSV_HEADER))
    out_rows = []
    for label, n, cycles in rows + [("Total", total_n, total_cycles)]:
        freq, pct = _rate(n, rt_sec), _pct(cycles, rt_cycle)
        rep.text.append("%-28s\t%-12d\t%-12.2f\t%-24d\t%-16.2f" % (label, n, freq, cycles, pct))
        rep.csv_rows.append([label, n, "%.2f" % freq, cycles, "%2.2f" % pct])
        out_rows.append({"event": label, "nr_exit": n, "nr_exit_per_sec": round(freq, 2),
                         "cycles": cycles, "time_pct": round(pct, 4)})
    _small_sample_note(rep, rt_sec, total_n)
    rep.text.append("")
    return {"run_cycles": rt_cycle, "run_sec": rt_sec, "rows": out_rows[:-1], "total": out_rows[-1]}


def _vm_exit_warnings(prefix: str, s, compat: bool) -> list:
    c = s.counters
    out = []
    if c[t.C_HANDLER_BEFORE_FIRST_EXIT]:
        out.append("%s: the capture starts inside an exit (%d TRACE_VMEXIT_* events before the first VM_EXIT): "
                   "that exit is not counted" % (prefix, c[t.C_HANDLER_BEFORE_FIRST_EXIT]))
    if c[t.C_EXIT_WITHOUT_ENTER]:
        out.append("%s: %d VM exits have no VM_ENTER before the next VM_EXIT (records dropped?): "
                   "counted, not timed" % (prefix, c[t.C_EXIT_WITHOUT_ENTER]))
    if c[t.C_ENTER_WITHOUT_EXIT]:
        out.append("%s: %d VM_ENTER follow no open exit (records dropped?): %s"
                   % (prefix, c[t.C_ENTER_WITHOUT_EXIT],
                      "acrnalyze counts the time since the last VM_EXIT again" if compat else "ignored"))
    if c[t.C_NONMONOTONIC]:
        out.append("%s: %d records have a TSC below the previous record's (TSC went backwards)"
                   % (prefix, c[t.C_NONMONOTONIC]))
    if c[t.C_TSC_HIGH]:
        out.append("%s: %d records have a TSC of 2^63 or more (corrupt?): times around them are wrong"
                   % (prefix, c[t.C_TSC_HIGH]))
    if c[t.C_OVERFLOW]:
        out.append("%s: %d cycle sums would overflow int64: shown at the int64 limit, %d (or -%d)"
                   % (prefix, c[t.C_OVERFLOW], (1 << 63) - 1, 1 << 63))
    if c[t.C_NEGATIVE_DURATION]:
        out.append("%s: %d exits end before they start (TSC went backwards): counted, not timed"
                   % (prefix, c[t.C_NEGATIVE_DURATION]))
    if c[t.C_UNKNOWN_IDS]:
        out.append("%s: %d records with unknown event ids skipped (first: 0x%x)"
                   % (prefix, c[t.C_UNKNOWN_IDS], c[t.C_FIRST_UNKNOWN_ID]))
    if compat and c[t.C_COMPAT_UNATTRIBUTED_ENTERS]:
        out.append("%s: acrnalyze-compat: %d VM_ENTER (%d cycles) come before any TRACE_VMEXIT_* event and "
                   "are attributed to nothing (acrnalyze itself stops with a KeyError there)"
                   % (prefix, c[t.C_COMPAT_UNATTRIBUTED_ENTERS], c[t.C_COMPAT_UNATTRIBUTED_CYCLES]))
    return out


def _ctx_label(ctx: int) -> tuple:
    if ctx == t.CTX_IDLE:
        return "idle", "-"
    if ctx == t.CTX_UNKNOWN:
        return "?", "?"
    vm, vcpu = t.ctx_vm_vcpu(ctx)
    return "vm%d" % vm, "?" if vcpu is None else str(vcpu)


def _summed(arrays):
    """The element-wise sum of int64 arrays of one length."""
    total = t.zeros(len(arrays[0]))
    for a in arrays:
        add_into(total, a)
    return total


def _vcpu_section(rep: Report, files) -> dict:
    exits = _summed([f.stats.ctx_exits for f in files])
    cyc = _summed([f.stats.ctx_exit_cycles for f in files])
    guest = _summed([f.stats.ctx_guest_cycles for f in files])
    used = nonzero_of(exits, cyc, guest)
    if len(used) == 0 or (len(used) == 1 and used[0] == t.CTX_UNKNOWN):
        rep.text.append("Per-vCPU attribution: none (no VCPU_RUN or TRACE_SCHED_NEXT records)")
        rep.text.append("")
        return {"vcpus": [], "vms": []}
    rep.text.append("Per-vCPU attribution (VCPU_RUN; TRACE_SCHED_NEXT names the VM only: vCPU '?'; "
                    "'?' VM: before any of them)")
    head = "%-8s\t%-6s\t%-12s\t%-12s\t%-24s\t%-24s\t%s"
    row = "%-8s\t%-6s\t%-12s\t%-12d\t%-24d\t%-24d\t%.2f%%"
    rep.text.append(head % ("VM", "vCPU", "pCPU", "NR_Exit", "Exit time(cycles)", "Guest time(cycles)",
                            "Time in exit"))
    vcpus, vms = [], {}
    for ctx in used:
        vm, vcpu = _ctx_label(ctx)
        pcpus = [f.cpu for f in files
                 if f.stats.ctx_exits[ctx] or f.stats.ctx_exit_cycles[ctx] or f.stats.ctx_guest_cycles[ctx]]
        n, x, g = int(exits[ctx]), int(cyc[ctx]), int(guest[ctx])
        rep.text.append(row % (vm, vcpu, ",".join(map(str, pcpus)), n, x, g, _pct(x, x + g)))
        vcpus.append({"vm": vm, "vcpu": vcpu, "pcpus": pcpus, "nr_exit": n, "exit_cycles": x,
                      "guest_cycles": g})
        acc = vms.setdefault(vm, [0, 0, 0])
        acc[0] += n
        acc[1] += x
        acc[2] += g
    rep.text.append("")
    rep.text.append("Per-VM attribution")
    rep.text.append("%-8s\t%-12s\t%-24s\t%-24s\t%s" % ("VM", "NR_Exit", "Exit time(cycles)",
                                                       "Guest time(cycles)", "Time in exit"))
    for vm, (n, x, g) in vms.items():
        rep.text.append("%-8s\t%-12d\t%-24d\t%-24d\t%.2f%%" % (vm, n, x, g, _pct(x, x + g)))
    rep.text.append("")
    rep.csv_rows.append(["VM", "vCPU", "pCPU", "NR_Exit", "Exit time(cycles)", "Guest time(cycles)"])
    for v in vcpus:
        rep.csv_rows.append([v["vm"], v["vcpu"], " ".join(map(str, v["pcpus"])), v["nr_exit"],
                             v["exit_cycles"], v["guest_cycles"]])
    return {"vcpus": vcpus, "vms": [{"vm": vm, "nr_exit": n, "exit_cycles": x, "guest_cycles": g}
                                    for vm, (n, x, g) in vms.items()]}


def vm_exit_report(capture, analysis, tsc: Tsc, compat: bool) -> Report:
    rep = Report("vm_exit", warnings=list(capture.warnings))
    mode = ("acrnalyze-compat: time charged to the last TRACE_VMEXIT_* event seen (vmexit_analyze.py)"
            if compat else "exact: time charged to the exit reason in each TRACE_VM_EXIT payload")
    rep.text += ["vm_exit report: %s" % capture.path, "Attribution: %s" % mode, tsc.describe(), ""]
    usable = []
    for f in analysis.files:
        prefix = "pCPU %d (%s)" % (f.cpu, f.path)
        if f.stats.total_exits == 0:
            rep.warnings.append("%s: no TRACE_VM_EXIT records: skipped" % prefix)
            continue
        rep.warnings += _vm_exit_warnings(prefix, f.stats, compat)
        if f.stats.run_cycles <= 0:
            rep.warnings.append("%s: no VM_ENTER after the first VM_EXIT, run time 0: rates and "
                                "percentages shown as 0" % prefix)
        usable.append(f)
    if not usable:
        raise NothingToAnalyse("%s: nothing to analyse: no TRACE_VM_EXIT records" % capture.path, rep.warnings)
    multi = len(analysis.files) > 1
    blocks = []
    for f in usable:
        if multi:
            rep.csv_rows.append(["pCPU", f.cpu])
        block = _vm_exit_block(rep, _file_title(f.cpu, f.path, f.n_records) if multi else None,
                               f.stats, f.stats.run_cycles, tsc, compat)
        blocks.append(dict(block, pcpu=f.cpu, path=str(f.path), records=f.n_records))
    total = sum_stats([f.stats for f in usable])
    rt_total = sum(f.stats.run_cycles for f in usable)
    if len(usable) > 1:
        rep.csv_rows.append(["pCPU", "all"])
        agg = _vm_exit_block(rep, "== All pCPUs (run time: the sum of the per-pCPU run times) ==",
                             total, rt_total, tsc, compat)
    else:
        agg = blocks[0]
    if not compat and total.compat_events[_UNHANDLED_SLOT]:
        rep.text.append("TRACE_VMEXIT_UNHANDLED: %d exits ACRN has no handler for (counted under their "
                        "reasons above)" % total.compat_events[_UNHANDLED_SLOT])
        rep.text.append("")
    attribution = _vcpu_section(rep, usable)
    rep.data = {"report": "vm_exit", "capture": str(capture.path), "attribution": "acrnalyze" if compat
                else "exact", "tsc_mhz": tsc.mhz, "tsc_source": tsc.source, "backend": analysis.backend,
                "pcpus": blocks, "all": agg, **attribution}
    metrics = (("NR_Exit", "%d"), ("NR_Exit/Sec", "%.2f"), ("Time Consumed(cycles)", "%d"),
               ("Time percentage", "%.2f"))
    rows = {r["event"]: (r["nr_exit"], r["nr_exit_per_sec"], r["cycles"], r["time_pct"])
            for r in agg["rows"] + [agg["total"]]}
    rep.compared = Compared("vm_exit, all pCPUs", "Event", metrics, rows)
    return rep


# ---------------------------------------------------------------------------------------------------
# irq (irq_analyze.py)
# ---------------------------------------------------------------------------------------------------
def _irq_block(rep: Report, title, vectors, counts, rt_cycle, tsc: Tsc) -> dict:
    rt_sec = tsc.seconds(rt_cycle)
    if title:
        rep.text.append(title)
    rep.text.append("Total run time: %d cycles" % rt_cycle)
    rep.text.append("TSC Freq: %s MHz" % tsc.mhz_text)
    rep.text.append("%-8s\t%-8s\t%-8s" % ("Vector", "Count", "NR_Exit/Sec"))
    rep.csv_rows.append(["Vector", "NR_Exit", "NR_Exit/Sec"])
    rows = []
    for vec, n in zip(vectors, counts):
        rate = _rate(n, rt_sec)
        rep.text.append("0x%08x\t%-8d\t%-8.2f" % (vec, n, rate))
        rep.csv_rows.append(["0x%08x" % vec, int(n), "%.2f" % rate])
        rows.append({"vector": int(vec), "count": int(n), "nr_exit_per_sec": round(rate, 2)})
    _small_sample_note(rep, rt_sec, int(sum(counts)))
    rep.text.append("")
    return {"run_cycles": rt_cycle, "rows": rows}


def irq_report(capture, per_file, tsc: Tsc, compat: bool) -> Report:
    """``per_file``: [(TraceFile, IrqStats)] from :func:`acrn.trace.analysis.analyze_irq`."""
    rep = Report("irq", warnings=list(capture.warnings))
    order = "first seen, as irq_analyze.py" if compat else "by vector"
    rep.text += ["irq report: %s" % capture.path,
                 "External-interrupt exits (TRACE_VMEXIT_EXTERNAL_INTERRUPT) per host vector, %s" % order,
                 tsc.describe(), ""]
    usable = [(tf, s) for tf, s in per_file if s.n_records]
    for tf, s in per_file:
        if not s.n_records:
            rep.warnings.append("pCPU %d (%s): empty: skipped" % (tf.cpu, tf.path))
    if not usable:
        raise NothingToAnalyse("%s: nothing to analyse: no trace records" % capture.path, rep.warnings)
    if not any(len(s.vectors) for _, s in usable):
        rep.warnings.append("%s: no TRACE_VMEXIT_EXTERNAL_INTERRUPT records" % capture.path)
    multi = len(per_file) > 1
    blocks = []
    merged = {}
    for tf, s in usable:
        if s.nonmonotonic:
            rep.warnings.append("pCPU %d (%s): %d records have a TSC below the previous record's (TSC went "
                                "backwards)" % (tf.cpu, tf.path, s.nonmonotonic))
        if s.run_cycles < 0:
            rep.warnings.append("pCPU %d (%s): the last record's TSC is below the first's (TSC went backwards): "
                                "run time %d cycles, rates shown as 0" % (tf.cpu, tf.path, s.run_cycles))
        vec = [int(v) & _U64 for v in s.vectors]
        cnt = [int(n) for n in s.counts]
        if not compat:
            order_idx = sorted(range(len(vec)), key=lambda i: vec[i])
            vec, cnt = [vec[i] for i in order_idx], [cnt[i] for i in order_idx]
        if multi:
            rep.csv_rows.append(["pCPU", tf.cpu])
        block = _irq_block(rep, _file_title(tf.cpu, tf.path, tf.n_records) if multi else None, vec, cnt,
                           s.run_cycles, tsc)
        blocks.append(dict(block, pcpu=tf.cpu, path=str(tf.path)))
        for v, n in zip(vec, cnt):
            merged[v] = merged.get(v, 0) + n
    if len(usable) > 1:
        vec = list(merged) if compat else sorted(merged)
        rep.csv_rows.append(["pCPU", "all"])
        agg = _irq_block(rep, "== All pCPUs (run time: the sum of the per-pCPU run times) ==", vec,
                         [merged[v] for v in vec], sum(s.run_cycles for _, s in usable), tsc)
    else:
        agg = blocks[0]
    rep.data = {"report": "irq", "capture": str(capture.path), "tsc_mhz": tsc.mhz, "tsc_source": tsc.source,
                "pcpus": blocks, "all": agg}
    rep.compared = Compared("irq, all pCPUs", "Vector", (("Count", "%d"), ("NR_Exit/Sec", "%.2f")),
                            {"0x%08x" % r["vector"]: (r["count"], r["nr_exit_per_sec"]) for r in agg["rows"]})
    return rep


# ---------------------------------------------------------------------------------------------------
# cpu_usage (cpuusage_analyze.py)
# ---------------------------------------------------------------------------------------------------
def _sched_rows(slot_time) -> list:
    """[(VM label or int, cycles)]: vm0-vm15 always (acrnalyze's rows), other VM ids that ran, names that
    were neither, Idle last."""
    rows = [(vm, int(slot_time[vm])) for vm in range(t.ACRNALYZE_VM_NUM)]
    rows += [(vm, int(slot_time[vm])) for vm in range(t.ACRNALYZE_VM_NUM, t.SCHED_VMS) if slot_time[vm]]
    if slot_time[t.SCHED_UNKNOWN]:
        rows.append(("Unknown", int(slot_time[t.SCHED_UNKNOWN])))
    rows.append(("Idle", int(slot_time[t.SCHED_IDLE])))
    return rows


def cpu_usage_report(capture, per_file, tsc: Tsc, compat: bool) -> Report:
    """``per_file``: [(TraceFile, SchedStats)] from :func:`acrn.trace.analysis.analyze_cpu_usage`."""
    rep = Report("cpu_usage", warnings=list(capture.warnings))
    rep.text += ["cpu_usage report: %s" % capture.path,
                 "Cycles each VM ran per pCPU, from the chain of TRACE_SCHED_NEXT records", tsc.describe(), ""]
    blocks, compared = [], {}
    multi = len(per_file) > 1
    for tf, s in per_file:
        sc = s.sc
        prefix = "pCPU %d (%s)" % (tf.cpu, tf.path)
        begin, end = int(sc[t.SC_BEGIN]), int(sc[t.SC_END])
        stat_tsc = end - begin
        if sc[t.SC_ZERO_TSC]:
            rep.warnings.append("%s: a record with TSC 0: stopped there, as acrnalyze does" % prefix)
        if sc[t.SC_NONMONOTONIC]:
            rep.warnings.append("%s: %d records have a TSC below the previous record's (TSC went backwards): "
                                "cycles between them count as negative" % (prefix, sc[t.SC_NONMONOTONIC]))
        if sc[t.SC_TSC_HIGH]:
            rep.warnings.append("%s: %d records have a TSC of 2^63 or more (corrupt?)" % (prefix, sc[t.SC_TSC_HIGH]))
        if sc[t.SC_OVERFLOW]:
            rep.warnings.append("%s: %d per-VM cycle sums would overflow int64: kept at the int64 limit"
                                % (prefix, sc[t.SC_OVERFLOW]))
        if stat_tsc <= 0:
            why = ("empty" if tf.n_records == 0 else "run time is 0" if stat_tsc == 0
                   else "run time is negative (the last TSC is below the first)")
            rep.warnings.append("%s: %s: skipped" % (prefix, why))
            continue
        if multi:
            rep.text.append(_file_title(tf.cpu, tf.path, tf.n_records))
        rep.text.append("Start trace %d tsc cycle" % begin)
        rep.text.append("End trace %d tsc cycle" % end)
        if sc[t.SC_SCHED] == 0:
            rep.text.append("There is no context switch in HV scheduling during this period. "
                            "This CPU may be exclusively owned by one vm.")
            rep.text.append("The CPU usage is 100%")
            rep.text.append("")
            blocks.append({"pcpu": tf.cpu, "path": str(tf.path), "run_cycles": stat_tsc, "sched": 0, "rows": []})
            continue
        if sc[t.SC_CHAIN_BREAKS]:
            rep.warnings.append("%s: %d TRACE_SCHED_NEXT records do not follow on from the previous one "
                                "(records lost): %d cycles ambiguous" % (prefix, sc[t.SC_CHAIN_BREAKS],
                                                                        sc[t.SC_AMBIGUOUS]))
        if sc[t.SC_BAD_NAMES]:
            rep.warnings.append("%s: %d thread names are neither vm<id> nor idle: shown as Unknown"
                                % (prefix, sc[t.SC_BAD_NAMES]))
        if sc[t.SC_AMBIGUOUS] > 0:
            rep.text.append("Warning: ambiguous running time: %d tsc cycle, occupying %2.2f%% cpu."
                            % (sc[t.SC_AMBIGUOUS], _pct(sc[t.SC_AMBIGUOUS], stat_tsc)))
        stat_sec = tsc.seconds(stat_tsc)
        rep.text.append("Total run time: %d cpu cycles" % stat_tsc)
        rep.text.append("TSC Freq: %s MHz" % tsc.mhz_text)
        rep.text.append("Total run time: %.2f sec" % stat_sec)
        rep.text.append("Total trace items: %d" % sc[t.SC_ITEMS])
        rep.text.append("Total scheduling trace: %d" % sc[t.SC_SCHED])
        if multi:
            rep.csv_rows.append(["pCPU", tf.cpu])
        rep.csv_rows.append(["Total run time(tsc cycles)", "Total run time(sec)", "Freq(MHz)"])
        rep.csv_rows.append(["%d" % stat_tsc, "%.2f" % stat_sec, tsc.mhz_text])
        rep.text.append("%-28s\t%-12s\t%-12s\t%-24s\t%-16s" % ("PCPU ID", "VM ID", "VM Running/sec",
                                                               "VM Running(tsc cycles)", "CPU Usage"))
        rep.csv_rows.append(["PCPU ID", "VM_ID", "Time Consumed/sec", "Time Consumed(tsc cycles)", "CPU Usage%"])
        rows = []
        for vm, cycles in _sched_rows(s.slot_time):
            sec, per = tsc.seconds(cycles), _pct(cycles, stat_tsc)
            if isinstance(vm, int):
                rep.text.append("%-28d\t%-12d\t%-10.2f\t%-24d\t%-2.2f%%" % (tf.cpu, vm, sec, cycles, per))
            else:
                rep.text.append("%-28d\t%-12s\t%-10.2f\t%-24d\t%-2.2f%%" % (tf.cpu, vm, sec, cycles, per))
            rep.csv_rows.append([tf.cpu, vm, "%.2f" % sec, cycles, "%2.2f" % per])
            rows.append({"vm": vm, "cycles": cycles, "usage_pct": round(per, 4)})
            compared["pCPU %d %s" % (tf.cpu, vm if isinstance(vm, str) else "vm%d" % vm)] = (cycles, round(per, 2))
        rep.text.append("")
        blocks.append({"pcpu": tf.cpu, "path": str(tf.path), "run_cycles": stat_tsc, "items": int(sc[t.SC_ITEMS]),
                       "sched": int(sc[t.SC_SCHED]), "ambiguous_cycles": int(sc[t.SC_AMBIGUOUS]), "rows": rows})
    if not blocks:
        raise NothingToAnalyse("%s: nothing to analyse: no trace records" % capture.path, rep.warnings)
    rep.data = {"report": "cpu_usage", "capture": str(capture.path), "tsc_mhz": tsc.mhz, "tsc_source": tsc.source,
                "pcpus": blocks}
    rep.compared = Compared("cpu_usage", "pCPU / VM", (("Cycles", "%d"), ("CPU Usage%", "%.2f")), compared)
    return rep


# ---------------------------------------------------------------------------------------------------
# latency (new)
# ---------------------------------------------------------------------------------------------------
_STAT_COLS = ("min",) + tuple(name for name, _, _ in PERCENTILES) + ("max", "mean")


def _stat_cells(summary: dict) -> list:
    cells = []
    for col in _STAT_COLS:
        v = summary.get(col)
        cells.append("-" if v is None else ("%.1f" % v if col == "mean" else "%d" % v))
    return cells


def _us(summary: dict, key: str, tsc: Tsc) -> str:
    v = summary.get(key)
    return "-" if v is None else "%.3f" % (v / (tsc.khz / 1000.0))


def _invariant_name(code: int) -> str:
    return ev.INVARIANT_NAMES.get(code, "invariant code %d" % code)


def latency_report(capture, lat, tsc: Tsc) -> Report:
    """``lat``: :class:`acrn.trace.analysis.LatencyAnalysis`."""
    rep = Report("latency", warnings=list(capture.warnings))
    rep.text += ["latency report: %s" % capture.path, tsc.describe() + "; 1 us = %s cycles" % tsc.mhz_text,
                 "Percentiles are nearest-rank, in TSC cycles", ""]
    for f in lat.exit_stats.files:
        rep.warnings += _vm_exit_warnings("pCPU %d (%s)" % (f.cpu, f.path), f.stats, False)
    if not lat.exit_durations and not lat.kicks and not lat.requests:
        raise NothingToAnalyse("%s: nothing to analyse: no timed VM exits, kicks or requests" % capture.path,
                               rep.warnings)
    stat_head = "\t".join("%-10s" % h for h in ("Min", "P50", "P90", "P99", "P99.9", "Max", "Mean"))
    data = {"report": "latency", "capture": str(capture.path), "tsc_mhz": tsc.mhz, "tsc_source": tsc.source}
    compared = {}

    rep.text.append("Exit duration: TRACE_VM_EXIT -> TRACE_VM_ENTER on the same pCPU")
    rep.text.append("%-28s\t%-10s\t%s\t%-10s\t%-10s" % ("Event", "Count", stat_head, "P50(us)", "P99(us)"))
    rep.csv_rows.append(["Exit duration", "Count"] + [c.upper() if c[0] == "p" else c.capitalize()
                                                       for c in _STAT_COLS])
    exits_out = []
    all_d = [d for d in lat.exit_durations.values()]
    groups = [(ev.exit_reason_label(r), lat.exit_durations[r]) for r in sorted(lat.exit_durations)]
    if all_d:
        import numpy as np

        groups.append(("All exits", np.concatenate(all_d)))
    for label, d in groups:
        s = summarize(d)
        rep.text.append("%-28s\t%-10d\t%s\t%-10s\t%-10s" % (label, s["count"], "\t".join(
            "%-10s" % c for c in _stat_cells(s)), _us(s, "p50", tsc), _us(s, "p99", tsc)))
        rep.csv_rows.append([label, s["count"]] + _stat_cells(s))
        exits_out.append(dict(s, event=label, histogram=log2_histogram(d)))
        compared["exit " + label] = (s["count"], s.get("p50", 0), s.get("p99", 0), s.get("max", 0))
    if not groups:
        rep.text.append("(no timed exits)")
    rep.text.append("")
    data["exits"] = exits_out

    rep.text.append("Notification latency: KICK_SENT -> next TRACE_VM_EXIT on the target pCPU, for targets in "
                    "non-root mode at the kick")
    rep.text.append("%-8s\t%-8s\t%-8s\t%-8s\t%-8s\t%-8s\t%s\t%-10s\t%-10s" % (
        "Mode", "Kicks", "Exited", "No exit", "In root", "Untraced", stat_head, "P50(us)", "P99(us)"))
    rep.csv_rows.append(["Kick mode", "Kicks", "Exited", "No exit", "In root", "Untraced"]
                        + [c.upper() if c[0] == "p" else c.capitalize() for c in _STAT_COLS])
    kicks_out = []
    for mode in sorted(lat.kicks):
        k = lat.kicks[mode]
        s = summarize(k["latency"])
        name = ev.KICK_MODES.get(mode, "mode%d" % mode)
        rep.text.append("%-8s\t%-8d\t%-8d\t%-8d\t%-8d\t%-8d\t%s\t%-10s\t%-10s" % (
            name, k["total"], s["count"], k["no_exit"], k["in_root"], k["untraced"],
            "\t".join("%-10s" % c for c in _stat_cells(s)), _us(s, "p50", tsc), _us(s, "p99", tsc)))
        rep.csv_rows.append([name, k["total"], s["count"], k["no_exit"], k["in_root"], k["untraced"]]
                            + _stat_cells(s))
        kicks_out.append(dict(s, mode=name, kicks=k["total"], no_exit=k["no_exit"], in_root=k["in_root"],
                              untraced=k["untraced"], histogram=log2_histogram(k["latency"])))
        compared["kick " + name] = (s["count"], s.get("p50", 0), s.get("p99", 0), s.get("max", 0))
    if not lat.kicks:
        rep.text.append("(no KICK_SENT records)")
    rep.text.append("")
    data["kicks"] = kicks_out

    rep.text.append("Request latency: REQUEST_MADE -> next REQUEST_HANDLED for the same VM, vCPU and bit")
    rep.text.append("%-28s\t%-8s\t%-8s\t%-8s\t%s\t%-10s\t%-10s" % ("Request", "Made", "Handled", "Pending",
                                                                  stat_head, "P50(us)", "P99(us)"))
    rep.csv_rows.append(["Request", "Made", "Handled", "Pending"]
                        + [c.upper() if c[0] == "p" else c.capitalize() for c in _STAT_COLS])
    req_out = []
    for bit in sorted(lat.requests):
        r = lat.requests[bit]
        s = summarize(r["latency"])
        name = ev.request_name(bit)
        rep.text.append("%-28s\t%-8d\t%-8d\t%-8d\t%s\t%-10s\t%-10s" % (
            name, r["total"], s["count"], r["pending"], "\t".join("%-10s" % c for c in _stat_cells(s)),
            _us(s, "p50", tsc), _us(s, "p99", tsc)))
        rep.csv_rows.append([name, r["total"], s["count"], r["pending"]] + _stat_cells(s))
        req_out.append(dict(s, bit=bit, request=name, made=r["total"], pending=r["pending"],
                            histogram=log2_histogram(r["latency"])))
        compared["request " + name] = (s["count"], s.get("p50", 0), s.get("p99", 0), s.get("max", 0))
    if not lat.requests:
        rep.text.append("(no REQUEST_MADE records)")
    rep.text.append("")
    data["requests"] = req_out

    counts = dict(lat.event_counts)
    if any(counts.values()):
        parts = ["%s %d" % (name, n) for name, n in counts.items()]
        rep.text.append("Model events: " + ", ".join(parts) + " (spurious guest interrupts: %d)"
                        % lat.spurious_guest_interrupts)
        if lat.violations:
            rep.text.append("Invariant violations: " + ", ".join(
                "%s %d" % (_invariant_name(code), n) for code, n in sorted(lat.violations.items())))
        rep.text.append("")
    data["model_events"] = dict(counts, spurious_guest_interrupts=lat.spurious_guest_interrupts,
                                violations={_invariant_name(k): v for k, v in sorted(lat.violations.items())})
    rep.data = data
    rep.compared = Compared("latency", "Series", (("Count", "%d"), ("P50", "%d"), ("P99", "%d"), ("Max", "%d")),
                            compared)
    return rep


# ---------------------------------------------------------------------------------------------------
# Two captures side by side
# ---------------------------------------------------------------------------------------------------
def compare_reports(a: Report, b: Report, name_a: str, name_b: str) -> Report:
    """The aggregate tables of two reports of the same kind, side by side (A, B and B/A per metric)."""
    ca, cb = a.compared, b.compared
    rep = Report(a.kind, warnings=["A: " + w for w in a.warnings] + ["B: " + w for w in b.warnings])
    rep.text += ["%s comparison" % ca.title, "A: %s" % name_a, "B: %s" % name_b]
    rep.text += ["A " + line for line in a.text[1:4] if line.startswith("TSC")]
    rep.text += ["B " + line for line in b.text[1:4] if line.startswith("TSC")]
    rep.text.append("")
    keys = list(ca.rows) + [k for k in cb.rows if k not in ca.rows]
    head = ["%-28s" % ca.key_header]
    csv_head = [ca.key_header]
    for name, _ in ca.metrics:
        head += ["%-14s" % (name + " A"), "%-14s" % (name + " B"), "%-8s" % "B/A"]
        csv_head += [name + " A", name + " B", "B/A"]
    rep.text.append("\t".join(head))
    rep.csv_rows.append(csv_head)
    rows_out = []
    for key in keys:
        va, vb = ca.rows.get(key), cb.rows.get(key)
        cells, csv_cells = ["%-28s" % key], [key]
        for i, (_, f) in enumerate(ca.metrics):
            xa = None if va is None else va[i]
            xb = None if vb is None else vb[i]
            ratio = "-" if not xa or xb is None else "%.2f" % (float(xb) / float(xa))
            sa = "-" if xa is None else f % xa
            sb = "-" if xb is None else f % xb
            cells += ["%-14s" % sa, "%-14s" % sb, "%-8s" % ratio]
            csv_cells += [sa, sb, ratio]
        rep.text.append("\t".join(cells))
        rep.csv_rows.append(csv_cells)
        rows_out.append({"key": key, "a": None if va is None else list(va), "b": None if vb is None else list(vb)})
    rep.text.append("")
    rep.data = {"report": a.kind, "compare": True, "metrics": [m for m, _ in ca.metrics], "rows": rows_out,
                "a": a.data, "b": b.data}
    return rep
