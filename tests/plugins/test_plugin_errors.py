"""A plugin that raises, or returns the wrong shape, stops the run with one line naming the plugin, the hook
and (at run time) the simulated time; the CLI exits with status 2 and leaves no output behind."""
import re

import pytest
from click.testing import CliRunner

from acrn.cli import main
from acrn.host.run import Run
from acrn.errors import PluginError
from acrn.hookspecs import hookimpl
from acrn.scenarios import parse_scenario
from plugin_helpers import registry_with, small_scenario

ERROR_AT = re.compile(r"^acrn-model: error: plugin '([^']+)', hook (\w+) at t=(\d+) cycles: (.+)$")


def _cli(*args):
    res = CliRunner().invoke(main, list(args))
    lines = [line for line in res.output.splitlines() if line.strip()]
    return res, lines


def _run(registry, data=None):
    return Run(parse_scenario(data or small_scenario(), "<test>", registry), "nmi", registry=registry).execute()


def _error(registry, data=None):
    with pytest.raises(PluginError) as info:
        _run(registry, data)
    return info.value


# ---- through the CLI ------------------------------------------------------------------------------------
RAISES_MID_RUN = """
    from acrn.hookspecs import hookimpl

    seen = []

    @hookimpl
    def acrn_on_vmexit(pcpu_id, reason, time):
        seen.append(reason)
        if len(seen) == 200:
            raise RuntimeError("exit %d on pCPU%d broke the plugin" % (len(seen), pcpu_id))
"""


def test_observer_raising_mid_run_stops_it_with_one_line_and_exit_2(plugin_module, tmp_path):
    plugin_module("acrnt_raises_mid_run", RAISES_MID_RUN)
    trace_root = tmp_path / "captures"
    res, lines = _cli("-p", "acrnt_raises_mid_run", "run", "kick-race", "--design", "nmi", "--json",
                      "--trace", str(trace_root))
    assert res.exit_code == 2
    assert len(lines) == 1, res.output  # the error line and nothing else: no JSON, no "trace:" line
    match = ERROR_AT.match(lines[0])
    assert match, lines[0]
    plugin, hook, t, message = match.groups()
    assert (plugin, hook) == ("acrnt_raises_mid_run", "acrn_on_vmexit")
    assert int(t) > 0  # simulated time of the 200th exit, not 0
    assert message.startswith("RuntimeError: exit 200 on pCPU")
    # no half-written capture: the capture folder was never renamed into place
    assert not trace_root.exists() or list(trace_root.iterdir()) == []


def test_the_same_run_without_the_plugin_writes_its_capture(tmp_path):
    trace_root = tmp_path / "captures"
    res, _ = _cli("run", "ept-flush", "--design", "nmi", "--trace", str(trace_root))
    assert res.exit_code == 0, res.output
    assert len(list(trace_root.iterdir())) == 1  # the control for the test above


def test_a_list_from_acrn_register_designs_is_refused(plugin_module):
    plugin_module("acrnt_designs_list", """
        from acrn.hookspecs import hookimpl
        from acrn.plugins.designs import NMI

        @hookimpl
        def acrn_register_designs():
            return [NMI]
    """)
    res, lines = _cli("-p", "acrnt_designs_list", "run", "ept-flush", "--design", "nmi")
    assert res.exit_code == 2
    assert lines == ["acrn-model: error: plugin 'acrnt_designs_list', hook acrn_register_designs: returned list, "
                     "expected a dict"]


def test_a_setup_hook_that_raises_is_named(plugin_module):
    plugin_module("acrnt_setup_raises", """
        from acrn.hookspecs import hookimpl

        @hookimpl
        def acrn_register_invariants():
            return {"x": 1 / 0}
    """)
    res, lines = _cli("-p", "acrnt_setup_raises", "designs")
    assert res.exit_code == 2
    assert lines == ["acrn-model: error: plugin 'acrnt_setup_raises', hook acrn_register_invariants: "
                     "ZeroDivisionError: division by zero"]


# ---- wrong shapes at setup time -------------------------------------------------------------------------
def _plugin(hook, table, name="shapes"):
    """A plugin object whose ``hook`` returns ``table``."""
    cls = type("P", (), {hook: hookimpl(lambda self: table), "plugin_name": name})
    return cls()


class Valid:
    name = "valid"
    description = "ok"

    def check(self, run):
        return []


@pytest.mark.parametrize("hook,table,expected", [
    ("acrn_register_designs", {"x": "not a design"}, "'x': is a str, expected acrn.core.design.Design"),
    ("acrn_register_schedulers", {"x": object}, "'x': expected a scheduler class with init, init_data"),
    ("acrn_register_exit_handlers", {99: (len, 4, False)}, "99: expected a basic exit reason 0..64"),
    ("acrn_register_exit_handlers", {10: (len, 4)}, "10: expected (handler(vcpu) -> int, cost step id"),
    ("acrn_register_exit_handlers", {10: (len, 999, False)}, "10: expected (handler(vcpu) -> int, cost step id"),
    ("acrn_register_nmi_sources", {"x": object()}, "'x': expected an object with a description string, a tag"),
    ("acrn_register_workloads", {"x": (10,)}, "'x': expected (basic exit reason, instruction length or -1)"),
    ("acrn_register_invariants", {"x": object()}, "'x': expected an object with a description string and a check"),
])
def test_wrong_shapes_name_the_plugin_hook_and_entry(hook, table, expected):
    with pytest.raises(PluginError) as info:
        registry_with(_plugin(hook, table))
    assert str(info.value).startswith("plugin 'shapes', hook %s: %s" % (hook, expected)), str(info.value)


