"""Tests of the example plugin package: it installs and is discovered, its scheduler gives the pCPU to the
higher priority and preempts on wake, and its CPUID handler counts what the run counts.

``make test`` installs the package (pip install ./examples/acrn-model-sched-prio) before running these.
Run alone: ``pip install ./examples/acrn-model-sched-prio && pytest examples/acrn-model-sched-prio/tests``.
"""
import dataclasses
import importlib.metadata
import os
import re
import sys

import pytest
from click.testing import CliRunner

HERE = os.path.dirname(os.path.abspath(__file__))
try:
    import acrn_sched_prio  # noqa: F401  (installed)
except ImportError:  # not installed: the source tree still lets the behaviour tests run
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

from acrn.cli import main  # noqa: E402
from acrn.core.schedule import sleep_thread, wake_thread  # noqa: E402
from acrn.host.run import Run  # noqa: E402
from acrn.host.tracing import Recorder  # noqa: E402
from acrn.plugin import Registry, get_plugin_manager  # noqa: E402
from acrn.scenarios import load_scenario  # noqa: E402

from acrn_sched_prio import SCENARIO, WATCHDOG_SCENARIO  # noqa: E402
from acrn_sched_prio.cpuid_counter import cpuid_exits  # noqa: E402
from acrn_sched_prio.sched_prio import SchedPrio  # noqa: E402

PLUGIN = "acrn_sched_prio.plugin"


def installed():
    return any(ep.name == "sched_prio" and ep.value == PLUGIN
               for ep in importlib.metadata.entry_points(group="acrn_model"))


def require_installed():
    if installed():
        return
    if os.environ.get("ACRN_MODEL_EXPECT"):  # set by make test, which installs the example first
        pytest.fail("acrn-model-sched-prio is not installed: make test should have installed it")
    pytest.skip("acrn-model-sched-prio is not installed (pip install ./examples/acrn-model-sched-prio)")


@pytest.fixture(scope="module")
def registry():
    """Built-ins plus this plugin, loaded by name (independent of what else is installed)."""
    return Registry(get_plugin_manager([PLUGIN], autoload=False))


def _run(registry, scheduler=None, tracer=None):
    scenario = load_scenario(SCENARIO, registry)
    if scheduler is not None:
        scenario = dataclasses.replace(scenario, scheduler=scheduler)
    return Run(scenario, "nmi", registry=registry, tracer=tracer)


# ---- installed and discovered ------------------------------------------------------------------------------
def test_entry_point_is_discovered_and_listed():
    require_installed()
    discovered = Registry(get_plugin_manager(autoload=True))
    assert discovered.owner("acrn_register_schedulers", "prio") == "sched_prio"
    assert discovered.owner("acrn_register_exit_handlers", 10) == "sched_prio"
    assert "nmi-watchdog" in discovered.nmi_sources
    origin = dict((name, origin) for name, origin, _hooks in discovered.plugin_details())["sched_prio"]
    assert origin == "entry point (acrn-model-sched-prio 0.1.0)"
    out = CliRunner().invoke(main, ["plugins"]).output
    flat = re.sub(r"[\s\u2502\u2503]+", " ", out)  # the table without its wrapping and column rules
    assert "sched_prio (entry point (acrn-model-sched-prio 0.1.0))" in flat
    assert "acrn_register_schedulers: prio" in flat and "acrn_register_nmi_sources: nmi-watchdog" in flat


