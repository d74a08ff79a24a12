"""``acrn-model sweep``: scenarios x designs x cost settings x seeds on Dask, one row per run, then a summary."""
import contextlib
import sys

import click

from acrn.cli.common import EXIT_OK, EXIT_VIOLATION, fail, parse_costs
from acrn.cli.complete import complete_design, complete_scenario, examples


def parse_cost_grid(items):
    """``--cost STEP=V[,V...]`` (repeatable; V: cycles or LO:HI) -> {step: [value, ...]} in the given order."""
    grid = {}
    for item in items:
        step, _, values = item.partition("=")
        for value in values.split(","):
            for name, parsed in parse_costs(["%s=%s" % (step, value)]).items():
                if parsed not in grid.setdefault(name, []):
                    grid[name].append(parsed)
    return grid


def cluster_options(jobs, scheduler):
    if jobs is not None and scheduler is not None:
        fail("--jobs and --scheduler: give one of them (--jobs sizes a local cluster)")


@contextlib.contextmanager
def sweep_errors():
    """A SweepError (scheduler not reached, workers that cannot load a plugin or keep dying) as one line on
    stderr and its exit status."""
    from acrn.sweep import SweepError

    try:
        yield
    except SweepError as exc:
        click.echo("acrn-model: error: %s" % exc, err=True)
        sys.exit(exc.status)


def print_summary(table, invariant_names):
    """Per scenario x design: the fraction of runs that pass each invariant, the worst request latency and
    the command that replays that run."""
    from rich.table import Table

    from acrn.report import INVARIANT_SHORT, _console, _us
    from acrn.sweep import summary

    out = Table("scenario", "design", "runs", *[INVARIANT_SHORT.get(n, n) for n in invariant_names],
                "worst latency (us)", "replay the worst")
    for s in summary(table, invariant_names):
        cells = []
        for n in invariant_names:
            ok, total = map(int, s["pass"][n].split("/"))
            cells.append(("[green]%s[/green]" if ok == total else "[bold red]%s[/bold red]") % s["pass"][n])
        out.add_row(s["scenario"], s["design"], str(s["runs"]), *cells, _us(s["worst_latency_us"]),
                    s["worst_replay"] if s["worst_latency_us"] is not None else "")
    _console().print(out)


@click.command(epilog=examples("sweep kick-race pmu-nmi -d nmi -d init --seeds 1-100 --out runs.csv",
                               "sweep kick-race -d nmi-nowindow --seeds 1-1000 --cost ipi_delivery=500,2000 "
                               "--scheduler tcp://127.0.0.1:8786 --out runs.parquet"))
@click.argument("scenarios", nargs=-1, required=True, shell_complete=complete_scenario)
@click.option("--design", "-d", "designs", multiple=True, required=True, shell_complete=complete_design,
              help="A design (repeatable; see `acrn-model designs`).")
@click.option("--seeds", required=True, help="Seeds: A-B, N or a comma list of them (e.g. 1-100).")
@click.option("--cost", "costs", multiple=True, metavar="STEP=V[,V...]",
              help="Values of one cost-model step, each cycles or LO:HI (repeatable); every combination of the "
                   "steps' values is one cost setting.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes of the local Dask cluster. [default: the number of cores]")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run on an existing dask.distributed cluster (tcp://HOST:PORT) instead of a local one.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the rows to this file (.csv, .jsonl or .parquet); a rerun resumes from it.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_obj
def sweep(obj, scenarios, designs, seeds, costs, jobs, scheduler, out, quiet):
    """Run every combination of SCENARIO... x --design x --cost x --seeds, one run each, on Dask.

    Prints the summary per scenario and design. Exit status: 0 when every run holds every invariant, 1 when
    some run violates one, 2 on bad input (scenario, design, option, unreachable scheduler, a plugin the
    workers cannot import), 3 when a run killed its workers each time Dask retried it (the rows written so
    far are kept: rerun to resume)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from acrn import sweep as sw

    cluster_options(jobs, scheduler)
    with sweep_errors():
        seed_list = sw.parse_seeds(seeds)
        registry = obj.registry
        with Progress(TextColumn("[bold]sweep[/bold]"), BarColumn(bar_width=None), MofNCompleteColumn(),
                      TextColumn("runs, {task.fields[failed]} failing"), TimeRemainingColumn(),
                      console=Console(stderr=True), transient=True, disable=quiet) as bar:
            task = bar.add_task("sweep", total=None, failed=0)
            table = sw.sweep(list(scenarios), list(designs), seed_list, costs=parse_cost_grid(costs), jobs=jobs,
                             scheduler=scheduler, out=out, plugins=obj.plugins, registry=registry,
                             progress=lambda done, total, failed: bar.update(task, completed=done, total=total,
                                                                              failed=failed))
    print_summary(table, list(registry.invariants))
    if out is not None:
        click.echo("%d rows in %s" % (len(table), out))
    sys.exit(EXIT_VIOLATION if any(sw.row_failed(r) for r in table) else EXIT_OK)
