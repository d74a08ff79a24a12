"""``acrn-model explore`` and ``acrn-model replay``: search interleavings, replay a counterexample."""
import functools
import json
import sys
import textwrap

import click

from acrn.cli.common import (EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATION, FiniteFloat, OutputDir, check_design,
                             close_tracer, load, open_tracer, seed_type)
from acrn.cli.complete import complete_design, complete_scenario, examples
from acrn.scenarios import MAX_DURATION_US


def _diagram_of(registry, scenario, design, choices, horizon_us, trace_dir=None):
    """Replay ``choices`` with a recorder (and a capture writer): (result, diagram, invariant, trace path)."""
    from acrn.diagram import counterexample_diagram
    from acrn.explore import replay
    from acrn.host.tracing import Recorder, TeeTracer

    rec = Recorder()
    tracer = rec
    writer = None
    if trace_dir is not None:
        writer = open_tracer("--trace", trace_dir, scenario)
        tracer = TeeTracer(rec, writer)
    try:
        run, result = replay(scenario, design, choices, registry=registry, horizon_us=horizon_us, tracer=tracer,
                             step_hook=lambda cpu, step, t: rec.step(t, cpu, step))
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is not None:
        close_tracer("--trace", writer)
    failing = [v for v in result.verdicts if v.first is not None]
    if not failing:
        return result, None, None, writer.path if writer else None
    first = min(failing, key=lambda v: v.first.time)
    bound = scenario.bounds.get("request_latency_us", 0.0)
    text = counterexample_diagram(rec.events, result, first.name, first.first, bound)
    return result, text, first.name, writer.path if writer else None


def run_explore(registry, scenario, design, strategy, bound, max_states, max_runs, horizon_us, seed, trace_dir,
                as_json, jobs=None, scheduler=None, plugins=()):
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from acrn.explore import DEFAULT_BOUND, Explorer

    explorer = Explorer(scenario, design, registry=registry, horizon_us=horizon_us)
    bound = DEFAULT_BOUND if bound is None else bound
    console = Console(stderr=True)
    with Progress(TextColumn("[bold]exploring[/bold] {task.description}"), BarColumn(bar_width=None),
                  TextColumn("{task.fields[states]} states, {task.fields[rate]} states/s, depth {task.fields[depth]}, "
                             "{task.fields[runs]} runs, {task.fields[violations]} violations"),
                  TimeElapsedColumn(), console=console, transient=True, disable=as_json) as bar:
        task = bar.add_task("%s / %s" % (scenario.name, design), total=None, states=0, rate=0, depth=0, runs=0,
                            violations=0)
        import time

        start = time.perf_counter()

        def progress(out, n_found):
            if out.runs % 10 == 0:
                elapsed = time.perf_counter() - start
                bar.update(task, states=out.states, rate=int(out.states / elapsed) if elapsed else 0,
                           depth=out.depth, runs=out.runs, violations=n_found)

        search = explorer.explore
        if jobs is not None or scheduler is not None:  # the same search, its runs on Dask workers
            from acrn.sweep import explore_parallel

            search = functools.partial(explore_parallel, explorer, jobs=jobs, scheduler=scheduler, plugins=plugins)
        result = search(strategy=strategy, bound=bound, max_states=max_states, max_runs=max_runs, seed=seed,
                        progress=progress)
    summary = result.to_dict()
    cx = result.counterexample
    diagram = None
    trace_path = None
    if cx is not None:
        _, diagram, _, trace_path = _diagram_of(registry, scenario, design, cx.choices, explorer.horizon_us, trace_dir)
        summary["diagram"] = diagram
        summary["trace"] = trace_path
    if as_json:
        click.echo(json.dumps(summary, indent=2, sort_keys=True))
        return exit_status(result)
    rate = int(result.states / result.elapsed) if result.elapsed else 0
    click.echo("explored %s under %s: strategy %s, bound %d, horizon %.0f us: %d runs, %d states (%d states/s), "
               "%d steps, %.2f s" % (scenario.name, design, strategy, bound, explorer.horizon_us, result.runs,
                                     result.states, rate, result.steps, result.elapsed))
    if cx is None:
        if not result.complete:
            click.echo(incomplete_line(result))
        else:
            click.echo("no violation within the bound")
            for line in coverage_lines(result, scenario.duration_us):
                click.echo(line)
        return exit_status(result)
    click.echo("violation of %s found after %d runs (%.2f s): %s" % (cx.invariant, cx.runs_before,
                                                                     result.time_to_first, cx.violation.message))
    click.echo("replay with: acrn-model replay %s --design %s --choices %s%s" % (
        scenario.name, design, cx.choices, "" if horizon_us is None else " --horizon-us %g" % horizon_us))
    click.echo("")
    click.echo(diagram)
    if trace_path:
        click.echo("trace: %s" % trace_path)
    return exit_status(result)