def test_autoload_can_be_turned_off(monkeypatch):
    require_installed()
    monkeypatch.setenv("ACRN_MODEL_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert "prio" not in Registry(get_plugin_manager()).schedulers


def test_cli_runs_the_scenario_with_the_priority_scheduler():
    require_installed()
    res = CliRunner().invoke(main, ["run", SCENARIO, "--design", "nmi", "--json"])
    assert res.exit_code == 0, res.output
    assert '"scenario": "prio-share"' in res.output


# ---- the priority scheduler -------------------------------------------------------------------------------
def test_the_higher_priority_vm_keeps_the_shared_pcpu(registry):
    run = _run(registry)
    result = run.execute()
    counts = cpuid_exits(run)
    assert result.ok(), result.verdicts
    assert counts["high:vcpu0"] > 50  # priority 2 on pCPU 1: runs all the time
    assert counts["low:vcpu0"] == 0  # priority 1 on pCPU 1: never runs (strict priority, no time slice)
    assert counts["low:vcpu1"] > 50  # alone on pCPU 2
    # the contrast: under sched_bvt the two share pCPU 1 by weight
    bvt = _run(registry, scheduler="bvt")
    bvt.execute()
    assert cpuid_exits(bvt)["low:vcpu0"] > 0 and cpuid_exits(bvt)["high:vcpu0"] > 0


def test_wake_of_a_higher_priority_thread_preempts(registry):
    """high's thread blocks at 500 us and wakes at 1200 us (sleep_thread / wake_thread, as ACRN's HLT
    emulation does): low runs on pCPU 1 only in between, and high takes the pCPU back within microseconds
    of its wake (the framework's reschedule request reaches low's pCPU with IPI 0xF0)."""
    recorder = Recorder(with_steps=False)
    run = _run(registry, tracer=recorder)
    high = run.hv.vm_by_name("high").vcpus[0]
    t_sleep, t_wake = run.cycles(500), run.cycles(1200)

    def on_bsp(func):
        def call():
            run.sim.cur_cpu = 0  # hypervisor code on pCPU 0 (like the launch of the VMs)
            func(run.hv, high.thread_obj)
        return call

    run.sim.call_at(t_sleep, on_bsp(sleep_thread))
    run.sim.call_at(t_wake, on_bsp(wake_thread))
    result = run.execute()
    assert result.ok(), result.verdicts
    switches, current = [], None
    for t, cpu, kind, fields in recorder.events:
        if kind == "sched" and cpu == 1 and fields[0] != current:
            current = fields[0]
            switches.append((t, current))
    names = [name for _, name in switches]
    assert names[-3:] == ["vcpu0:high", "vcpu0:low", "vcpu0:high"], switches
    (t_low, _), (t_back, _) = switches[-2], switches[-1]
    assert t_sleep <= t_low < t_sleep + run.cycles(5)
    assert t_wake <= t_back < t_wake + run.cycles(5)  # preempted at once, not at a tick: prio has none
    low_entries = [t for t, cpu, kind, fields in recorder.events if kind == "vmentry" and fields[0] == "low:vcpu0"]
    assert low_entries and all(t_low <= t <= t_back for t in low_entries)


def test_queue_order_is_priority_then_arrival():
    class Thread:
        def __init__(self, name, weight):
            self.name, self.data = name, type("V", (), {"sched_weight": weight})()

    sched = SchedPrio(hv=None)
    ctl = type("Ctl", (), {})()
    sched.init(ctl)
    threads = [Thread("a1", 1), Thread("b3", 3), Thread("c1", 1), Thread("d3", 3), Thread("e2", 2)]
    for t in threads:
        sched.init_data(ctl, t)
        sched.wake(ctl, t)
    assert [t.name for t in ctl.priv["prio_queue"]] == ["b3", "d3", "e2", "a1", "c1"]
    assert sched.pick_next(ctl).name == "b3"
    sched.sleep(ctl, threads[1])
    assert sched.pick_next(ctl).name == "d3"


# ---- the exit handler and the NMI source -------------------------------------------------------------------
def test_cpuid_counts_match_the_runs_cpuid_exits(registry):
    run = _run(registry)
    result = run.execute()
    counts = cpuid_exits(run)
    assert sum(counts.values()) == result.counts["exits_by_reason"]["10"] > 0


def test_counting_handler_keeps_the_run_identical(registry):
    """Wrapping cpuid_vmexit_handler changes nothing the model decides: same digest without the plugin."""
    plain = Registry(get_plugin_manager(autoload=False))
    scenario = load_scenario(SCENARIO, registry)
    alone = dataclasses.replace(scenario, scheduler="bvt")  # a scheduler both registries know
    assert Run(alone, "nmi", registry=registry).execute().digest() == \
        Run(alone, "nmi", registry=plain).execute().digest()


def test_nmi_watchdog_is_a_source_scenarios_can_enable(registry):
    source = registry.nmi_sources["nmi-watchdog"]
    assert source.name == "nmi-watchdog" and "NMI" in source.description
    assert registry.owner("acrn_register_nmi_sources", "nmi-watchdog") == PLUGIN
    scenario = load_scenario(WATCHDOG_SCENARIO, registry)
    # ACRN 2021 (init): the guest's NMIs are its own, every watchdog NMI arrives
    init = Run(scenario, "init", registry=registry).execute()
    assert init.counts["guest_nmis_raised"] == init.counts["guest_nmis_received"] > 5
    assert init.verdict("no-lost-guest-nmi").verdict == "PASS"
    # the series as merged: every NMI of a lapic-pt VM is taken as a kick, the watchdog never fires in the guest
    series = Run(scenario, "nmi-series", registry=registry).execute()
    assert series.counts["guest_nmis_raised"] > 5 and series.counts["guest_nmis_received"] == 0
    assert series.verdict("no-lost-guest-nmi").verdict == "FAIL"
