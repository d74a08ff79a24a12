"""The ``acrn-model`` command.

Every error caused by input (scenario file, design name, option, plugin) is printed as one line on
stderr with a non-zero exit status; no output file is left half-written.
"""
import json
import sys

import click

import acrn
from acrn.errors import AcrnModelError

EXIT_VIOLATION = 1
EXIT_INPUT = 2


class Context:
    def __init__(self, plugins):
        self.plugins = tuple(plugins)
        self._registry = None

    @property
    def registry(self):
        if self._registry is None:
            from acrn.plugin import Registry, default_registry, get_plugin_manager

            self._registry = Registry(get_plugin_manager(self.plugins)) if self.plugins else default_registry()
        return self._registry


def _fail(message):
    click.echo("acrn-model: error: %s" % message, err=True)
    sys.exit(EXIT_INPUT)


class Group(click.Group):
    """Turns AcrnModelError (and its subclasses) into a one-line error and exit status 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except AcrnModelError as exc:
            _fail(str(exc))


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(acrn.__version__, message="acrn-model %(version)s")
@click.option("-p", "plugins", multiple=True, metavar="MODULE", help="Load a plugin module by name (repeatable).")
@click.pass_context
def main(ctx, plugins):
    """An executable model of ACRN's interrupt and vCPU notification path."""
    ctx.obj = Context(plugins)


def _parse_costs(costs):
    """``--cost STEP=N`` or ``STEP=LO:HI`` -> {step: value}; a bad one is a one-line error."""
    from acrn.engine.cost import STEP_IDS

    out = {}
    for item in costs:
        name, sep, value = item.partition("=")
        if not sep or name not in STEP_IDS:
            _fail("--cost %s: expected STEP=CYCLES with a step of the cost model (%s)" % (item, ", ".join(STEP_IDS)))
        try:
            parts = [int(v) for v in value.split(":")]
        except ValueError:
            parts = []
        if len(parts) not in (1, 2) or min(parts) < 0 or parts[-1] < parts[0]:
            _fail("--cost %s: expected a number of cycles or LO:HI with 0 <= LO <= HI" % item)
        out[name] = parts[0] if len(parts) == 1 else parts
    return out


def _design_names(registry):
    return list(registry.designs)


def _load(registry, scenario):
    from acrn.scenarios import load_scenario

    return load_scenario(scenario, registry)


@main.command()
@click.argument("scenario")
@click.option("--design", "-d", required=True, help="Notification design (see `acrn-model designs`).")
@click.option("--seed", type=int, default=None, help="Override the scenario's seed.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--trace", "trace_dir", type=click.Path(file_okay=False), default=None,
              help="Write an acrntrace capture of the run into this folder.")
@click.option("--cost", "costs", multiple=True, metavar="STEP=CYCLES",
              help="Override one step of the cost model: a number of cycles or LO:HI (repeatable).")
@click.pass_obj
def run(obj, scenario, design, seed, as_json, trace_dir, costs):
    """Run SCENARIO (a built-in name or a TOML file) under one design and check the invariants.

    Exit status: 0 when every invariant holds, 1 when one is violated, 2 on bad input."""
    from acrn.engine.run import Run

    registry = obj.registry
    if design not in registry.designs:
        _fail("--design: unknown design %r (known: %s)" % (design, ", ".join(_design_names(registry))))
    sc = _load(registry, scenario)
    sc.cost = dict(sc.cost, **_parse_costs(costs))
    tracer = None
    if trace_dir is not None:
        from acrn.engine.tracing import ModelTracer

        tracer = ModelTracer(trace_dir, sc.pcpus, sc.tsc_mhz)
    try:
        result = Run(sc, design, seed=seed, tracer=tracer, registry=registry).execute()
    except BaseException:
        if tracer is not None:
            tracer.abort()
        raise
    if tracer is not None:
        tracer.close()
    if as_json:
        out = result.to_dict()
        if tracer is not None:
            out["trace"] = tracer.path
        click.echo(json.dumps(out, indent=2, sort_keys=True))
    else:
        from acrn.report import print_run

        print_run(result)
        if tracer is not None:
            click.echo("trace: %s" % tracer.path)
    sys.exit(0 if result.ok() else EXIT_VIOLATION)


@main.command()
@click.option("--scenario", "-s", "scenarios", multiple=True, help="Only these scenarios (default: all built-in).")
@click.option("--design", "-d", "designs", multiple=True, help="Only these designs (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Then also trace kick-race under nmi-nowindow and nmi into this folder (reports, timeline, "
                   "plots) and explore it under both designs.")
@click.pass_obj
def demo(obj, scenarios, designs, as_json, out):
    """Every design on every built-in scenario: the table that tells the story of the patch series."""
    from acrn.report import demo_table
    from acrn.scenarios import builtin_names

    registry = obj.registry
    for d in designs:
        if d not in registry.designs:
            _fail("--design: unknown design %r (known: %s)" % (d, ", ".join(_design_names(registry))))
    scenario_list = list(scenarios) or builtin_names()
    design_list = list(designs) or [name for name, d in registry.designs.items() if d.in_demo]
    demo_table(registry, scenario_list, design_list, as_json=as_json)
    if out is not None:
        from acrn.demo import full_demo

        full_demo(out)