def exit_status(result):
    """explore's exit status: a violation, else an incomplete search, else none within the bound."""
    if result.counterexample is not None:
        return EXIT_VIOLATION
    return EXIT_OK if result.complete else EXIT_INCOMPLETE


def incomplete_line(result):
    """The verdict of a search a cap stopped: how much of the bound's space it explored, and how far."""
    if result.strategy == "dfs":
        done = ("no level finished" if result.level == 0 else "level 0 finished" if result.level == 1
                else "levels 0-%d finished" % (result.level - 1))
        where = ("at level %d of %d the first deviation had reached choice %d of the default run's %d"
                 % (result.level, result.bound, max(result.frontier, 0), result.default_points))
        how_far, hint = "%s; %s" % (done, where), "raise --max-states/--max-runs to finish it"
    else:
        how_far = ("%d sampled runs of up to %d deviation%s: %s sampling never covers the bound's space"
                   % (result.runs, result.bound, "" if result.bound == 1 else "s", result.strategy))
        hint = "--strategy dfs searches it all"
    return "search incomplete: explored %d states of the bound's space (%s); %s" % (result.states, how_far, hint)


def coverage_lines(result, duration_us):
    """What a finished search's choice points covered, and what they cannot reach (for the user to judge
    what the verdict "no violation within the bound" means)."""
    from acrn.explore import ARRIVAL_WINDOW, TIMER

    cov = result.coverage
    steps = sorted(k for k in set(cov.points) | set(cov.deviated) if k not in (ARRIVAL_WINDOW, TIMER))

    def frac(kinds):
        return "%d/%d" % (sum(cov.deviated.get(k, 0) for k in kinds), sum(cov.points.get(k, 0) for k in kinds))

    skips = ", ".join(str(v) for v in sorted(cov.skips)) or "none"
    lines = ["coverage (choice points deviated at / branching choice points of the runs it could branch from; "
             "the rest follow a state already expanded):",
             "  step latencies   %s: %s" % (frac(steps), ", ".join("%s %s" % (k, frac([k])) for k in steps)),
             "  guest/stimulus   %s (times until a guest activity, NMI source or scenario event)" % frac([TIMER]),
             "  arrival windows  %s (an interrupt landing after 1-%d of its target's next root-step boundaries; "
             "tried: %s)" % (frac([ARRIVAL_WINDOW]), cov.to_dict()["max_defer"], skips),
             "not searched: runs with more than %d deviation%s; choices after the %.0f us horizon (the scenario "
             "runs %.0f us); interrupts that reach a pCPU spinning, idle or in the guest land at once, not "
             "after a later step boundary" % (result.bound, "" if result.bound == 1 else "s", result.horizon_us,
                                               duration_us)]
    return [textwrap.fill(line, width=80, subsequent_indent="      ") for line in lines]


def run_replay(registry, scenario, design, choices, horizon_us, trace_dir, as_json):
    from acrn.explore import Explorer

    horizon = horizon_us if horizon_us is not None else Explorer(scenario, design, registry=registry).horizon_us
    result, diagram, invariant, trace_path = _diagram_of(registry, scenario, design, choices, horizon, trace_dir)
    if as_json:
        from acrn.report import run_json

        out = run_json(result)
        out["diagram"] = diagram
        out["trace"] = trace_path
        click.echo(json.dumps(out, indent=2, sort_keys=True))
    else:
        click.echo(diagram if diagram is not None else "no violation in this run")
        if trace_path:
            click.echo("trace: %s" % trace_path)
    return 1 if diagram is not None else 0


@click.command(epilog=examples("explore kick-race --design nmi-nowindow",
                               "explore pmu-nmi --design init --horizon-us 200 --trace out/cx"))
