"""The story of the patch series, one assertion per claim (issue: Core, engine and the design table).

Each row runs a built-in scenario under a design and checks the verdicts that matter for that claim.
"""
import pytest

from acrn.engine.result import FAIL, NOT_EXERCISED, PASS
from acrn.host.run import run_scenario

LAT, SPUR, S5, SMP, FAULT = ("request-latency", "no-spurious-guest-interrupt", "shutdown-completes",
                             "smp-call-completes", "no-hypervisor-fault")

STORY = [
    # ipi: the 0xF0 kick goes through a lapic-pt guest's IDT, and the request waits for a natural exit
    ("ept-flush", "ipi", {LAT: FAIL, SPUR: FAIL, FAULT: PASS}),
    ("kick-race", "ipi", {LAT: FAIL, SPUR: FAIL}),
    # nmi-naive: the kick works, but NMI exits are re-injected: the guest gets the notification NMIs
    ("ept-flush", "nmi-naive", {LAT: PASS, SPUR: FAIL}),
    # nmi-nowindow: notification NMIs dropped, but a request made after acrn_handle_pending_request is lost
    ("ept-flush", "nmi-nowindow", {LAT: PASS, SPUR: PASS}),
    ("kick-race", "nmi-nowindow", {LAT: FAIL, SPUR: PASS, FAULT: PASS}),
    # nmi (the whole series) and init (2021) hold everything the series claims
    ("ept-flush", "nmi", {LAT: PASS, SPUR: PASS, FAULT: PASS}),
    ("kick-race", "nmi", {LAT: PASS, SPUR: PASS, FAULT: PASS}),
    ("rtvm-s5", "nmi", {S5: PASS, SPUR: PASS, FAULT: PASS}),
    ("mixed", "nmi", {LAT: PASS, SPUR: PASS, FAULT: PASS}),
    ("ept-flush", "init", {LAT: PASS, SPUR: PASS, FAULT: PASS}),
    ("kick-race", "init", {LAT: PASS, SPUR: PASS, FAULT: PASS}),
    ("mixed", "init", {LAT: PASS, SPUR: PASS, FAULT: PASS}),
    # smp_call never reached a lapic-pt pCPU by IPI; ACRN 2022 used a request bit + INIT, and the
    # cover letter proposed NMI: a request bit + the NMI kick
    ("smp-call", "ipi", {SMP: FAIL, SPUR: FAIL}),
    ("smp-call", "nmi-nowindow", {SMP: FAIL}),
    ("smp-call", "nmi", {SMP: PASS, SPUR: PASS}),
    ("smp-call", "init", {SMP: PASS, SPUR: PASS}),
    # S5 by INIT: the INIT latched while vCPU 0 polls in root survives until VMXOFF (see README)
    ("rtvm-s5", "init", {S5: FAIL}),
    ("rtvm-s5", "ipi", {S5: FAIL}),
    # scenarios that do not exercise an invariant say so
    ("ept-flush", "nmi", {S5: NOT_EXERCISED, SMP: NOT_EXERCISED}),
]


@pytest.mark.parametrize("scenario,design,expected", STORY, ids=["%s-%s" % (s, d) for s, d, _ in STORY])
def test_story(scenario, design, expected):
    result = run_scenario(scenario, design)
    got = {name: result.verdict(name).verdict for name in expected}
    assert got == expected, {v.name: (v.verdict, v.first) for v in result.verdicts}


def test_kick_race_loss_is_the_commit_message_sequence():
    """The violation nmi-nowindow shows on kick-race is the race of a13909ced: the lost request is handled
    only at the guest's next natural exit, well after the bound."""
    result = run_scenario("kick-race", "nmi-nowindow")
    first = result.verdict(LAT).first
    assert "EPT_FLUSH request for rtvm" in first.message and "handled after" in first.message
    assert result.request_latency.max_us > 10.0
    window = run_scenario("kick-race", "nmi")
    assert window.request_latency.max_us < 5.0


def test_s5_by_init_waits_for_the_offline_timeout():
    """The failure nobody claimed: wait_pcpus_offline expires (CPU_DOWN_TIMEOUT, 100 ms) because the INIT
    kick latched on the polling vCPU's pCPU is taken at cpu_dead's VMXOFF."""
    result = run_scenario("rtvm-s5", "init")
    msg = result.verdict(S5).first.message
    took = float(msg.split("took ")[1].split(" us")[0])
    assert 100000 <= took < 101000
    assert any("latched INIT taken at VMXOFF" in log[2] for log in result.logs)
    ok = run_scenario("rtvm-s5", "nmi")
    assert not any("latched INIT" in log[2] for log in ok.logs)
