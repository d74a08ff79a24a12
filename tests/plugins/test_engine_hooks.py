"""Two former gaps of the plugin API, fixed in the engine: a plugin's workload kind runs (the guest looks kinds
up in the registry), and acrn_on_nmi fires for root-mode NMIs and NMI exits."""
import pytest

from acrn.host.run import Run
from acrn.hookspecs import hookimpl
from acrn.scenarios import parse_scenario
from plugin_helpers import registry_with, small_scenario


def test_a_plugin_workload_runs():
    class Workload:
        @hookimpl
        def acrn_register_workloads(self):
            return {"xsetbv": (55, 3)}

        @hookimpl
        def acrn_register_exit_handlers(self):
            from acrn.engine.cost import S_VMEXIT_HANDLER
            return {55: (lambda vcpu: 0, S_VMEXIT_HANDLER, False)}

    reg = registry_with(Workload())
    data = small_scenario()
    data["vm"][1]["work"] = [{"kind": "xsetbv", "every_us": [10, 20]}]
    result = Run(parse_scenario(data, "<test>", reg), "nmi", registry=reg).execute()
    assert result.counts["exits_by_reason"]["55"] > 0


def test_acrn_on_nmi_is_called_for_root_nmis_and_nmi_exits():
    seen = []

    class Nmis:
        @hookimpl
        def acrn_on_nmi(self, pcpu_id, sources, in_guest, time):
            seen.append(in_guest)

    reg = registry_with(Nmis())
    result = Run(parse_scenario(small_scenario(duration_us=600), "<test>", reg), "nmi-window", registry=reg).execute()
    assert seen.count(True) == result.counts["exits_by_reason"].get("0", 0) > 0
