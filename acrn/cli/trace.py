"""``acrn-model analyze`` and ``acrn-model timeline``.

The main ``acrn-model`` group adds these with :func:`register`.  This module imports only click at import
time; numpy, numba, rich and matplotlib are loaded when a command runs and needs them, so the CLI starts
fast (a 1e7-record capture is analysed in well under a second).
"""
from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import click

from acrn.cli.common import EXIT_INPUT

from acrn.trace.backend import BACKENDS
from acrn.trace.format import RECORD_SIZE, is_cpu_file_name

REPORT_CHOICES = ("vm_exit", "irq", "cpu_usage", "latency")
PLOT_SUFFIXES = (".png", ".svg", ".pdf")


class TraceInputError(click.ClickException):
    """A capture, option or output path the command cannot use: one line, the bad-input status."""

    exit_code = EXIT_INPUT


def _warn(message: str) -> None:
    click.echo("warning: " + message, err=True)


def _check_output(path: Path | None, what: str, inputs=()) -> None:
    """Fail before any work if ``path`` cannot be created, or would write over or into an input."""
    if path is None:
        return
    target = path.resolve()
    for given in inputs:
        if given is None:
            continue
        src = given.resolve()
        if target == src or src in target.parents:
            raise TraceInputError("%s: is the capture %s or inside it: the %s would overwrite the input"
                                  % (path, given, what))
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise TraceInputError("%s: is a folder, cannot write the %s there" % (path, what))
    if not parent.is_dir():
        raise TraceInputError("%s: cannot write the %s: folder %s does not exist" % (path, what, parent))
    if not os.access(parent, os.W_OK):
        raise TraceInputError("%s: cannot write the %s: folder %s is not writable" % (path, what, parent))


def _estimate_records(path: Path) -> int:
    """Records in a capture, from file sizes alone (no numpy: decides whether to start loading numba)."""
    try:
        if path.is_file():
            return path.stat().st_size // RECORD_SIZE
        total = 0
        for entry in os.scandir(path):
            if entry.is_file() and is_cpu_file_name(entry.name):
                total += entry.stat().st_size // RECORD_SIZE
            elif entry.is_dir():
                total = max(total, _estimate_records(Path(entry.path)))
        return total
    except OSError:
        return 0


def _start_numba_warmup(path: Path, backend: str):
    """Load the numba kernels on a thread while the capture is read and modules imported (numba's
    start-up is most of a CLI run); returns the thread, or None when numba will not be used."""
    from acrn.trace.backend import resolve_backend

    if backend in ("numpy", "compiled") or resolve_backend(backend, _estimate_records(path)) != "numba":
        return None
    import threading

    def warm():
        try:
            from acrn.trace import kernels

            kernels.warm()
        except Exception:  # the scan itself will report it
            pass

    thread = threading.Thread(target=warm, name="numba-warmup", daemon=True)
    thread.start()
    return thread


def _read(path: Path):
    from acrn.trace.reader import CaptureError, read_capture

    try:
        return read_capture(path)
    except CaptureError as err:
        raise TraceInputError(str(err)) from None


def _build_report(capture, report: str, tsc_mhz, compat: bool, backend: str):
    """Analyse ``capture`` and build its Report; raises ClickException for unusable input."""
    from acrn.trace import analysis, reports
    from acrn.trace.progress import DelayedProgress
    from acrn.trace.reader import CaptureError

    warnings: list = []
    with DelayedProgress(capture.n_records, "%s %s" % (report, capture.path.name)) as progress:
        try:
            if report == "vm_exit":
                result = analysis.analyze_vm_exit(capture, backend, progress=progress, threads=True)
                tsc = reports.resolve_tsc(capture.path, result.tsc_khz_seen, tsc_mhz, warnings)
                rep = reports.vm_exit_report(capture, result, tsc, compat)
            elif report == "latency":
                result = analysis.analyze_latency(capture, backend, progress=progress)
                tsc = reports.resolve_tsc(capture.path, result.tsc_khz_seen, tsc_mhz, warnings)
                rep = reports.latency_report(capture, result, tsc)
            else:
                tsc = reports.resolve_tsc(capture.path, analysis.find_tsc_khz(capture), tsc_mhz, warnings)
                if report == "irq":
                    per_file = analysis.analyze_irq(capture, compat, backend, threads=True)
                    rep = reports.irq_report(capture, per_file, tsc, compat)
                else:
                    per_file = analysis.analyze_cpu_usage(capture, compat, backend, threads=True)
                    rep = reports.cpu_usage_report(capture, per_file, tsc, compat)
        except reports.NothingToAnalyse as err:
            for w in warnings + err.warnings:
                _warn(w)
            raise TraceInputError(str(err)) from None
        except (reports.TscUnknown, CaptureError) as err:  # CaptureError: a file unreadable midway
            raise TraceInputError(str(err)) from None
    rep.warnings = warnings + rep.warnings
    return rep


