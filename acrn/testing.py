"""pytest plugin for acrn-model users (entry point ``pytest11``): test a ported patch in a few lines.

    def test_my_patch(acrn_model):
        result = acrn_model.run("kick-race", "nmi")
        acrn_model.assert_holds(result, "request-latency", "no-spurious-guest-interrupt")

    def test_my_patch_step_by_step(acrn_model):
        host = acrn_model.host("kick-race", "nmi", tracer=acrn_model.recorder())  # built, not run yet
        host.sim.call_at(host.cycles(100), lambda: ...)                           # a stimulus of your own
        acrn_model.assert_holds(host.execute())

    @pytest.mark.acrn_explore("kick-race", "nmi-nowindow", invariants=["request-latency"])
    def test_the_window_race_is_found(acrn_exploration, acrn_model):
        acrn_model.assert_counterexample(acrn_exploration, "request-latency")

Scenarios are built-in names, TOML paths or dicts (the TOML structure); designs are names or
``acrn.core.design.Design`` objects.  ``acrn_model.with_plugins("my_plugin")`` gives a fixture whose
registry also loads plugin modules by name (like ``acrn-model -p``).
"""
import pytest

EXPLORE_MARKER = "acrn_explore"


class AcrnModelFixture:
    """Builds hosts from scenarios, runs them under designs and asserts invariants."""

    def __init__(self, registry=None, plugins=()):
        self._registry = registry
        self.plugins = tuple(plugins)

    @property
    def registry(self):
        """The plugin registry: built-ins and auto-loaded plugins (plus ``plugins``, loaded by name)."""
        if self._registry is None:
            from acrn.plugin import Registry, default_registry, get_plugin_manager

            self._registry = Registry(get_plugin_manager(self.plugins)) if self.plugins else default_registry()
        return self._registry

    def with_plugins(self, *modules):
        """A fixture like this one whose registry also loads ``modules`` by name (``acrn-model -p``)."""
        return AcrnModelFixture(plugins=self.plugins + tuple(modules))

    def scenario(self, scenario):
        """An ``acrn.scenarios.Scenario`` from a built-in name, a TOML path, a dict or a Scenario."""
        from acrn.scenarios import Scenario, load_scenario, parse_scenario

        if isinstance(scenario, Scenario):
            return scenario
        if isinstance(scenario, dict):
            return parse_scenario(scenario, "<dict>", self.registry)
        return load_scenario(scenario, self.registry)

    def host(self, scenario, design, seed=None, **kw):
        """The host built from ``scenario`` under ``design`` (an ``acrn.host.run.Run``), not yet run:
        ``host.hv`` is the hypervisor, ``host.sim`` the engine (``call_at`` for stimuli); ``host.execute()``
        runs it and returns the ``RunResult``.  ``kw``: ``tracer``, ``step_hook``, ``chooser``."""
        from acrn.host.run import Run

        return Run(self.scenario(scenario), design, seed=seed, registry=self.registry, **kw)

    def run(self, scenario, design, seed=None, **kw):
        """Run ``scenario`` under ``design``; returns the ``acrn.engine.result.RunResult``."""
        return self.host(scenario, design, seed=seed, **kw).execute()

    @staticmethod
    def recorder():
        """An in-memory tracer (``acrn.host.tracing.Recorder``): ``.events`` lists (time, pCPU, kind, fields)."""
        from acrn.host.tracing import Recorder

        return Recorder(with_steps=False)

    def assert_holds(self, result, *invariants):
        """Fail with the first violation of each named invariant (all of them when none is named)."""
        names = invariants or [v.name for v in result.verdicts]
        broken = [result.verdict(n) for n in names if result.verdict(n).verdict == "FAIL"]
        if broken:
            pytest.fail("\n".join("%s: %d violation(s); first at %.1f us on pCPU%d: %s" % (
                v.name, v.count, v.first.time / result.tsc_mhz, v.first.pcpu, v.first.message) for v in broken),
                pytrace=False)

    def assert_violates(self, result, invariant):
        """Fail unless ``invariant`` was violated (for tests that pin a known bug)."""
        if result.verdict(invariant).verdict != "FAIL":
            pytest.fail("%s held under %s on %s, expected a violation" % (invariant, result.design, result.scenario),
                        pytrace=False)

    def assert_counterexample(self, exploration, invariant=None):
        """Fail unless the exploration found a counterexample (violating ``invariant``, when given)."""
        cx = exploration.counterexample
        if cx is None:
            pytest.fail("exploring %s under %s (%s, bound %d, %d runs) found no violation" % (
                exploration.scenario, exploration.design, exploration.strategy, exploration.bound, exploration.runs),
                pytrace=False)
        if invariant is not None and cx.invariant != invariant:
            pytest.fail("the counterexample violates %s, expected %s" % (cx.invariant, invariant), pytrace=False)

    def assert_no_counterexample(self, exploration):
        """Fail with the counterexample (and its replayable choices) if the exploration found one."""
        cx = exploration.counterexample
        if cx is not None:
            pytest.fail("%s violated at %.1f us on pCPU%d: %s (replay: --choices %s)%s" % (
                cx.invariant, cx.violation.time / cx.result.tsc_mhz, cx.violation.pcpu, cx.violation.message,
                cx.choices, "" if exploration.complete else "; the search stopped early"), pytrace=False)


@pytest.fixture
def acrn_model():
    """An ``AcrnModelFixture`` using the built-in and auto-loaded plugins."""
    return AcrnModelFixture()


@pytest.fixture
def acrn_exploration(request, acrn_model):
    """The result (``acrn.explore.ExploreResult``) of exploring the test's
    ``@pytest.mark.acrn_explore(scenario, design, **options)``; options are those of
    ``Explorer(..., horizon_us=, invariants=)`` and ``Explorer.explore(strategy=, bound=, max_states=,
    max_runs=, seed=, stop_at_first=)``.  The exploring is the explorer's (``acrn.explore``); this
    fixture only reads the marker and calls it."""
    marker = request.node.get_closest_marker(EXPLORE_MARKER)
    if marker is None:
        pytest.fail("acrn_exploration needs @pytest.mark.%s(scenario, design, ...)" % EXPLORE_MARKER, pytrace=False)
    if len(marker.args) != 2:
        pytest.fail("@pytest.mark.%s takes (scenario, design), got %r" % (EXPLORE_MARKER, marker.args), pytrace=False)
    from acrn.explore import Explorer

    options = dict(marker.kwargs)
    explorer_args = {k: options.pop(k) for k in ("horizon_us", "invariants") if k in options}
    scenario, design = marker.args
    return Explorer(acrn_model.scenario(scenario), design, registry=acrn_model.registry,
                    **explorer_args).explore(**options)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "%s(scenario, design, **options): explore the scenario under the design; the "
        "acrn_exploration fixture gives the result (acrn.testing)" % EXPLORE_MARKER)
