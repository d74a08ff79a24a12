"""The schedulers on a shared pCPU: sched_iorr time-slices, sched_bvt shares by weight, sched_noop refuses."""
import pytest

from acrn.host.run import Run
from acrn.host.tracing import Recorder
from acrn.errors import ScenarioError
from acrn.scenarios import parse_scenario


def shared(scheduler, weights=(1, 1), duration_us=60000):
    return {
        "name": "shared", "duration_us": duration_us, "seed": 2, "pcpus": 2, "scheduler": scheduler,
        "vm": [
            {"name": "sos", "service": True, "pcpus": [0], "weights": [weights[0]],
             "work": [{"kind": "cpuid", "every_us": [20, 40]}]},
            {"name": "uos", "pcpus": [0], "weights": [weights[1]],
             "work": [{"kind": "cpuid", "every_us": [20, 40]}]},
        ],
    }


def guest_time(scheduler, weights=(1, 1)):
    """Simulated cycles each vCPU spent in non-root, and the thread switches on pCPU0."""
    rec = Recorder(with_steps=False)
    Run(parse_scenario(shared(scheduler, weights), "<test>"), "nmi", tracer=rec).execute()
    inside, entered = {}, {}
    for t, cpu, kind, fields in rec.events:
        if kind == "vmentry":
            entered[fields[0]] = t
        elif kind == "vmexit" and fields[0] in entered:
            inside[fields[0]] = inside.get(fields[0], 0) + t - entered.pop(fields[0])
    switches = [f[0] for t, cpu, kind, f in rec.events if kind == "sched" and cpu == 0]
    return inside, switches


def test_iorr_round_robin_in_10ms_slices():
    inside, switches = guest_time("iorr")
    vcpu_switches = [s for s in switches if s.startswith("vcpu")]
    # both threads ran, taking turns: about one switch per 10 ms slice over 60 ms
    assert set(vcpu_switches) == {"vcpu0:sos", "vcpu0:uos"}
    assert 4 <= len(vcpu_switches) <= 9
    share = inside["sos:vcpu0"] / (inside["sos:vcpu0"] + inside["uos:vcpu0"])
    assert 0.35 < share < 0.65


def test_bvt_shares_by_weight():
    inside, _ = guest_time("bvt", weights=(3, 1))
    share = inside["sos:vcpu0"] / (inside["sos:vcpu0"] + inside["uos:vcpu0"])
    assert 0.65 < share < 0.85  # weight 3 of 4
    even, _ = guest_time("bvt", weights=(1, 1))
    share = even["sos:vcpu0"] / (even["sos:vcpu0"] + even["uos:vcpu0"])
    assert 0.4 < share < 0.6


def test_noop_refuses_a_shared_pcpu():
    with pytest.raises(ScenarioError, match="sched_noop runs one thread per pCPU"):
        parse_scenario(shared("noop"), "shared.toml")
