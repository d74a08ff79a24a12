"""The engine's x2APIC ICR writes (SDM 10.12.9, 10.12.10.2): which pCPUs an interrupt is queued for, and the
fault (never a crash) of an invalid value, through both entries: ``write_icr`` (any Python int, e.g. a guest's
forwarded write) and ``write_icr_bits`` (the hypervisor's own sends, a 64-bit value)."""
import pytest

from acrn.arch_x86.consts import (
    APIC_DEST_ALLESELF, APIC_DEST_ALLISELF, APIC_DEST_NOSHORT, APIC_DEST_SELF, APIC_DM_FIXED, APIC_DM_INIT,
    APIC_DM_LOWPRI, APIC_DM_NMI, APIC_DM_SMI, APIC_DM_STARTUP)
from acrn.arch_x86.lapic_hw import icr_encode
from acrn.engine.chooser import Chooser
from acrn.engine.cost import CostModel
from acrn.engine.sim import ARR_FIXED, ARR_INIT, ARR_NMI, ARR_SIPI, K_ARRIVE, Sim

N = 20  # pCPUs: x2APIC IDs 0-19, so logical clusters 0 and 1 (IDs 0-15, 16-19)


class Faults:
    def __init__(self):
        self.messages = []

    def fault(self, pcpu_id, message):
        self.messages.append((pcpu_id, message))


def _sim():
    sim = Sim(CostModel(), Chooser(0), N)
    sim.obs = Faults()
    return sim


def _arrivals(sim):
    """(target pCPU, arrival kind, vector) of the queued arrivals, in push order."""
    return [(ev[3], ev[4], ev[5]) for ev in sorted(sim.queued(), key=lambda ev: ev[1]) if ev[2] == K_ARRIVE]


@pytest.mark.parametrize("entry", ["write_icr", "write_icr_bits"])
@pytest.mark.parametrize("dm, shorthand, dest, logical, expected", [
    (APIC_DM_NMI, APIC_DEST_NOSHORT, 3, False, [3]),
    (APIC_DM_FIXED, APIC_DEST_NOSHORT, 99, False, []),  # no such x2APIC ID: nobody
    (APIC_DM_FIXED, APIC_DEST_SELF, 7, False, [5]),  # self: the destination field is ignored
    (APIC_DM_FIXED, APIC_DEST_ALLISELF, 0, False, list(range(N))),
    (APIC_DM_INIT, APIC_DEST_ALLESELF, 0, False, [i for i in range(N) if i != 5]),
    (APIC_DM_LOWPRI, APIC_DEST_ALLESELF, 0, False, [0]),  # lowest priority: one of the set (the model: the first)
    (APIC_DM_FIXED, APIC_DEST_NOSHORT, (0 << 16) | 0b1010, True, [1, 3]),  # cluster 0, members 1 and 3
    (APIC_DM_FIXED, APIC_DEST_NOSHORT, (1 << 16) | 0b1001, True, [16, 19]),  # cluster 1: IDs 16 + 0 and 16 + 3
    (APIC_DM_LOWPRI, APIC_DEST_NOSHORT, (1 << 16) | 0b0110, True, [17]),
    (APIC_DM_SMI, APIC_DEST_NOSHORT, 2, False, []),  # SMI: outside the model
])
def test_icr_destinations(entry, dm, shorthand, dest, logical, expected):
    sim = _sim()
    vector = 0x40 if dm in (APIC_DM_FIXED, APIC_DM_LOWPRI) else 0
    value = icr_encode(vector, dm, dest, dest_mode_logical=logical, shorthand=shorthand)
    getattr(sim, entry)(5, value, 0)
    kind = {APIC_DM_FIXED: ARR_FIXED, APIC_DM_LOWPRI: ARR_FIXED, APIC_DM_NMI: ARR_NMI, APIC_DM_INIT: ARR_INIT,
            APIC_DM_STARTUP: ARR_SIPI}.get(dm)
    assert _arrivals(sim) == [(cpu, kind, vector) for cpu in expected]
    assert sim.obs.messages == []


@pytest.mark.parametrize("value, words", [
    (0x400 | 1 << 13, "reserved bits"),  # a reserved bit of the low half (10.12.9)
    (0x340, "reserved delivery mode"),  # delivery mode 3 (10.6.1)
    (0x0F, "illegal"),  # fixed vector 15 (10.5.3)
])
@pytest.mark.parametrize("entry", ["write_icr", "write_icr_bits"])
def test_invalid_icr_write_is_a_fault(entry, value, words):
    sim = _sim()
    getattr(sim, entry)(2, value, 0)
    assert _arrivals(sim) == []
    [(pcpu, message)] = sim.obs.messages
    assert pcpu == 2 and message.startswith("pCPU2: invalid ICR write 0x%x: " % value) and words in message


@pytest.mark.parametrize("value", [1 << 64, -1])
def test_icr_value_beyond_the_msr_is_a_fault(value):
    sim = _sim()
    sim.write_icr(0, value, 0)
    assert _arrivals(sim) == []
    [(_, message)] = sim.obs.messages
    assert "out of range (a 64-bit MSR)" in message