@main.command()
@click.argument("scenario")
@click.option("--design", "-d", required=True, help="Notification design.")
@click.option("--strategy", type=click.Choice(["dfs", "pct", "random"]), default="dfs", show_default=True)
@click.option("--bound", type=click.IntRange(min=0), default=None,
              help="Deviation bound: choices that may differ from the default (dfs), or per run (pct, random). "
                   "[default: 1]")
@click.option("--max-states", type=click.IntRange(min=1), default=200000, show_default=True)
@click.option("--max-runs", type=click.IntRange(min=1), default=20000, show_default=True)
@click.option("--horizon-us", type=click.FloatRange(min=1.0), default=None,
              help="Explore the first H microseconds of the scenario. [default: min(100, duration)]")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random and pct strategies.")
@click.option("--trace", "trace_dir", type=click.Path(file_okay=False), default=None,
              help="Write the counterexample as an acrntrace capture into this folder.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def explore(obj, scenario, design, strategy, bound, max_states, max_runs, horizon_us, seed, trace_dir, as_json):
    """Search SCENARIO's interleavings under DESIGN for an invariant violation.

    Exit status: 1 with the shortest counterexample found (choice string, sequence diagram), 0 when none
    exists within the bound (the bound and the number of states are printed), 2 on bad arguments."""
    from acrn.explore_cli import run_explore

    registry = obj.registry
    if design not in registry.designs:
        _fail("--design: unknown design %r (known: %s)" % (design, ", ".join(_design_names(registry))))
    sys.exit(run_explore(registry, _load(registry, scenario), design, strategy, bound, max_states, max_runs,
                         horizon_us, seed, trace_dir, as_json))


@main.command()
@click.argument("scenario")
@click.option("--design", "-d", required=True, help="Notification design.")
@click.option("--choices", required=True, help="The choice string `explore` printed (x1:pos=value,...).")
@click.option("--horizon-us", type=click.FloatRange(min=1.0), default=None, help="As given to explore.")
@click.option("--trace", "trace_dir", type=click.Path(file_okay=False), default=None,
              help="Write the replayed run as an acrntrace capture into this folder.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def replay(obj, scenario, design, choices, horizon_us, trace_dir, as_json):
    """Re-run a counterexample exactly from its choice string; prints its sequence diagram."""
    from acrn.explore_cli import run_replay

    registry = obj.registry
    if design not in registry.designs:
        _fail("--design: unknown design %r (known: %s)" % (design, ", ".join(_design_names(registry))))
    sys.exit(run_replay(registry, _load(registry, scenario), design, choices, horizon_us, trace_dir, as_json))


@main.command()
@click.pass_obj
def designs(obj):
    """List the notification designs and what each one chooses."""
    from acrn.report import print_designs

    print_designs(obj.registry)


@main.command()
@click.pass_obj
def scenarios(obj):
    """List the built-in scenarios."""
    from acrn.report import print_scenarios

    print_scenarios(obj.registry)


@main.command()
@click.pass_obj
def plugins(obj):
    """List the loaded plugins and the hooks each implements."""
    from acrn.report import print_plugins

    print_plugins(obj.registry)


@main.command()
@click.option("--design", "-d", default="nmi", show_default=True, help="Design to measure.")
@click.option("--vs", "vs_design", default=None, metavar="DESIGN", help="A second design, side by side (ratio B/A).")
@click.option("--rounds", type=int, default=2000, show_default=True, help="About this many round trips per path.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--path", "paths", multiple=True, metavar="PATH", help="Only these paths (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_obj
def microbench(obj, design, vs_design, rounds, seed, paths, as_json):
    """Exit-path micro-benchmarks, like kvm-unit-tests' vmexit table: modelled cycles per round trip with
    the step breakdown, and the model's wall-clock ns per simulated VM exit."""
    from acrn import microbench as mb

    registry = obj.registry
    for d in (design, vs_design):
        if d is not None and d not in registry.designs:
            _fail("--design: unknown design %r (known: %s)" % (d, ", ".join(_design_names(registry))))
    results = mb.microbench(design, registry, rounds=rounds, seed=seed, paths=paths)
    vs = mb.microbench(vs_design, registry, rounds=rounds, seed=seed, paths=paths) if vs_design else None
    if as_json:
        click.echo(json.dumps(mb.to_json(results, vs, rounds=rounds, seed=seed), indent=2))
    else:
        from acrn.report import _console

        mb.print_table(results, vs, console=_console())


from acrn.trace.cli import register as _register_trace_commands  # noqa: E402  (analyze, timeline)

_register_trace_commands(main)

if __name__ == "__main__":
    main()
