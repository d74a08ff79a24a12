"""`acrn-model demo --out DIR`: the table, then one scenario traced under two designs (captures, vm_exit and
latency reports, a timeline, a plot), then the explorer on kick-race under nmi-nowindow and nmi.

Each part goes through the same CLI commands a user would type, so the demo shows them working."""
import glob
import os
import shutil

import click

SCENARIO = "kick-race"
DESIGNS = ("nmi-nowindow", "nmi")


def _cli(args):
    """Run one acrn-model command in-process; a violation (exit 1) is an expected outcome here."""
    from acrn.cli import main

    click.echo("\n$ acrn-model %s" % " ".join(args))
    try:
        main.main(args=list(args), prog_name="acrn-model", standalone_mode=False)
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    if code not in (0, 1):
        raise click.ClickException("`acrn-model %s` failed with exit status %s" % (" ".join(args), code))
    return code


def full_demo(out):
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    captures = {}
    for design in DESIGNS:
        _cli(["run", SCENARIO, "--design", design, "--trace", os.path.join(out, design)])
        captures[design] = glob.glob(os.path.join(out, design, "*"))[0]
    nmi, nowindow = captures["nmi"], captures["nmi-nowindow"]
    _cli(["analyze", nmi, "--report", "vm_exit", "--csv", os.path.join(out, "vm_exit.csv")])
    _cli(["analyze", nowindow, "--report", "latency", "--compare", nmi, "--plot", os.path.join(out, "latency.png")])
    _cli(["analyze", nmi, "--report", "vm_exit", "--plot", os.path.join(out, "vm_exit.png")])
    _cli(["timeline", nowindow, "-o", os.path.join(out, "timeline.json")])
    for design in DESIGNS:
        _cli(["explore", SCENARIO, "--design", design])
    click.echo("\nwrote %s: captures, vm_exit.csv, latency.png, vm_exit.png, timeline.json (open it in Perfetto)" % out)
