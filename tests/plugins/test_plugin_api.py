"""The plugin API: discovery (entry points, the autoload switch, -p), the registry's tables and their
owners, run-time observers called only when implemented, and `acrn-model plugins`."""
import json
import re
import textwrap

import pytest
from click.testing import CliRunner

from acrn.cli import main
from acrn.host.run import Run
from acrn.hookspecs import hookimpl
from acrn.plugin import BUILTIN_PLUGINS, SETUP_HOOKS, Registry, get_plugin_manager
from acrn.scenarios import parse_scenario
from plugin_helpers import registry_with, small_scenario


def _run(registry, data=None, design="nmi"):
    return Run(parse_scenario(data or small_scenario(), "<test>", registry), design, registry=registry).execute()


# ---- discovery -------------------------------------------------------------------------------------------
def _fake_distribution(root, dist, module, ep_name, source):
    """An installed distribution as importlib.metadata sees it: a dist-info folder with an entry point in
    group acrn_model, and its module, both on sys.path."""
    (root / (module + ".py")).write_text(textwrap.dedent(source))
    info = root / ("%s-1.0.dist-info" % dist.replace("-", "_"))
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n" % dist)
    (info / "entry_points.txt").write_text("[acrn_model]\n%s = %s\n" % (ep_name, module))


EP_PLUGIN = """
from acrn.hookspecs import hookimpl
from acrn.plugins.designs import NMI
import dataclasses

@hookimpl
def acrn_register_designs():
    return {"nmi-ep": dataclasses.replace(NMI, name="nmi-ep", summary="from an entry point")}
"""


