"""Plugins that misbehave in every way the fault campaign tried: each stops the run with one line naming
the plugin and the hook, the bad-input status, and no output left behind."""
import os
import re

import pytest
from click.testing import CliRunner

from acrn.cli import main
from acrn.errors import PluginError
from acrn.hookspecs import hookimpl
from acrn.host.run import Run
from acrn.plugin import set_plugin_timeout
from acrn.scenarios import parse_scenario
from plugin_helpers import registry_with, small_scenario

LINE = re.compile(r"^acrn-model: error: plugin '([^']+)', hook (\w+)( at t=(\d+) cycles)?: (.+)$")


def _cli_error(plugin, *args, scenario="ept-flush", tmp_path=None):
    """Run SCENARIO with ``-p plugin`` and --trace: (plugin, hook, message); asserts status 2, one line on
    stderr, nothing on stdout, no capture."""
    captures = tmp_path / "captures"
    res = CliRunner().invoke(main, ["-p", plugin, *args, "run", scenario, "--design", "nmi", "--json",
                                    "--trace", str(captures)])
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert res.exit_code == 2, res.output
    assert len(lines) == 1 and res.stdout == "", res.output
    assert not captures.exists() or os.listdir(captures) == []
    match = LINE.match(lines[0])
    assert match, lines[0]
    return match.group(1), match.group(2), match.group(5)


# ---- invariants ------------------------------------------------------------------------------------------
INVARIANT = """
    from acrn.hookspecs import hookimpl

    class Odd:
        name = "odd"
        description = "returns the wrong thing"

        def check(self, run):
            return {value}

    @hookimpl
    def acrn_register_invariants():
        return {{"odd": Odd()}}
"""


@pytest.mark.parametrize("value, shown", [("None", "None"), ("3", "3"), ("'late'", "'late'"),
                                          ("[1, 2]", "1 in its list")])
def test_an_invariant_check_returning_the_wrong_type_is_named(plugin_module, tmp_path, value, shown):
    name = "acrnt_inv_%d" % abs(hash(value))
    plugin_module(name, INVARIANT.format(value=value))
    plugin, hook, message = _cli_error(name, tmp_path=tmp_path)
    assert (plugin, hook) == (name, "acrn_register_invariants")
    assert message.startswith("invariant 'odd': check() returned %s" % shown), message


# ---- NMI sources -----------------------------------------------------------------------------------------
class _RaisingSource:
    name = "flaky"
    description = "its scheduled event raises"
    tag = 1 << 20

    def install(self, run, vcpu, spec):
        def fire():
            raise KeyError("no such counter")
        run.sim.call_at(run.cycles(30), fire)


class _SourcePlugin:
    plugin_name = "flaky-source"

    @hookimpl
    def acrn_register_nmi_sources(self):
        return {"flaky": _RaisingSource()}


def test_an_nmi_source_whose_scheduled_event_raises_is_named():
    registry = registry_with(_SourcePlugin())
    data = small_scenario()
    data["vm"][2]["nmi"] = [{"source": "flaky", "every_us": 50}]
    with pytest.raises(PluginError) as info:
        Run(parse_scenario(data, "<test>", registry), "nmi", registry=registry).execute()
    err = info.value
    assert (err.plugin, err.hook) == ("flaky-source", "acrn_register_nmi_sources")
    assert err.time == 63000  # 30 us at 2100 MHz: when the event ran
    assert "NMI source 'flaky': scheduled event on rtvm:vcpu0: KeyError: 'no such counter'" in str(err)


# ---- observers -------------------------------------------------------------------------------------------
BREAKS = """
    from acrn.hookspecs import hookimpl

    @hookimpl
    def acrn_on_vmexit(vcpu, reason):
        if reason == 32:
            vcpu.{target} = None
"""


@pytest.mark.parametrize("target, where", [("vm", "AcrnVcpu.vm"), ("arch.vmcs", "AcrnVcpuArch.vmcs"),
                                           ("guest", "AcrnVcpu.guest")])
def test_an_observer_that_breaks_engine_objects_is_named(plugin_module, tmp_path, target, where):
    name = "acrnt_breaks_%s" % target.replace(".", "_")
    plugin_module(name, BREAKS.format(target=target))
    plugin, hook, message = _cli_error(name, tmp_path=tmp_path, scenario="kick-race")
    assert (plugin, hook) == (name, "acrn_on_vmexit")
    cls, attr = where.split(".")
    assert re.fullmatch(r"set \w+\.%s: observers must not change the model's objects" % attr, message), message


def test_observers_still_read_everything(plugin_module):
    plugin_module("acrnt_reads", """
        from acrn.hookspecs import hookimpl

        SEEN = set()

        @hookimpl
        def acrn_on_vmexit(vcpu, reason):
            SEEN.add((vcpu.name, vcpu.vm.name, len(vcpu.vm.vcpus), vcpu.vm.vcpus[0] == vcpu.vm.vcpus[0]))
    """)
    res = CliRunner().invoke(main, ["-p", "acrnt_reads", "run", "kick-race", "--design", "nmi"])
    assert res.exit_code == 0, res.output
    import acrnt_reads

    assert ("rtvm:vcpu0", "rtvm", 2, True) in acrnt_reads.SEEN


# ---- SystemExit, a plugin that never returns -----------------------------------------------------------------
@pytest.mark.parametrize("hook, body", [
    ("acrn_on_vmentry", "def acrn_on_vmentry(time):\n        raise SystemExit(0)"),
    ("acrn_register_designs", "def acrn_register_designs():\n        raise SystemExit(0)"),
])
def test_a_plugin_raising_systemexit_does_not_end_the_run_silently(plugin_module, tmp_path, hook, body):
    name = "acrnt_exit_%s" % hook
    plugin_module(name, "from acrn.hookspecs import hookimpl\n\n@hookimpl\n%s\n" % body.replace("\n        ",
                                                                                               "\n    "))
    plugin, got_hook, message = _cli_error(name, tmp_path=tmp_path)
    assert (plugin, got_hook, message) == (name, hook, "SystemExit: 0")


def test_a_plugin_that_never_returns_is_stopped_by_the_plugin_timeout(plugin_module, tmp_path):
    plugin_module("acrnt_spins", """
        from acrn.hookspecs import hookimpl

        @hookimpl
        def acrn_on_vmexit(reason):
            if reason == 32:
                while True:
                    try:
                        pass
                    except Exception:  # a plugin swallowing everything cannot swallow the timeout
                        pass
    """)
    try:
        plugin, hook, message = _cli_error("acrnt_spins", "--plugin-timeout", "0.3", tmp_path=tmp_path,
                                           scenario="kick-race")
    finally:
        set_plugin_timeout(None)
    assert (plugin, hook, message) == ("acrnt_spins", "acrn_on_vmexit", "did not return within 0.3 s (--plugin-timeout)")


def test_the_plugin_timeout_bounds_an_import_that_never_returns(plugin_module, tmp_path):
    plugin_module("acrnt_import_spins", "while True:\n    pass\n")
    try:
        plugin, hook, message = _cli_error("acrnt_import_spins", "--plugin-timeout", "0.3", tmp_path=tmp_path)
    finally:
        set_plugin_timeout(None)
    assert (plugin, hook, message) == ("acrnt_import_spins", "load",
                                       "cannot import: did not return within 0.3 s (--plugin-timeout)")
