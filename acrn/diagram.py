"""Sequence diagrams of a run: one lane per pCPU, one line per event, readable in a terminal and in a
bug report (plain ASCII)."""
from acrn.arch_x86 import consts as C
from acrn.core import defs as D
from acrn.engine.cost import S_HANDLE_NMI, S_VMENTRY, S_VMEXIT, STEP_NAMES
from acrn.engine.sim import ARRIVALS

LANE = 40
# steps that another event line already shows (the VM exit/entry itself, the root NMI)
_SHOWN_OTHERWISE = frozenset((S_VMEXIT, S_VMENTRY, S_HANDLE_NMI))


def describe(kind, fields):
    """One event as a short phrase."""
    if kind == "step":
        return STEP_NAMES[fields[0]]
    if kind == "request-made":
        return "set request %s for %s" % (D.REQUESTS.get(fields[1], fields[1]), fields[0])
    if kind == "request-handled":
        return "handle request %s" % D.REQUESTS.get(fields[1], fields[1])
    if kind == "kick":
        return "send %s -> pCPU%d" % (D.NOTIFY_MODES[fields[1]], fields[0])
    if kind == "arrival":
        return "%s arrives (%s)" % (ARRIVALS.get(fields[0], fields[0]), C.source_names(fields[2]))
    if kind == "nmi-root":
        return "NMI taken in root: handle_nmi"
    if kind == "nmi-exit":
        return "NMI causes VM exit"
    if kind == "vmexit":
        return "VM exit: %s" % C.exit_reason_name(fields[1])
    if kind == "vmentry":
        return "VM entry %s" % fields[0]
    if kind == "sched":
        return "switch to %s" % fields[0]
    if kind == "nmi-window-armed":
        return "arm NMI-window exiting"
    if kind == "guest-nmi-raised":
        return "%s raises an NMI for %s" % (C.source_names(fields[1]), fields[0])
    if kind == "guest-nmi-filtered":
        return "%s NMI source filtered" % C.source_names(fields[1])
    if kind == "guest-nmi-dropped":
        return "%s NMI consumed %s" % (C.source_names(fields[1]), "as a kick" if fields[2] else "in root")
    if kind in ("guest-nmi", "guest-intr"):
        what = "NMI" if kind == "guest-nmi" else "vector 0x%02x" % fields[1]
        return "guest %s receives %s (%s)" % (fields[0], what, C.source_names(fields[2]))
    return kind


def sequence_diagram(events, tsc_mhz, lanes=None, start=None, end=None, title=None, footer=None):
    """Render ``events`` ((time, cpu, kind, fields) from ``tracing.Recorder``) between ``start`` and
    ``end`` (cycles) with one column per pCPU in ``lanes``."""
    chosen = [e for e in events if (start is None or e[0] >= start) and (end is None or e[0] <= end)]
    if lanes is None:
        lanes = sorted({e[1] for e in chosen})
    chosen = [e for e in chosen if e[1] in lanes and not (e[2] == "step" and e[3][0] in _SHOWN_OTHERWISE)]
    col = {cpu: i for i, cpu in enumerate(lanes)}
    lines = []
    if title:
        lines.append(title)
    header = "%10s  " % "t (us)" + "".join(("pCPU%d" % cpu).ljust(LANE) for cpu in lanes)
    lines.append(header.rstrip())
    lines.append("-" * len(header.rstrip()))
    for t, cpu, kind, fields in chosen:
        cells = [""] * len(lanes)
        text = describe(kind, fields)
        cells[col[cpu]] = text if len(text) < LANE - 1 else text[:LANE - 4] + "..."
        lines.append(("%10.3f  " % (t / tsc_mhz) + "".join(c.ljust(LANE) for c in cells)).rstrip())
    if footer:
        lines.append(footer)
    return "\n".join(lines)


def counterexample_diagram(events, result, invariant, violation, bound_us):
    """The diagram of a violation: the pCPUs involved, from shortly before the cause to the verdict."""
    mhz = result.tsc_mhz
    if invariant == "request-latency":
        made = violation.time - int(bound_us * mhz)
        start, end = made - int(1.5 * mhz), made + int(3.0 * mhz)
    else:
        start, end = violation.time - int(3.0 * mhz), violation.time + int(0.5 * mhz)
    window = [e for e in events if start <= e[0] <= end]
    target = violation.pcpu
    senders = {e[1] for e in window if e[2] == "kick" and e[3][0] == target}
    senders |= {e[1] for e in window if e[2] == "request-made"}
    lanes = sorted(senders - {target})[:3] + [target]
    footer = "%10.3f  violation of %s: %s" % (violation.time / mhz, invariant, violation.message)
    return sequence_diagram(events, mhz, lanes=lanes, start=start, end=end, footer=footer)