def _tsc_mhz_option(ctx, param, value):
    from acrn.trace.reports import tsc_mhz_problem

    if value is not None and tsc_mhz_problem(value):
        raise click.BadParameter(tsc_mhz_problem(value))
    return value


@click.command("analyze", epilog="""\b
Examples:
  acrn-model analyze out/demo/nmi/* --report vm_exit
  acrn-model analyze out/demo/nmi-nowindow/* --report latency --compare out/demo/nmi/* --plot lat.png""")
@click.argument("capture", type=click.Path(path_type=Path))
@click.option("--report", type=click.Choice(REPORT_CHOICES), default="vm_exit", show_default=True,
              help="vm_exit, irq and cpu_usage mirror acrnalyze.py's reports; latency is acrn-model's own.")
@click.option("--tsc-mhz", type=float, default=None, metavar="F", callback=_tsc_mhz_option,
              help="TSC frequency in MHz, for captures without a MODEL_TSC_FREQ record (real captures).")
@click.option("--csv", "csv_out", type=click.Path(path_type=Path), default=None, metavar="OUT",
              help="Also write the report as CSV (acrnalyze's CSV rows) to this file.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of text (schema: acrn/schemas/analyze.json).")
@click.option("--plot", type=click.Path(path_type=Path), default=None, metavar="FILE.png",
              help="Draw the report (exit-reason breakdown, latency histograms...) into FILE.png.")
@click.option("--acrnalyze-compat", "compat", is_flag=True,
              help="Reproduce acrnalyze's own attribution (time to the last TRACE_VMEXIT_* event seen) "
                   "and quirks, to diff against its output line by line.")
@click.option("--compare", "other", type=click.Path(path_type=Path), default=None, metavar="OTHER_CAPTURE",
              help="A second capture (e.g. another design): both reports side by side.")
@click.option("--backend", type=click.Choice(BACKENDS), default="auto", show_default=True,
              help="compiled (Cython) scans, their numba build, or numpy; auto picks compiled when installed, "
                   "else numba for big captures and numpy for small ones.")
@click.option("--hide-zero", is_flag=True,
              help="vm_exit: leave out the rows of exit reasons with no exit (the CSV and JSON keep them).")
@click.option("--quiet", "-q", is_flag=True, help="Print no report text: only write the --csv/--plot files.")
@click.option("--label", "labels", multiple=True, metavar="NAME",
              help="The plot's name for CAPTURE, then for --compare's (default: DIR of a DIR/<stamp> capture, "
                   "as `run --design D --trace out/D` writes it).")
@click.option("--bound-us", type=click.FloatRange(min=0, min_open=True), default=None, metavar="US",
              help="The request-latency bound the latency plot draws [default: the scenarios' default, 10].")
def analyze(capture, report, tsc_mhz, csv_out, as_json, plot, compat, other, backend, hide_zero, quiet, labels,
            bound_us):
    """Report on an acrntrace CAPTURE: a capture folder (acrntrace/<stamp>/ with one file per pCPU) or
    one pCPU file.  The TSC frequency comes from the capture's MODEL_TSC_FREQ record, else --tsc-mhz."""
    if len(labels) > (2 if other is not None else 1):
        raise click.UsageError("--label: one per capture (CAPTURE, then --compare's), got %d" % len(labels))
    if quiet and csv_out is None and plot is None:
        raise click.UsageError("--quiet needs --csv or --plot (else there is nothing to show)")
    _check_output(csv_out, "CSV", (capture, other))
    _check_output(plot, "plot", (capture, other))
    if plot is not None and plot.suffix.lower() not in PLOT_SUFFIXES:
        raise TraceInputError("%s: the plot file must end in %s" % (plot, ", ".join(PLOT_SUFFIXES)))
    if compat and report == "latency":
        _warn("--acrnalyze-compat has no meaning for the latency report (acrnalyze has none): ignored")
    if report in ("vm_exit", "latency", "cpu_usage"):
        _start_numba_warmup(capture, backend)
    cap = _read(capture)
    rep = _build_report(cap, report, tsc_mhz, compat, backend)
    if other is not None:
        cap_b = _read(other)
        rep_b = _build_report(cap_b, report, tsc_mhz, compat, backend)
        from acrn.trace.reports import compare_reports

        shown = compare_reports(rep, rep_b, str(cap.path), str(cap_b.path))
        to_plot = [(cap.path, rep.data), (cap_b.path, rep_b.data)]
    else:
        shown = rep
        to_plot = [(cap.path, rep.data)]
    for w in shown.warnings:
        _warn(w)
    if csv_out is not None:
        from acrn.trace.format import atomic_write_bytes

        try:
            atomic_write_bytes(csv_out, shown.csv_output())
        except OSError as err:
            raise TraceInputError("%s: cannot write the CSV: %s" % (csv_out, err.strerror or err)) from None
    if plot is not None:
        from acrn.trace.plots import capture_label, plot_report

        if bound_us is None:
            from acrn.scenarios import DEFAULT_BOUNDS

            bound_us = DEFAULT_BOUNDS["request_latency_us"]
        named = [(labels[i] if i < len(labels) else capture_label(p), data) for i, (p, data) in enumerate(to_plot)]
        try:
            plot_report(report, named, plot, bound_us=bound_us)
        except OSError as err:
            raise TraceInputError("%s: cannot write the plot: %s" % (plot, err.strerror or err)) from None
        except ValueError as err:
            raise TraceInputError("%s: %s" % (plot, err)) from None
    if quiet:
        pass
    elif as_json:
        import json

        click.echo(json.dumps(shown.data, indent=1, default=_json_default))
    elif hide_zero and report == "vm_exit" and other is None:
        from acrn.trace.reports import fold_zero_rows

        click.echo(fold_zero_rows(shown.text_output()), nl=False)
    else:
        click.echo(shown.text_output(), nl=False)
    _fast_exit_hint()


