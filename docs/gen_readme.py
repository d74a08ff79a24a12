"""Regenerate the README's figures from real runs: ``make readme`` (or ``python docs/gen_readme.py``).

Each figure sits between ``<!-- gen:NAME -->`` and ``<!-- /gen:NAME -->`` in README.md and is rewritten
from what the model gives now; the prose around it is left alone.  ``--check`` rewrites nothing and exits
1 with a diff when the README differs from what the runs give (a test runs it), 0 when it matches.

Sections: ``design-table`` (the demo's designs and their summaries, from the registry), ``demo-table``
(``acrn-model demo`` at 80 columns), ``vnmi-latency`` (nmi-vnmi's worst request latency on pmu-nmi over
seeds 1-4 for three guest NMI-handler costs, and nmi's), ``explore-kick-race`` (``acrn-model explore
kick-race`` under nmi-nowindow and nmi, wall-clock figures left out: they are not reproducible).

When the engine changes (its PRNG, a cost), one command refreshes every figure: ``make readme``.
"""
import argparse
import difflib
import io
import os
import re
import sys

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "README.md")
MARK = re.compile(r"(<!-- gen:(?P<name>[a-z0-9-]+) -->\n)(?P<body>.*?)(<!-- /gen:(?P=name) -->)", re.S)
VNMI_SEEDS = (1, 2, 3, 4)
VNMI_HANDLER_COSTS = (None, 20000, 100000)  # None: the cost model's default (1-3k cycles)


def design_table(registry):
    """The markdown table of the demo's designs, with the summary each design registers."""
    lines = ["| design | what it is |", "|---|---|"]
    for name, design in registry.designs.items():
        if design.in_demo:
            lines.append("| `%s` | %s |" % (name, design.describe()["summary"]))
    return "\n".join(lines) + "\n"


def demo_table(registry):
    """``acrn-model demo``'s table as an 80-column terminal shows it."""
    from rich.console import Console

    from acrn import report
    from acrn.scenarios import builtin_names

    buf = io.StringIO()
    console = Console(file=buf, width=80, highlight=False, color_system=None)
    designs = [name for name, d in registry.designs.items() if d.in_demo]
    report.demo_table(registry, builtin_names(), designs, console=console, progress=False)
    body = "\n".join(line.rstrip() for line in buf.getvalue().splitlines())
    return "```\n$ acrn-model demo\n%s\n```\n" % body


def _worst_request_us(registry, scenario, design, seeds, cost):
    from acrn.host.run import Run

    worst, p99 = 0.0, 0.0
    for seed in seeds:
        sc = scenario
        if cost is not None:
            sc = _with_cost(scenario, "guest_nmi_handler", cost)
        rl = Run(sc, design, seed=seed, registry=registry).execute().request_latency
        worst, p99 = max(worst, rl.max_us or 0.0), max(p99, rl.p99_us or 0.0)
    return worst, p99


def _with_cost(scenario, step, cycles):
    import dataclasses

    return dataclasses.replace(scenario, cost=dict(scenario.cost, **{step: cycles}))


def vnmi_latency(registry):
    """nmi-vnmi's worst request latency (and worst p99) on pmu-nmi over seeds 1-4, per guest handler cost."""
    from acrn.scenarios import load_scenario

    sc = load_scenario("pmu-nmi", registry)
    bound = sc.bounds["request_latency_us"]
    lines = ["| design | guest NMI handler | worst request latency | worst p99 |", "|---|---|---|---|"]
    for cost in VNMI_HANDLER_COSTS:
        worst, p99 = _worst_request_us(registry, sc, "nmi-vnmi", VNMI_SEEDS, cost)
        handler = "1-3k cycles (default)" if cost is None else "%dk cycles" % (cost // 1000)
        over = " (over the %g us bound)" % bound if worst > bound else ""
        lines.append("| `nmi-vnmi` | %s | %.1f us%s | %.1f us |" % (handler, worst, over, p99))
    worst, p99 = _worst_request_us(registry, sc, "nmi", VNMI_SEEDS, None)
    lines.append("| `nmi` | 1-3k cycles (default) | %.1f us | %.1f us |" % (worst, p99))
    cmd = "acrn-model run pmu-nmi --design D --seed S [--cost guest_nmi_handler=N]"
    return "Seeds %s, `%s`:\n\n%s\n" % ("-".join(str(s) for s in (VNMI_SEEDS[0], VNMI_SEEDS[-1])), cmd,
                                      "\n".join(lines))


# the explorer's wall-clock figures: "(N states/s)", ", X.XX s" and "(X.XX s)"; everything else is reproducible
_TIMING = re.compile(r" \(\d+ states/s\)|, \d+\.\d\d s(?=$|\n)| \(\d+\.\d\d s\)")


def explore_kick_race(registry):
    """``acrn-model explore kick-race`` under nmi-nowindow (the race, found) and nmi (none within the bound)."""
    from click.testing import CliRunner

    from acrn.cli import main

    parts = []
    for design in ("nmi-nowindow", "nmi"):
        args = ["explore", "kick-race", "--design", design]
        out = CliRunner().invoke(main, args)
        if out.exit_code not in (0, 1):
            raise SystemExit("gen_readme: `acrn-model %s` exited %d:\n%s" % (" ".join(args), out.exit_code,
                                                                            out.output))
        parts.append("$ acrn-model %s\n%s" % (" ".join(args), _TIMING.sub("", out.stdout).rstrip("\n")))
    return "```\n%s\n```\n" % "\n\n".join(parts)


SECTIONS = {"design-table": design_table, "demo-table": demo_table, "vnmi-latency": vnmi_latency,
            "explore-kick-race": explore_kick_race}


def render(text, registry=None):
    """``text`` (the README) with every marked section regenerated; an unknown section name is an error."""
    from acrn.plugin import default_registry

    registry = registry or default_registry()
    names = [m.group("name") for m in MARK.finditer(text)]
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown:
        raise SystemExit("gen_readme: unknown section(s) %s (known: %s)" % (", ".join(unknown), ", ".join(SECTIONS)))
    return MARK.sub(lambda m: m.group(1) + SECTIONS[m.group("name")](registry) + m.group(4), text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 with a diff if the README is not current")
    parser.add_argument("--readme", default=README, help="the README to rewrite (default: the repo's)")
    args = parser.parse_args(argv)
    with open(args.readme, encoding="utf-8") as f:
        old = f.read()
    new = render(old)
    if args.check:
        if new != old:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), "README.md",
                                                       "generated"))
            return 1
        return 0
    if new != old:
        tmp = args.readme + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(new)
        os.replace(tmp, args.readme)  # never a half-written README
    print("%s: %s" % (args.readme, "rewritten" if new != old else "already current"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
