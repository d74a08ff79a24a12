"""acrn.testing, the pytest plugin users get with acrn-model (entry point pytest11): its fixtures as a
user's test file would use them, and the acrn_explore marker."""
import pytest

from acrn.core import defs as D
from acrn.core.virq import vcpu_make_request
from plugin_helpers import small_scenario

pytest_plugins = ["pytester"]


def test_run_and_assert_holds(acrn_model):
    result = acrn_model.run("kick-race", "nmi")
    acrn_model.assert_holds(result, "request-latency", "no-spurious-guest-interrupt")
    acrn_model.assert_holds(result)


def test_assert_holds_fails_with_the_first_violation(acrn_model):
    result = acrn_model.run("kick-race", "nmi-nowindow")
    acrn_model.assert_violates(result, "request-latency")
    with pytest.raises(pytest.fail.Exception) as info:
        acrn_model.assert_holds(result, "request-latency")
    assert "request-latency:" in str(info.value) and "EPT_FLUSH request for rtvm" in str(info.value)


def test_host_is_built_and_takes_stimuli_before_it_runs(acrn_model):
    """A user's own stimulus: an EPT_FLUSH request for the RTVM at 150 us, kicked by NMI under nmi."""
    recorder = acrn_model.recorder()
    host = acrn_model.host(small_scenario(duration_us=300), "nmi", tracer=recorder)
    vcpu = host.hv.vm_by_name("rtvm").vcpus[1]

    def request():
        host.sim.cur_cpu = 0
        vcpu_make_request(vcpu, D.ACRN_REQUEST_VPID_FLUSH)

    host.sim.call_at(host.cycles(150), request)
    result = host.execute()
    acrn_model.assert_holds(result)
    made = [t for t, cpu, kind, f in recorder.events if kind == "request-made" and f == (vcpu.name, D.ACRN_REQUEST_VPID_FLUSH)]
    handled = [t for t, cpu, kind, f in recorder.events if kind == "request-handled" and f == (vcpu.name, D.ACRN_REQUEST_VPID_FLUSH)]
    assert made == [host.cycles(150)] and len(handled) == 1 and handled[0] - made[0] < host.cycles(5)


def test_with_plugins_loads_modules_by_name(acrn_model, plugin_module):
    plugin_module("acrnt_fixture_plugin", """
        from acrn.hookspecs import hookimpl
        import dataclasses
        from acrn.plugins.designs import NMI

        @hookimpl
        def acrn_register_designs():
            return {"nmi-mine": dataclasses.replace(NMI, name="nmi-mine", in_demo=False)}
    """)
    mine = acrn_model.with_plugins("acrnt_fixture_plugin")
    assert "nmi-mine" in mine.registry.designs and "nmi-mine" not in acrn_model.registry.designs
    mine.assert_holds(mine.run("ept-flush", "nmi-mine"))


@pytest.mark.acrn_explore("kick-race", "nmi-nowindow", horizon_us=100, invariants=["request-latency"], bound=1,
                          stop_at_first=True)
def test_explore_marker_finds_the_window_race(acrn_exploration, acrn_model):
    acrn_model.assert_counterexample(acrn_exploration, "request-latency")
    assert acrn_exploration.counterexample.choices  # replayable with `acrn-model replay --choices`


@pytest.mark.acrn_explore("kick-race", "nmi", horizon_us=100, invariants=["request-latency"], bound=1)
def test_explore_marker_with_the_window_finds_nothing(acrn_exploration, acrn_model):
    acrn_model.assert_no_counterexample(acrn_exploration)
    assert acrn_exploration.complete and acrn_exploration.runs > 1


def test_the_plugin_works_in_a_users_test_file(pytester):
    """A user's conftest-free test file: the fixtures and the marker come from the pytest11 entry point
    (or, when acrn-model is not installed, from -p acrn.testing)."""
    pytester.makepyfile("""
        import pytest

        def test_patch(acrn_model):
            acrn_model.assert_holds(acrn_model.run("ept-flush", "nmi"), "request-latency")

        def test_known_bug(acrn_model):
            acrn_model.assert_violates(acrn_model.run("ept-flush", "ipi"), "request-latency")

        def test_fails(acrn_model):
            acrn_model.assert_holds(acrn_model.run("ept-flush", "ipi"), "request-latency")
    """)
    import importlib.metadata

    installed = any(ep.value == "acrn.testing" for ep in importlib.metadata.entry_points(group="pytest11"))
    args = ["-p", "no:cacheprovider", "--strict-markers"] + ([] if installed else ["-p", "acrn.testing"])
    result = pytester.runpytest_inprocess(*args)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*request-latency: * violation(s); first at * us on pCPU*"])
