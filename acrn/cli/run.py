"""``acrn-model run``: one scenario under one design, its invariants checked."""
import json
import sys

import click

from acrn.cli.common import (EXIT_VIOLATION, OutputDir, check_design, close_tracer, load, open_tracer, parse_costs,
                             seed_type)
from acrn.cli.complete import complete_design, complete_scenario, examples


@click.command(epilog=examples("run kick-race --design nmi", "run my-host.toml --design init --seed 3 --trace out"))
@click.argument("scenario", shell_complete=complete_scenario)
@click.option("--design", "-d", required=True, shell_complete=complete_design,
              help="Notification design (see `acrn-model designs`).")
@click.option("--seed", type=seed_type(), default=None, help="Override the scenario's seed.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (schema: acrn/schemas/run.json).")
@click.option("--trace", "trace_dir", type=OutputDir(), default=None,
              help="Write an acrntrace capture of the run into this folder.")
@click.option("--cost", "costs", multiple=True, metavar="STEP=CYCLES",
              help="Override one step of the cost model: a number of cycles or LO:HI (repeatable).")
@click.pass_obj
def run(obj, scenario, design, seed, as_json, trace_dir, costs):
    """Run SCENARIO (a built-in name or a TOML file) under one design and check the invariants.

    Exit status: 0 when every invariant holds, 1 when one is violated, 2 on bad input, 4 on an internal
    error (see `acrn-model --help`)."""
    from acrn.host.run import Run

    registry = obj.registry
    check_design(registry, design)
    sc = load(registry, scenario)
    sc.cost = dict(sc.cost, **parse_costs(costs))
    tracer = None if trace_dir is None else open_tracer("--trace", trace_dir, sc)
    try:
        result = Run(sc, design, seed=seed, tracer=tracer, registry=registry).execute()
    except BaseException:
        if tracer is not None:
            tracer.abort()
        raise
    if tracer is not None:
        close_tracer("--trace", tracer)
    if as_json:
        from acrn.report import run_json

        out = run_json(result)
        if tracer is not None:
            out["trace"] = tracer.path
        click.echo(json.dumps(out, indent=2, sort_keys=True))
    else:
        from acrn.report import print_run

        print_run(result)
        if tracer is not None:
            click.echo("trace: %s" % tracer.path)
    sys.exit(0 if result.ok() else EXIT_VIOLATION)