@click.argument("scenario", shell_complete=complete_scenario)
@click.option("--design", "-d", required=True, shell_complete=complete_design,
              help="Notification design (see `acrn-model designs`).")
@click.option("--strategy", type=click.Choice(["dfs", "pct", "random"]), default="dfs", show_default=True,
              help="dfs: every run within the bound (systematic); random, pct: sampled runs (never complete).")
@click.option("--bound", type=click.IntRange(min=0), default=None,
              help="Deviation bound: choices that may differ from the default (dfs), or per run (pct, random). "
                   "[default: 1]")
@click.option("--max-states", type=click.IntRange(min=1), default=200000, show_default=True,
              help="Stop after this many choice-point states; a search stopped so is incomplete (exit 3).")
@click.option("--max-runs", type=click.IntRange(min=1), default=20000, show_default=True,
              help="Stop after this many runs; a search stopped so is incomplete (exit 3).")
@click.option("--horizon-us", type=FiniteFloat(min=1.0, max=MAX_DURATION_US), default=None,
              help="Explore the first H microseconds of the scenario. [default: min(100, duration)]")
@click.option("--seed", type=seed_type(), default=0, show_default=True,
              help="Seed of the random and pct strategies.")
@click.option("--trace", "trace_dir", type=OutputDir(), default=None,
              help="Write the counterexample as an acrntrace capture into this folder.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the result as JSON (schema: acrn/schemas/explore.json).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Split the search over a local Dask cluster of N worker processes (same result as serial).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Split the search over an existing dask.distributed cluster (tcp://HOST:PORT).")
@click.pass_obj
def explore(obj, scenario, design, strategy, bound, max_states, max_runs, horizon_us, seed, trace_dir, as_json, jobs,
            scheduler):
    """Search SCENARIO's interleavings under DESIGN for an invariant violation.

    Exit status: 1 with the shortest counterexample found (choice string, sequence diagram), 0 when none
    exists within the bound (with what the search's choice points covered), 3 when --max-states or
    --max-runs stopped the search before it covered the bound, 2 on bad arguments."""
    registry = obj.registry
    check_design(registry, design)
    from acrn.cli.sweep import cluster_options, sweep_errors

    cluster_options(jobs, scheduler)
    with sweep_errors():
        status = run_explore(registry, load(registry, scenario), design, strategy, bound, max_states, max_runs,
                             horizon_us, seed, trace_dir, as_json, jobs, scheduler, obj.plugins)
    sys.exit(status)


def _check_choices(ctx, param, value):
    """``--choices``: a choice string whose positions and values fit the chooser's 64-bit integers."""
    from acrn.errors import AcrnModelError
    from acrn.explore import decode_choices

    shown = value if len(value) <= 60 else value[:57] + "..."
    try:
        decoded = decode_choices(value)
    except (AcrnModelError, ValueError):
        raise click.BadParameter("%r is not a choice string x1:POSITION=VALUE,..." % shown) from None
    if any(p >= 2 ** 63 or not -2 ** 63 <= v < 2 ** 63 for p, v in decoded.items()):
        raise click.BadParameter("%r: positions and values must be 64-bit integers" % shown)
    return value


@click.command(epilog=examples("replay kick-race --design nmi-nowindow --choices x1:153=350",
                               "replay kick-race --design nmi-nowindow --choices x1:153=350 --trace out/cx"))
@click.argument("scenario", shell_complete=complete_scenario)
@click.option("--design", "-d", required=True, shell_complete=complete_design,
              help="Notification design (see `acrn-model designs`).")
@click.option("--choices", required=True, callback=_check_choices,
              help="The choice string `explore` printed (x1:pos=value,...).")
@click.option("--horizon-us", type=FiniteFloat(min=1.0, max=MAX_DURATION_US), default=None, help="As given to explore.")
@click.option("--trace", "trace_dir", type=OutputDir(), default=None,
              help="Write the replayed run as an acrntrace capture into this folder.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the replayed run as JSON (schema: acrn/schemas/replay.json).")
@click.pass_obj
def replay(obj, scenario, design, choices, horizon_us, trace_dir, as_json):
    """Re-run a counterexample exactly from its choice string; prints its sequence diagram."""
    registry = obj.registry
    check_design(registry, design)
    sys.exit(run_replay(registry, load(registry, scenario), design, choices, horizon_us, trace_dir, as_json))
