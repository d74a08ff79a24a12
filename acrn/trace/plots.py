"""``analyze --plot``: matplotlib (Agg) figures of a report, drawn from its JSON data.

One figure per report: vm_exit - time share and exit rate per exit reason; irq - exits per vector;
cpu_usage - CPU share per VM on each pCPU; latency - log2 histograms of exit durations, kick and request
latencies.  With ``--compare`` the two captures are drawn side by side (grouped bars, overlaid histograms).
"""
from __future__ import annotations

from pathlib import Path

from acrn.trace import format as fmt


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _grouped_barh(ax, labels, series, xlabel):
    import numpy as np

    y = np.arange(len(labels))
    height = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series):
        ax.barh(y + i * height, values, height, label=name)
    ax.set_yticks(y + height * (len(series) - 1) / 2)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    if len(series) > 1:
        ax.legend(fontsize=7)


def _short(name: str) -> str:
    return name if len(name) < 40 else "..." + name[-37:]


def plot_report(kind: str, reports, path) -> None:
    """``reports``: [(capture name, report data dict)], one or two."""
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg", "pdf"):
        raise ValueError("the plot file must end in .png, .svg or .pdf")
    plt = _pyplot()
    names = [_short(name) for name, _ in reports]
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
        fig.suptitle("VM exits by reason (%s)" % reports[0][1].get("attribution", ""))
    elif kind == "irq":
        fig, ax = plt.subplots(figsize=(8, 5))
        vectors = []
        for _, data in reports:
            for row in data["all"]["rows"]:
                if row["vector"] not in vectors:
                    vectors.append(row["vector"])
        series = [(name, [{r["vector"]: r["count"] for r in data["all"]["rows"]}.get(v, 0) for v in vectors])
                  for name, (_, data) in zip(names, reports)]
        _grouped_barh(ax, ["0x%02x" % v for v in vectors], series, "external-interrupt exits")
        fig.suptitle("External-interrupt exits per host vector")
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
            ax.set_xlabel("CPU usage %")
            ax.set_title(name, fontsize=8)
            if vms:
                ax.legend(fontsize=7)
            else:
                ax.text(0.5, 0.5, "no TRACE_SCHED_NEXT records", ha="center", transform=ax.transAxes)
        fig.suptitle("CPU usage per VM (TRACE_SCHED_NEXT)")
    elif kind == "latency":
        fig, axes = plt.subplots(1, 3, figsize=(15, 5))
        panels = (("exits", "event", "exit duration"), ("kicks", "mode", "kick -> VM exit on target"),
                  ("requests", "request", "request made -> handled"))
        for ax, (key, label_key, title) in zip(axes, panels):
            for name, (_, data) in zip(names, reports):
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
                    lbl = str(row[label_key])
                    ax.stairs(ys, edges, label=(name + ": " if len(reports) > 1 else "") + lbl.strip())
            ax.set_xscale("log", base=2)
            ax.set_yscale("symlog", linthresh=1)  # rare tails (a race hit a few times) stay visible
            ax.set_xlabel("cycles (log2 buckets)")
            ax.set_ylabel("count (symlog)")
            ax.set_title(title)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
        fig.suptitle("Latency histograms")
    else:
        raise ValueError("no plot for report %r" % kind)
    fig.tight_layout()
    with fmt.AtomicOutput(path, "wb") as out:
        fig.savefig(out, format=suffix, dpi=110)
    plt.close(fig)
