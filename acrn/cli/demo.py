"""`acrn-model demo --out DIR`: the table, then one scenario traced under two designs (captures, the vm_exit
report once with its empty rows folded, the latency comparison, a timeline, plots), then the explorer on
kick-race under nmi-nowindow and nmi.

Each part goes through the same CLI commands a user would type, so the demo shows them working."""
import glob
import os
import shutil

import click

from acrn.cli.common import check_design
from acrn.cli.complete import complete_design, complete_scenario, examples

SCENARIO = "kick-race"
DESIGNS = ("nmi-nowindow", "nmi")


def _cli(main, args):
    """Run one acrn-model command in-process; a violation (exit 1) is an expected outcome here."""
    click.echo("\n$ acrn-model %s" % " ".join(args))
    try:
        main.main(args=list(args), prog_name="acrn-model", standalone_mode=False)
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    if code not in (0, 1):
        raise click.ClickException("`acrn-model %s` failed with exit status %s" % (" ".join(args), code))
    return code


def full_demo(main, out):
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    captures = {}
    for design in DESIGNS:
        _cli(main, ["run", SCENARIO, "--design", design, "--trace", os.path.join(out, design)])
        captures[design] = glob.glob(os.path.join(out, design, "*"))[0]
    nmi, nowindow = captures["nmi"], captures["nmi-nowindow"]
    _cli(main, ["analyze", nmi, "--report", "vm_exit", "--hide-zero"])
    _cli(main, ["analyze", nmi, "--report", "vm_exit", "--csv", os.path.join(out, "vm_exit.csv"), "--plot",
                os.path.join(out, "vm_exit.png"), "--quiet"])
    _cli(main, ["analyze", nowindow, "--report", "latency", "--compare", nmi, "--plot", os.path.join(out, "latency.png")])
    _cli(main, ["analyze", nowindow, "--report", "irq", "--compare", nmi, "--plot", os.path.join(out, "irq.png"),
                "--quiet"])
    _cli(main, ["timeline", nowindow, "-o", os.path.join(out, "timeline.json")])
    for design in DESIGNS:
        _cli(main, ["explore", SCENARIO, "--design", design])
    click.echo("\nwrote %s: captures, vm_exit.csv, vm_exit.png, latency.png, irq.png, timeline.json (open it in "
               "Perfetto)" % out)


@click.command(epilog=examples("demo", "demo -s kick-race -s pmu-nmi -d nmi -d init --out out/demo"))
@click.option("--scenario", "-s", "scenarios", multiple=True, shell_complete=complete_scenario,
              help="Only these scenarios (default: all built-in; repeatable).")
@click.option("--design", "-d", "designs", multiple=True, shell_complete=complete_design,
              help="Only these designs (default: all in the demo; repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON (schema: acrn/schemas/demo.json).")
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
        check_design(registry, d)
    scenario_list = list(scenarios) or builtin_names()
    design_list = list(designs) or [name for name, d in registry.designs.items() if d.in_demo]
    demo_table(registry, scenario_list, design_list, as_json=as_json)
    if out is not None:
        full_demo(click.get_current_context().find_root().command, out)