def test_a_design_registered_twice_names_both_plugins():
    from acrn.plugins.designs import NMI

    with pytest.raises(PluginError) as info:
        registry_with(_plugin("acrn_register_designs", {"nmi": NMI}, name="again"))
    assert str(info.value) == "plugin 'again', hook acrn_register_designs: 'nmi' is already registered by " \
                              "acrn.plugins.designs"


def test_valid_entries_pass_the_shape_checks():
    reg = registry_with(_plugin("acrn_register_invariants", {"valid": Valid()}))
    assert reg.owner("acrn_register_invariants", "valid") == "shapes"


# ---- wrong behaviour at run time --------------------------------------------------------------------------
def _exit_handler_plugin(handler, is_generator=False):
    from acrn.engine.cost import S_VMEXIT_HANDLER

    return _plugin("acrn_register_exit_handlers", {10: (handler, S_VMEXIT_HANDLER, is_generator)}, name="exits")


def test_an_exit_handler_that_raises_is_named_with_the_time():
    def broken(vcpu):
        raise KeyError("rax")

    err = _error(registry_with(_exit_handler_plugin(broken)))
    assert (err.plugin, err.hook) == ("exits", "acrn_register_exit_handlers")
    assert err.time > 0 and "exit handler for reason 10 (broken): KeyError: 'rax'" in str(err)


def test_an_exit_handler_must_return_an_int_status():
    err = _error(registry_with(_exit_handler_plugin(lambda vcpu: "done")))
    assert "returned 'done', expected an int status" in str(err) and err.time > 0


def test_a_generator_exit_handler_must_yield_steps():
    def bad(vcpu):
        yield "a step"
        return 0

    err = _error(registry_with(_exit_handler_plugin(bad, is_generator=True)))
    assert "yielded 'a step': expected a cost step id" in str(err)


def test_an_observer_must_return_none():
    class Returns:
        plugin_name = "returns"

        @hookimpl
        def acrn_on_vmentry(self, vcpu):
            return True

    err = _error(registry_with(Returns()))
    assert (err.plugin, err.hook) == ("returns", "acrn_on_vmentry")
    assert "returned True: observers must return None" in str(err)


def test_a_request_observer_that_raises_is_named():
    class Raises:
        plugin_name = "requests"

        @hookimpl
        def acrn_on_request(self, bit, what):
            if what == "handled":
                raise ValueError("bit %d" % bit)

    err = _error(registry_with(Raises()))
    assert (err.plugin, err.hook) == ("requests", "acrn_on_request") and err.time > 0
    assert "ValueError: bit" in str(err)


def _scheduler_plugin(cls):
    return _plugin("acrn_register_schedulers", {"odd": cls}, name="scheduler")


class _Base:
    def __init__(self, hv):
        self.hv = hv

    def init(self, ctl):
        ctl.priv = []

    def init_data(self, ctl, obj):
        pass

    def pick_next(self, ctl):
        return ctl.priv[0] if ctl.priv else None

    def sleep(self, ctl, obj):
        if obj in ctl.priv:
            ctl.priv.remove(obj)

    def wake(self, ctl, obj):
        ctl.priv.append(obj)

    def tick(self, ctl):
        pass

    def deinit_data(self, ctl, obj):
        pass


def test_a_working_plugin_scheduler_runs():
    result = _run(registry_with(_scheduler_plugin(_Base)), small_scenario(scheduler="odd"))
    assert result.ok() and result.counts["vm_exits"] > 0


def test_a_scheduler_picking_a_foreign_thread_is_named():
    class Wrong(_Base):
        def pick_next(self, ctl):
            return "vcpu0"

    err = _error(registry_with(_scheduler_plugin(Wrong)), small_scenario(scheduler="odd"))
    assert (err.plugin, err.hook) == ("scheduler", "acrn_register_schedulers")
    assert "scheduler 'odd': pick_next on pCPU" in str(err) and "returned 'vcpu0'" in str(err)


def test_a_scheduler_operation_that_raises_is_named():
    class Raises(_Base):
        def wake(self, ctl, obj):
            raise IndexError("queue full")

    err = _error(registry_with(_scheduler_plugin(Raises)), small_scenario(scheduler="odd"))
    assert "scheduler 'odd': wake: IndexError: queue full" in str(err)


def test_an_nmi_source_whose_install_raises_is_named():
    class Source:
        name = "broken"
        description = "raises"
        tag = 16

        def install(self, run, vcpu, spec):
            raise RuntimeError("no LVT")

    data = small_scenario()
    data["vm"][2]["nmi"] = [{"source": "broken", "every_us": 50}]
    reg = registry_with(_plugin("acrn_register_nmi_sources", {"broken": Source()}, name="nmis"))
    with pytest.raises(PluginError) as info:
        Run(parse_scenario(data, "<test>", reg), "nmi", registry=reg)
    assert str(info.value).startswith("plugin 'nmis', hook acrn_register_nmi_sources at t=0 cycles: NMI source "
                                      "'broken': install on rtvm:vcpu0: RuntimeError: no LVT")
