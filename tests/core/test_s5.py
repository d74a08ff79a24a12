"""The S5 sequence of a lapic-pt VM (hw-semantics 2, "S5 / shutdown of a lapic-pt (RT) VM")."""
from acrn.core import defs as D
from acrn.host.run import Run
from acrn.scenarios import load_scenario


def _run(design):
    run = Run(load_scenario("rtvm-s5"), design, records=True)  # the kicks in full
    result = run.execute()
    return run, result


def test_s5_sequence_under_nmi():
    run, result = _run("nmi")
    obs = run.obs
    start, end, ret = obs.s5["rtvm"]
    assert ret == 0 and start < end
    rtvm = run.hv.vm_by_name("rtvm")
    assert rtvm.state == D.VM_POWERED_OFF
    assert all(v.state == D.VCPU_OFFLINE and not v.running for v in rtvm.vcpus)
    # both RTVM pCPUs went offline, then came back (start_pcpus), in that order, inside the S5 window
    events = [(p, what) for t, p, what in obs.offline if start <= t <= end]
    assert sorted(e for e in events if e[1] == "offline") == [(2, "offline"), (3, "offline")]
    assert sorted(e for e in events if e[1] == "online") == [(2, "online"), (3, "online")]
    assert max(t for t, p, w in obs.offline if w == "offline") < min(t for t, p, w in obs.offline if w == "online")
    # the kicks that paused the vCPUs were NMIs to pCPUs 2 and 3 (sleep_thread, SCHED_NOTIFY_NMI)
    kicks = [(k[2], k[3]) for k in obs.kicks if start <= k[0] <= end]
    assert (2, D.SCHED_NOTIFY_NMI) in kicks and (3, D.SCHED_NOTIFY_NMI) in kicks
    assert run.hv.pcpu_active_bitmap == 0xF
    assert result.verdict("shutdown-completes").verdict == "PASS"


def test_s5_under_init_kicks_with_init_and_times_out():
    run, result = _run("init")
    start, end, ret = run.obs.s5["rtvm"]
    kicks = [(k[2], k[3]) for k in run.obs.kicks if k[0] >= start]
    assert (2, D.SCHED_NOTIFY_INIT) in kicks and (3, D.SCHED_NOTIFY_INIT) in kicks
    # pCPU2 (the polling vCPU's) never cleared its active bit: wait_pcpus_offline waited 100 ms
    assert any("wait_pcpus_offline: timed out with mask 0x4" in log[2] for log in run.obs.logs)
    assert run.hv.pcpu_active_bitmap == 0xF  # start_pcpus brought it back anyway
