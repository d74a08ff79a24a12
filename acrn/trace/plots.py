"""``analyze --plot``: matplotlib (Agg) figures of a report, drawn from its JSON data.

One figure per report: vm_exit - time share and exit rate per exit reason; irq - exits per vector (the
TOP_VECTORS busiest, the rest in one bar); cpu_usage - CPU share per VM on each pCPU; latency - log2
histograms of exit durations, kick and request latencies in microseconds (cycles on the top axis), with
the request-latency bound drawn as a line.  With ``--compare`` the two captures are drawn side by side
(grouped bars, overlaid histograms), each named by its label (the design, by default: see
:func:`capture_label`).  Legends sit below the panels, outside the data; a panel with nothing to draw says
"no data".
"""
from __future__ import annotations

from pathlib import Path

from acrn.trace import format as fmt

TOP_VECTORS = 12  # the irq plot's bars: the busiest vectors, the others grouped in one bar


def capture_label(path) -> str:
    """A capture's name in a legend: ``DIR`` for ``DIR/<stamp>`` or ``DIR/<stamp>-N`` (what ``acrn-model run
    --design D --trace out/D`` writes, so the design's name), else the capture's own folder or file name."""
    path = Path(path)
    if fmt.is_capture_name(path.name) and path.parent.name:  # DIR/<YYYYMMDD-HHMMSS>[-N]
        return path.parent.name
    return path.name or str(path)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _legend_below(ax, ncol=2, right=False):
    """The axis' legend under it (or, ``right``, beside it): outside the data, if it has anything to name."""
    if not ax.get_legend_handles_labels()[0]:
        return
    if right:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    else:
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=ncol, frameon=False)


def _no_data(ax, what="no data"):
    ax.text(0.5, 0.5, what, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def _grouped_barh(ax, labels, series, xlabel, right=False):
    import numpy as np

    if not labels:
        _no_data(ax)
        ax.set_xlabel(xlabel)
        return
    y = np.arange(len(labels))
    height = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series):
        ax.barh(y + i * height, values, height, label=name)
    ax.set_yticks(y + height * (len(series) - 1) / 2)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    if len(series) > 1:
        _legend_below(ax, right=right)


def top_vectors(reports, top=TOP_VECTORS):
    """The irq plot's bars: (labels, [(name, counts)]) with the ``top`` busiest vectors over all reports,
    by total count, and the rest summed in one "other" bar."""
    totals = {}
    per_report = []
    for _, data in reports:
        counts = {}
        for row in data["all"]["rows"]:
            counts[row["vector"]] = counts.get(row["vector"], 0) + row["count"]
            totals[row["vector"]] = totals.get(row["vector"], 0) + row["count"]
        per_report.append(counts)
    ranked = sorted(totals, key=lambda v: (-totals[v], v))
    shown, rest = ranked[:top], ranked[top:]
    labels = ["0x%02x" % v for v in shown] + (["other (%d vectors)" % len(rest)] if rest else [])
    series = []
    for (name, _), counts in zip(reports, per_report):
        values = [counts.get(v, 0) for v in shown]
        if rest:
            values.append(sum(counts.get(v, 0) for v in rest))
        series.append((name, values))
    return labels, series


def _latency_panel(ax, key, label_key, title, reports, bound_us):
    """One latency histogram panel, x in microseconds (log2 buckets), cycles on the top axis."""
    drawn = False
    mhz = None
    for name, data in reports:
        mhz = data.get("tsc_mhz") or mhz
        for row in data.get(key, []):
            if key == "exits" and row[label_key] != "All exits":
                continue
            hist = row.get("histogram") or []
            if not hist:
                continue
            # every power-of-two bucket between the first and the last, empty ones included, so
            # that a step never spans buckets that hold nothing
            counts = dict(hist)
            edges = [max(hist[0][0], 1)]
            while edges[-1] <= hist[-1][0]:
                edges.append(edges[-1] * 2)
            ys = [counts.get(b, 0) for b in edges[:-1]]
            scale = data.get("tsc_mhz") or 1.0
            lbl = str(row[label_key]).strip()
            ax.stairs(ys, [e / scale for e in edges], label=(name + ": " if len(reports) > 1 else "") + lbl)
            drawn = True
    ax.set_title(title)
    if not drawn:
        _no_data(ax)
        return
    if bound_us is not None:
        ax.axvline(bound_us, color="red", linestyle="--", linewidth=1,
                   label="request-latency bound (%g us)" % bound_us)
    ax.set_xscale("log", base=2)
    ax.set_yscale("symlog", linthresh=1)  # rare tails (a race hit a few times) stay visible
    ax.set_xlabel("microseconds (log2 buckets)")
    ax.set_ylabel("count (symlog)")
    if mhz:
        from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

        top = ax.secondary_xaxis("top", functions=(lambda us: us * mhz, lambda cyc: cyc / mhz))
        top.set_xscale("log", base=2)
        top.xaxis.set_major_locator(LogLocator(base=4))
        top.xaxis.set_major_formatter(ScalarFormatter())
        top.xaxis.set_minor_formatter(NullFormatter())
        top.tick_params(labelsize=7)
        top.set_xlabel("cycles (TSC %g MHz)" % mhz, fontsize=8)
    _legend_below(ax, ncol=1)


