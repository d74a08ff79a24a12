"""Terminal output of the CLI (rich tables).  Nothing here computes a verdict: it only shows results."""
import json

from rich import box
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from acrn.engine.result import FAIL, PASS

# the demo table's column names (a legend under the table spells them out); a plugin's invariant keeps its name
INVARIANT_SHORT = {
    "request-latency": "lat",
    "no-spurious-guest-interrupt": "spur",
    "no-lost-guest-nmi": "lost",
    "shutdown-completes": "s5",
    "smp-call-completes": "smp",
    "no-hypervisor-fault": "flt",
}


def _console(stderr=False):
    con = Console(highlight=False, stderr=stderr)
    if not con.is_terminal:
        con = Console(highlight=False, stderr=stderr, width=160)  # files and pipes get the whole table
    return con


def _style(verdict):
    if verdict == PASS:
        return "[green]PASS[/green]"
    if verdict == FAIL:
        return "[bold red]FAIL[/bold red]"
    return "[dim]-[/dim]"


def _us(value):
    return "-" if value is None else ("%.1f" % value if value < 100 else "%.0f" % value)


def _approx(stats):
    """Says when p50/p99 come from histogram buckets (more samples than are kept exactly)."""
    if not stats.rel_error:
        return ""
    return " (p50/p99 within %.1f %%: log-linear buckets; n and max exact)" % (100 * stats.rel_error)


def print_run(result):
    con = _console()
    con.print("[bold]%s[/bold] under design [bold]%s[/bold], seed %d (%s; TSC %.0f MHz, %.0f us simulated)" % (
        result.scenario, result.design, result.seed, "compiled" if result.compiled else "interpreted",
        result.tsc_mhz, result.duration_cycles / result.tsc_mhz))
    table = Table("invariant", "verdict", "violations", "first violation")
    for v in result.verdicts:
        first = "" if v.first is None else "t=%.1f us pCPU%d: %s" % (v.first.time / result.tsc_mhz, v.first.pcpu,
                                                                     v.first.message)
        table.add_row(v.name, _style(v.verdict), str(v.count) if v.count else "", first)
    con.print(table)
    rl, kl = result.request_latency, result.kick_latency
    con.print("request made -> handled (remote requests, n=%d): p50 %s us, p99 %s us, max %s us%s"
              % (rl.n, _us(rl.p50_us), _us(rl.p99_us), _us(rl.max_us), _approx(rl)))
    con.print("kick sent -> VM exit (n=%d): p50 %s us, p99 %s us, max %s us%s"
              % (kl.n, _us(kl.p50_us), _us(kl.p99_us), _us(kl.max_us), _approx(kl)))
    c = result.counts
    con.print("%d steps, %d VM exits, kicks %s" % (c["steps"], c["vm_exits"],
                                                   ", ".join("%s=%d" % kv for kv in c["kicks"].items()) or "none"))


def run_json(result):
    """A RunResult as the ``run --json`` document: ``result.to_dict()`` plus ``exit_reasons``, the VM exits
    by basic exit reason with its number and its SDM name (schema: acrn/schemas/common.json, run_result)."""
    from acrn.arch_x86.consts import exit_reason_name

    out = result.to_dict()
    out["exit_reasons"] = [{"reason": int(k), "name": exit_reason_name(int(k)), "count": v}
                           for k, v in sorted(out["counts"]["exits_by_reason"].items(), key=lambda kv: int(kv[0]))]
    return out


def run_matrix(registry, scenario_names, design_names, progress=True):
    """Run every (scenario, design) pair; returns [(scenario, design, RunResult)]."""
    from acrn.host.run import Run
    from acrn.scenarios import load_scenario

    loaded = [load_scenario(name, registry) for name in scenario_names]
    rows = []
    with Progress(transient=True, disable=not progress, console=Console(stderr=True)) as bar:
        task = bar.add_task("running", total=len(loaded) * len(design_names))
        for sc in loaded:
            for design in design_names:
                bar.update(task, description="%s / %s" % (sc.name, design))
                rows.append((sc.name, design, Run(sc, design, registry=registry).execute()))
                bar.advance(task)
    return rows


