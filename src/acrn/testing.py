"""pytest plugin for acrn-model users (entry point ``pytest11``): test a ported patch in a few lines.

    def test_my_patch(acrn_model):
        result = acrn_model.run("kick-race", "nmi")
        acrn_model.assert_holds(result, "request-latency", "no-spurious-guest-interrupt")
"""
import pytest


class AcrnModelFixture:
    """Runs scenarios (built-in names, TOML paths or dicts) under designs and asserts invariants."""

    def __init__(self, registry=None):
        self._registry = registry

    @property
    def registry(self):
        if self._registry is None:
            from acrn.plugin import default_registry

            self._registry = default_registry()
        return self._registry

    def scenario(self, scenario):
        from acrn.scenarios import Scenario, load_scenario, parse_scenario

        if isinstance(scenario, Scenario):
            return scenario
        if isinstance(scenario, dict):
            return parse_scenario(scenario, "<dict>", self.registry)
        return load_scenario(scenario, self.registry)

    def run(self, scenario, design, seed=None, **kw):
        """Run ``scenario`` under ``design`` (a name or an ``acrn.core.design.Design``)."""
        from acrn.engine.run import Run

        return Run(self.scenario(scenario), design, seed=seed, registry=self.registry, **kw).execute()

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


@pytest.fixture
def acrn_model():
    """An ``AcrnModelFixture`` using the built-in and auto-loaded plugins."""
    return AcrnModelFixture()
