"""``acrn-model microbench``: exit-path micro-benchmarks."""
import json

import click

from acrn.cli.common import check_design, seed_type
from acrn.cli.complete import complete_design, examples


@click.command(epilog=examples("microbench", "microbench --design nmi --vs init --path cpuid --json"))
@click.option("--design", "-d", default="nmi", show_default=True, shell_complete=complete_design,
              help="Design to measure.")
@click.option("--vs", "vs_design", default=None, metavar="DESIGN", shell_complete=complete_design, help="A second design, side by side (ratio B/A).")
@click.option("--rounds", type=int, default=2000, show_default=True, help="About this many round trips per path.")
@click.option("--seed", type=seed_type(), default=1, show_default=True, help="Seed of the runs' latency draws.")
@click.option("--path", "paths", multiple=True, metavar="PATH", help="Only these paths (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (schema: acrn/schemas/microbench.json).")
@click.pass_obj
def microbench(obj, design, vs_design, rounds, seed, paths, as_json):
    """Exit-path micro-benchmarks, like kvm-unit-tests' vmexit table: modelled cycles per round trip with
    the step breakdown, and the model's wall-clock ns per simulated VM exit."""
    from acrn import microbench as mb

    registry = obj.registry
    for d in (design, vs_design):
        check_design(registry, d)
    results = mb.microbench(design, registry, rounds=rounds, seed=seed, paths=paths)
    vs = mb.microbench(vs_design, registry, rounds=rounds, seed=seed, paths=paths) if vs_design else None
    if as_json:
        click.echo(json.dumps(mb.to_json(results, vs, rounds=rounds, seed=seed), indent=2))
    else:
        from acrn.report import _console

        mb.print_table(results, vs, console=_console())