def _json_default(obj):
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


@click.command("timeline", epilog="""\b
Examples:
  acrn-model timeline out/demo/nmi/* -o trace.json
  acrn-model timeline acrntrace/20260101-120000 --tsc-mhz 2100 -o trace.json""")
@click.argument("capture", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, metavar="TRACE.json",
              help="Chrome trace-event JSON to write (open it in Perfetto or chrome://tracing).")
@click.option("--tsc-mhz", type=float, default=None, metavar="F", callback=_tsc_mhz_option,
              help="TSC frequency in MHz, for captures without a MODEL_TSC_FREQ record.")
@click.option("--max-events", type=click.IntRange(min=1), default=2_000_000, show_default=True,
              help="Stop after this many timeline events (the file grows ~100 bytes per event).")
def timeline(capture, output, tsc_mhz, max_events):
    """Write CAPTURE as a timeline: one track per pCPU with VM-exit slices named by exit reason and guest
    slices named by vCPU, kicks as arrows from sender to target, requests as instant events; in model
    captures also one track per vCPU (non-root, root, not running), grouped by VM."""
    _check_output(output, "timeline", (capture,))
    cap = _read(capture)
    from acrn.trace import analysis, reports
    from acrn.trace.reader import CaptureError
    from acrn.trace.timeline import NothingOnTimeline, write_timeline

    warnings: list = []
    try:
        tsc = reports.resolve_tsc(cap.path, analysis.find_tsc_khz(cap), tsc_mhz, warnings)
    except (reports.TscUnknown, CaptureError) as err:
        raise TraceInputError(str(err)) from None
    from acrn.trace.progress import DelayedProgress

    try:
        with DelayedProgress(min(cap.n_records, max_events), "timeline %s" % cap.path.name) as progress:
            summary = write_timeline(cap, tsc, output, max_events=max_events, progress=progress)
    except NothingOnTimeline as err:
        for w in cap.warnings + warnings:
            _warn(w)
        raise TraceInputError(str(err)) from None
    except CaptureError as err:  # a file that cannot be read on (nothing is written)
        raise TraceInputError(str(err)) from None
    except OSError as err:
        raise TraceInputError("%s: cannot write the timeline: %s" % (output, err.strerror or err)) from None
    for w in cap.warnings + warnings + summary.warnings:
        _warn(w)
    click.echo("%s: %d events (%d slices, %d kicks, %d other instants) from %d pCPU files%s"
               % (output, summary.events, summary.slices, summary.flows, summary.instants, len(cap.files),
                  ", %d vCPU tracks" % summary.vcpu_tracks if summary.vcpu_tracks else ""))
    _fast_exit_hint()


def _fast_exit_hint() -> None:
    """At interpreter exit, move everything still alive into the permanent GC generation, so that the
    final collections do not walk numba's object graph (~0.1 s of a CLI run).  Registered with atexit,
    so a long-lived process (tests, the demo) is not affected until it exits."""
    if "numba" in sys.modules:
        import atexit

        atexit.unregister(gc.freeze)
        atexit.register(gc.freeze)


@click.group()
def main() -> None:
    """acrn-model trace tools (also available as ``acrn-model analyze`` / ``acrn-model timeline``)."""


main.add_command(analyze)
main.add_command(timeline)
