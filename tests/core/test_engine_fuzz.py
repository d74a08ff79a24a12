"""Random hosts under every design: the engine never crashes, runs are reproducible, and the only hypervisor
faults are the ones the model explains (a failed VM entry after NMI re-injection, patch 1)."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acrn.host.run import Run
from acrn.plugin import default_registry
from acrn.scenarios import parse_scenario

DESIGNS = sorted(default_registry().designs)
RT_KINDS = ["cpuid", "rdmsr", "wrmsr", "io", "ept", "hlt", "pause"]
SOURCES = ["pmu", "thermal", "lint1", "msi", "guest-ipi"]
EXPLAINED_FAULTS = ("VM entry failed (VM-entry failure",)


def interval():
    return st.tuples(st.integers(2, 200), st.integers(0, 300)).map(lambda t: [t[0], t[0] + t[1]])


@st.composite
def hosts(draw):
    rt_work = draw(st.lists(st.fixed_dictionaries({"kind": st.sampled_from(RT_KINDS), "every_us": interval()}),
                            max_size=3))
    if draw(st.booleans()):
        rt_work.append({"kind": "s5", "at_us": draw(st.integers(10, 250)), "vcpus": [0]})
    sos_work = draw(st.lists(st.fixed_dictionaries({
        "kind": st.sampled_from(["io", "ept_update", "smp_call", "cpuid"]), "every_us": interval()}), max_size=3))
    for w in sos_work:
        if w["kind"] in ("ept_update", "smp_call"):
            w["args"] = ["rtvm"]
    nmis = draw(st.lists(st.fixed_dictionaries({"source": st.sampled_from(SOURCES), "every_us": interval()}),
                         max_size=2))
    return {
        "name": "fuzz", "duration_us": 1000, "seed": draw(st.integers(0, 1000)), "pcpus": 4,
        "vm": [{"name": "sos", "service": True, "pcpus": [0, 1], "work": sos_work},
               {"name": "rtvm", "lapic_pt": True, "pcpus": [2, 3], "work": rt_work, "nmi": nmis}],
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hosts(), st.sampled_from(DESIGNS))
def test_random_hosts_run_cleanly(data, design):
    scenario = parse_scenario(data, "<fuzz>")
    first = Run(scenario, design).execute()
    again = Run(parse_scenario(data, "<fuzz>"), design).execute()
    assert first.digest() == again.digest()
    faults = first.verdict("no-hypervisor-fault")
    if faults.first is not None:
        assert faults.first.message.split(": ", 1)[1].startswith(EXPLAINED_FAULTS), faults.first.message
        assert design == "nmi-naive"