def test_entry_point_plugins_are_discovered_unless_autoload_is_off(tmp_path, monkeypatch):
    _fake_distribution(tmp_path, "acrnt-ep-dist", "acrnt_ep_module", "acrnt_ep", EP_PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("ACRN_MODEL_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    found = Registry(get_plugin_manager())
    assert found.owner("acrn_register_designs", "nmi-ep") == "acrnt_ep"
    assert ("acrnt_ep", "entry point (acrnt-ep-dist 1.0)") in [(n, o) for n, o, _ in found.plugin_details()]
    for off in ("1", "yes"):
        monkeypatch.setenv("ACRN_MODEL_DISABLE_PLUGIN_AUTOLOAD", off)
        assert "nmi-ep" not in Registry(get_plugin_manager()).designs
    monkeypatch.setenv("ACRN_MODEL_DISABLE_PLUGIN_AUTOLOAD", "0")
    assert "nmi-ep" in Registry(get_plugin_manager()).designs


def test_a_broken_entry_point_is_named(tmp_path, monkeypatch):
    _fake_distribution(tmp_path, "acrnt-broken-dist", "acrnt_broken_module", "acrnt_broken",
                       "import no_such_module_anywhere\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("ACRN_MODEL_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.setattr("acrn.plugin._DEFAULT", None)  # the CLI's default registry is built once per process
    res = CliRunner().invoke(main, ["designs"])
    assert res.exit_code == 2
    assert res.output.strip() == (
        "acrn-model: error: plugin 'acrnt_broken', hook load: entry point acrnt_broken_module of "
        "acrnt-broken-dist 1.0: ModuleNotFoundError: No module named 'no_such_module_anywhere'")


def test_dash_p_loads_a_module_by_name_and_plugins_lists_it(plugin_module):
    plugin_module("acrnt_listed", """
        from acrn.hookspecs import hookimpl

        class Inv:
            name = "always-holds"
            description = "a test invariant"
            def check(self, run):
                return []

        @hookimpl
        def acrn_register_invariants():
            return {"always-holds": Inv()}

        @hookimpl
        def acrn_on_vmexit(reason):
            pass
    """)
    res = CliRunner().invoke(main, ["-p", "acrnt_listed", "plugins"])
    assert res.exit_code == 0, res.output
    flat = re.sub(r"[\s\u2502\u2503]+", " ", res.output)  # the table without its wrapping and column rules
    assert "acrnt_listed (-p)" in flat and "acrn_on_vmexit" in flat
    assert "acrn_register_invariants: always-holds" in flat
    assert "acrn.plugins.designs (built-in)" in flat
    run = CliRunner().invoke(main, ["-p", "acrnt_listed", "run", "ept-flush", "--design", "nmi", "--json"])
    assert json.loads(run.output)["verdicts"]["always-holds"]["verdict"] == "PASS"


def test_dash_p_with_a_module_that_does_not_import():
    res = CliRunner().invoke(main, ["-p", "acrnt_no_such_plugin", "designs"])
    assert res.exit_code == 2
    assert res.output.strip() == ("acrn-model: error: plugin 'acrnt_no_such_plugin', hook load: cannot import: "
                                  "ModuleNotFoundError: No module named 'acrnt_no_such_plugin'")


def test_a_misspelt_hook_is_an_error_not_silence(plugin_module):
    plugin_module("acrnt_typo", """
        from acrn.hookspecs import hookimpl

        @hookimpl
        def acrn_on_vmexitt(reason):
            pass
    """)
    res = CliRunner().invoke(main, ["-p", "acrnt_typo", "designs"])
    assert res.exit_code == 2
    assert res.output.startswith("acrn-model: error: plugin 'acrnt_typo', hook acrn_on_vmexitt: no such hook")


# ---- the registry ----------------------------------------------------------------------------------------
def test_builtins_are_registered_like_plugins():
    reg = Registry(get_plugin_manager(autoload=False))
    assert reg.owner("acrn_register_designs", "nmi") == "acrn.plugins.designs"
    assert reg.owner("acrn_register_schedulers", "bvt") == "acrn.plugins.schedulers"
    assert reg.owner("acrn_register_invariants", "request-latency") == "acrn.plugins.invariants"
    assert {"ipi", "nmi-naive", "nmi-nowindow", "nmi-window", "nmi-s5", "nmi-series", "nmi"} <= set(reg.designs)
    assert reg.runtime_hooks is None  # no built-in implements a run-time observer
    assert [name for name, origin, _ in reg.plugin_details() if origin == "built-in"] == list(BUILTIN_PLUGINS)
    assert "acrn.plugins.designs" in BUILTIN_PLUGINS and "acrn.plugins.invariants" in BUILTIN_PLUGINS


def test_setup_hooks_are_called_once_when_the_registry_is_built():
    calls = []

    class Counting:
        @hookimpl
        def acrn_register_workloads(self):
            calls.append(1)
            return {}

    reg = registry_with(Counting())
    _run(reg)
    _run(reg)
    assert calls == [1]


def test_a_plugin_exit_handler_replaces_the_dispatch_table_row():
    seen = []

    def cpuid(vcpu):
        seen.append(vcpu.name)
        return 0

    class Handler:
        @hookimpl
        def acrn_register_exit_handlers(self):
            from acrn.engine.cost import S_VMEXIT_HANDLER
            return {10: (cpuid, S_VMEXIT_HANDLER, False)}

    result = _run(registry_with(Handler()))
    assert len(seen) == result.counts["exits_by_reason"]["10"] > 0
    assert set(seen) == {"guest:vcpu0"}
    assert result.ok()


def test_a_generator_exit_handler_takes_its_own_steps():
    class Handler:
        @hookimpl
        def acrn_register_exit_handlers(self):
            from acrn.engine.cost import S_EPT_HANDLER, S_VMEXIT_HANDLER

            def slow_cpuid(vcpu):
                yield S_VMEXIT_HANDLER
                yield S_EPT_HANDLER
                return 0
            return {10: (slow_cpuid, S_VMEXIT_HANDLER, True)}

    from acrn.engine.cost import S_EPT_HANDLER

    reg = registry_with(Handler())
    steps = []
    run = Run(parse_scenario(small_scenario(), "<test>", reg), "nmi", registry=reg,
              step_hook=lambda cpu, step, t: steps.append((cpu, step)))
    result = run.execute()
    assert result.ok()
    # the guest's pCPU takes the handler's second step once per CPUID exit; nobody else has EPT steps
    assert steps.count((1, S_EPT_HANDLER)) == result.counts["exits_by_reason"]["10"] > 0


# ---- run-time observers --------------------------------------------------------------------------------
class Observer:
    """Counts what each run-time hook reports; vmexit takes only some of its arguments (pluggy allows it)."""

    def __init__(self):
        self.exits, self.entries, self.requests = [], 0, {"made": 0, "handled": 0}

    @hookimpl
    def acrn_on_vmexit(self, reason, pcpu_id):
        self.exits.append((pcpu_id, reason))

    @hookimpl
    def acrn_on_vmentry(self, pcpu_id, vcpu, time):
        self.entries += 1

    @hookimpl
    def acrn_on_request(self, vcpu, bit, what, time):
        self.requests[what] += 1


def test_observers_see_every_exit_entry_and_request():
    obs = Observer()
    reg = registry_with(obs)
    assert reg.runtime_hooks is not None and reg.runtime_hooks.has["acrn_on_vmexit"]
    result = _run(reg)
    assert len(obs.exits) == result.counts["vm_exits"] > 50
    by_reason = {}
    for _, reason in obs.exits:
        by_reason[str(reason)] = by_reason.get(str(reason), 0) + 1
    assert by_reason == result.counts["exits_by_reason"]
    assert result.counts["vm_exits"] <= obs.entries <= result.counts["vm_exits"] + 4  # + the first entries
    assert obs.requests["made"] >= result.counts["requests"] > 0
    assert obs.requests["handled"] > 0


def test_observers_do_not_change_the_run():
    assert _run(registry_with(Observer())).digest() == _run(registry_with()).digest()


def test_only_a_setup_hook_means_no_runtime_hooks_at_all():
    class SetupOnly:
        @hookimpl
        def acrn_register_workloads(self):
            return {}

    reg = registry_with(SetupOnly())
    assert reg.runtime_hooks is None
    run = Run(parse_scenario(small_scenario(), "<test>", reg), "nmi", registry=reg)
    assert run.sim.on_vmexit is None and run.sim.on_vmentry is None and run.sim.on_nmi is None
    assert run.obs.on_request is None


def test_observers_run_in_registration_order():
    order = []

    class First:
        @hookimpl
        def acrn_on_vmentry(self):
            order.append("first")

    class Second:
        @hookimpl
        def acrn_on_vmentry(self):
            order.append("second")

    _run(registry_with(First(), Second()), small_scenario(duration_us=30))
    assert order[:4] == ["first", "second", "first", "second"]


def test_every_hook_has_a_docstring():
    import acrn.hookspecs as specs

    for name in SETUP_HOOKS + ("acrn_on_vmexit", "acrn_on_vmentry", "acrn_on_request", "acrn_on_nmi"):
        doc = getattr(specs, name).__doc__
        assert doc and len(doc.split()) > 10, name
        assert doc.startswith("Setup time.") == name.startswith("acrn_register_"), name


@pytest.mark.parametrize("command", ["designs", "scenarios", "plugins"])
def test_listing_commands_still_work(command):
    assert CliRunner().invoke(main, [command]).exit_code == 0