def demo_table(registry, scenario_names, design_names, as_json=False, console=None, progress=True):
    """The demo table: one section per scenario, one row per design, a verdict column per invariant and
    the request latency; laid out to fit 80 columns (short column names, spelt out in a legend).  Printed
    on ``console`` (default: stdout), or as JSON; returns [(scenario, design, RunResult)]."""
    rows = run_matrix(registry, scenario_names, design_names, progress=progress and not as_json)
    invariants = list(registry.invariants)
    if as_json:
        print_json([run_json(r) for _, _, r in rows])
        return rows
    con = console or _console()
    table = Table(title="every design on every scenario", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    table.add_column("design", no_wrap=True)  # under each scenario's name: 80 columns in all
    for name in invariants:
        table.add_column(INVARIANT_SHORT.get(name, name), justify="center", no_wrap=True)
    for col in ("p50", "p99", "max"):
        table.add_column(col, justify="right", no_wrap=True)
    previous = None
    for scenario, design, result in rows:
        if scenario != previous:
            if previous is not None:
                table.add_row()
            table.add_row("[bold]%s[/bold]" % scenario)
        previous = scenario
        verdicts = {v.name: v for v in result.verdicts}
        rl = result.request_latency
        table.add_row("  " + design, *[_style(verdicts[n].verdict) for n in invariants],
                      _us(rl.p50_us), _us(rl.p99_us), _us(rl.max_us))
    con.print(table)
    legend = ", ".join("%s: %s" % (INVARIANT_SHORT[n], n) for n in invariants if n in INVARIANT_SHORT)
    con.print("[dim]%s; p50/p99/max: request latency in us (remote requests, made -> handled).[/dim]" % legend)
    con.print("[dim]PASS: the invariant held; FAIL: violated (`acrn-model run SCENARIO --design D` shows the first "
              "violation); -: the scenario does not exercise it.[/dim]")
    return rows


def designs_data(registry):
    """``designs --json``: every design, its summary and the value of each design field."""
    out = []
    for design in registry.designs.values():
        fields = design.describe()
        out.append({"name": fields.pop("name"), "summary": fields.pop("summary"), "in_demo": bool(design.in_demo),
                    "fields": fields})
    return out


def scenarios_data(registry):
    """``scenarios --json``: the built-in scenarios, in the story's order."""
    from acrn.scenarios import builtin_names, load_scenario

    out = []
    for name in builtin_names():
        sc = load_scenario(name, registry)
        out.append({"name": sc.name, "pcpus": sc.pcpus, "scheduler": sc.scheduler, "duration_us": sc.duration_us,
                    "seed": sc.seed, "description": " ".join(sc.description.split()), "bounds": dict(sc.bounds),
                    "vms": [{"name": v.name, "pcpus": list(v.pcpus), "lapic_pt": v.lapic_pt, "service": v.service,
                             "work": [w.kind for w in v.work], "nmi": [n.source for n in v.nmi]} for v in sc.vms]})
    return out


def plugins_data(registry):
    """``plugins --json``: each loaded plugin and the hooks it implements."""
    return [{"plugin": name, "hooks": list(hooks)} for name, hooks in registry.plugin_table()]


def print_json(data):
    print(json.dumps(data, indent=2, sort_keys=True))


def print_designs(registry):
    con = _console()
    table = Table("design", "kick", "S5 sleep", "NMI exiting", "handle_nmi", "is_notification_nmi", "INIT exit",
                  "smp_call", "summary")
    for d in designs_data(registry):
        f = d["fields"]
        table.add_row(d["name"], f["kick_mode"], f["sleep_mode"], "yes" if f["lapic_pt_nmi_exiting"] else "no",
                      f["handle_nmi"], f["notification_nmi"], f["init_exit"], f["smp_call"], d["summary"])
    con.print(table)


def print_scenarios(registry):
    con = _console()
    table = Table("scenario", "pCPUs", "scheduler", "VMs", "duration us", "description")
    for sc in scenarios_data(registry):
        vms = ", ".join("%s%s%s" % (v["name"], " (lapic-pt)" if v["lapic_pt"] else "",
                                    " (service)" if v["service"] else "") for v in sc["vms"])
        table.add_row(sc["name"], str(sc["pcpus"]), sc["scheduler"], vms, "%.0f" % sc["duration_us"],
                      sc["description"])
    con.print(table)


def print_plugins(registry):
    con = _console()
    table = Table("plugin", "hooks")
    for p in plugins_data(registry):
        table.add_row(p["plugin"], ", ".join(p["hooks"]))
    con.print(table)