def plot_report(kind: str, reports, path, bound_us: float | None = None) -> None:
    """Draw report ``kind`` into ``path`` (.png, .svg or .pdf).  ``reports``: [(label, report data dict)],
    one or two (the label names the capture in legends); ``bound_us``: the request-latency bound drawn on
    the latency plot's request panel (None: no line)."""
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg", "pdf"):
        raise ValueError("the plot file must end in .png, .svg or .pdf")
    plt = _pyplot()
    names = [name for name, _ in reports]
    if kind == "vm_exit":
        fig, axes = plt.subplots(1, 2, figsize=(12, 6))
        labels = []
        for _, data in reports:
            for row in data["all"]["rows"]:
                if row["nr_exit"] and row["event"] not in labels:
                    labels.append(row["event"])
        for ax, key, xlabel in ((axes[0], "time_pct", "time in exit (% of run time)"),
                                (axes[1], "nr_exit_per_sec", "exits per second")):
            series = []
            for name, (_, data) in zip(names, reports):
                by = {row["event"]: row[key] for row in data["all"]["rows"]}
                series.append((name, [by.get(label, 0) for label in labels]))
            _grouped_barh(ax, [lbl.replace("VMEXIT_", "") for lbl in labels], series, xlabel)
        fig.suptitle("VM exits by reason, all pCPUs (%s attribution): %s"
                     % (reports[0][1].get("attribution", ""), " vs ".join(names)))
    elif kind == "irq":
        labels, series = top_vectors(reports)
        fig, ax = plt.subplots(figsize=(8, 1.5 + 0.35 * max(len(labels), 2) * len(reports)))
        _grouped_barh(ax, labels, series, "external-interrupt exits", right=True)
        fig.suptitle("External-interrupt exits per host vector: %s" % " vs ".join(names))
    elif kind == "cpu_usage":
        fig, axes = plt.subplots(1, len(reports), figsize=(7 * len(reports), 5), squeeze=False)
        for ax, name, (_, data) in zip(axes[0], names, reports):
            pcpus = [b for b in data["pcpus"] if b["rows"]]
            vms = []
            for b in pcpus:
                for row in b["rows"]:
                    if row["cycles"] and row["vm"] not in vms:
                        vms.append(row["vm"])
            left = [0.0] * len(pcpus)
            for vm in vms:
                vals = [{r["vm"]: r["usage_pct"] for r in b["rows"]}.get(vm, 0.0) for b in pcpus]
                ax.barh(["pCPU %d" % b["pcpu"] for b in pcpus], vals, left=left,
                        label=vm if isinstance(vm, str) else "vm%d" % vm)
                left = [a + b for a, b in zip(left, vals)]
            ax.set_title(name, fontsize=9)
            if vms:
                ax.set_xlabel("CPU usage %")
                _legend_below(ax, ncol=min(len(vms), 4))
            else:
                _no_data(ax, "no data (no TRACE_SCHED_NEXT records)")
        fig.suptitle("CPU usage per VM (TRACE_SCHED_NEXT)")
    elif kind == "latency":
        fig, axes = plt.subplots(1, 3, figsize=(15, 5.5))
        panels = (("exits", "event", "exit duration", None), ("kicks", "mode", "kick -> VM exit on target", None),
                  ("requests", "request", "request made -> handled", bound_us))
        for ax, (key, label_key, title, bound) in zip(axes, panels):
            _latency_panel(ax, key, label_key, title, reports, bound)
        fig.suptitle("Latency histograms: %s" % " vs ".join(names))
    else:
        raise ValueError("no plot for report %r" % kind)
    fig.tight_layout()
    with fmt.AtomicOutput(path, "wb") as out:
        fig.savefig(out, format=suffix, dpi=110, bbox_inches="tight")  # "tight": legends below stay in
    plt.close(fig)
