"""The scheduler framework, as in ACRN's ``hypervisor/common/schedule.c`` (end of 2019).

``ThreadObject`` models ``struct thread_object`` and ``SchedControl`` models ``struct sched_control``.
A thread's execution context (C: ``host_sp``) is its generator, created on first switch-in.
Functions that take time are generators (see ``acrn.engine.ops``).
"""
from acrn.core.defs import (
    DEL_MODE_IPI, NEED_RESCHEDULE, SCHED_NOTIFY_IPI, THREAD_STATES, THREAD_STS_BLOCKED, THREAD_STS_RUNNABLE,
    THREAD_STS_RUNNING)
from acrn.engine.cost import S_SCHEDULE
from acrn.engine.ops import OP_SWITCH


class ThreadObject:
    """struct thread_object: name, pcpu_id, thread_entry, status, notify_mode, switch_out/in, data."""

    def __init__(self, name, pcpu_id, thread_entry, data=None, notify_mode=SCHED_NOTIFY_IPI):
        self.name = name
        self.pcpu_id = pcpu_id
        self.thread_entry = thread_entry
        self.data = data
        self.status = THREAD_STS_RUNNABLE
        self.notify_mode = notify_mode
        self.switch_out = None
        self.switch_in = None
        self.sched_data = None  # the scheduler's per-thread data (C: obj->data[])
        self.context = None  # the suspended generator (C: host_sp)

    def __repr__(self):
        return "<thread %s on pCPU%d %s>" % (self.name, self.pcpu_id, THREAD_STATES.get(self.status))


class SchedControl:
    """struct sched_control: pcpu_id, flags (NEED_RESCHEDULE), curr_obj, scheduler, priv."""

    def __init__(self, pcpu_id, scheduler):
        self.pcpu_id = pcpu_id
        self.flags = 0
        self.curr_obj = None
        self.scheduler = scheduler
        self.priv = None


def is_running(obj):
    return obj.status == THREAD_STS_RUNNING


def is_runnable(obj):
    return obj.status == THREAD_STS_RUNNABLE


def is_blocked(obj):
    return obj.status == THREAD_STS_BLOCKED


def init_sched(hv, pcpu_id):
    """init_sched: set up the pCPU's sched_control and its scheduler's private data."""
    ctl = hv.per_cpu[pcpu_id].sched_ctl
    ctl.flags = 0
    ctl.curr_obj = None
    ctl.scheduler.init(ctl)


def init_thread_data(hv, obj):
    """init_thread_data: the scheduler initialises the thread's data; the thread starts RUNNABLE."""
    ctl = hv.per_cpu[obj.pcpu_id].sched_ctl
    ctl.scheduler.init_data(ctl, obj)
    obj.status = THREAD_STS_RUNNABLE
    obj.context = None


def need_reschedule(hv, pcpu_id):
    """need_reschedule: is NEED_RESCHEDULE set in the pCPU's sched_control?"""
    pc = hv.per_cpu[pcpu_id]
    ctl = pc.sched_ctl
    return (ctl.flags & NEED_RESCHEDULE) != 0


def make_reschedule_request(hv, pcpu_id, delmode):
    """make_reschedule_request: set NEED_RESCHEDULE; notify a remote pCPU by IPI 0xF0, NMI or INIT."""
    pc = hv.per_cpu[pcpu_id]
    ctl = pc.sched_ctl
    ctl.flags |= NEED_RESCHEDULE
    if hv.get_pcpu_id() != pcpu_id:
        hv.notify_pcpu(pcpu_id, delmode)


def schedule(hv):
    """schedule(): pick the next thread (or idle), update states, switch.  A generator: the switch
    suspends the current thread until something switches back to it."""
    pcpu_id = hv.get_pcpu_id()
    ctl = hv.per_cpu[pcpu_id].sched_ctl
    prev = ctl.curr_obj
    nxt = ctl.scheduler.pick_next(ctl)
    if nxt is None:
        nxt = hv.per_cpu[pcpu_id].idle
    ctl.flags &= ~NEED_RESCHEDULE
    if is_running(prev):
        prev.status = THREAD_STS_RUNNABLE  # a BLOCKED prev stays BLOCKED
    nxt.status = THREAD_STS_RUNNING
    ctl.curr_obj = nxt
    hv.obs.sched_next(pcpu_id, prev, nxt)
    yield S_SCHEDULE
    if prev is not nxt:
        if prev.switch_out is not None:
            prev.switch_out(prev)
        if nxt.switch_in is not None:
            nxt.switch_in(nxt)
        yield (OP_SWITCH, nxt)


def notify_mode_of(hv, obj, for_sleep):
    """The mechanism that reaches ``obj``'s pCPU.  ``notify_mode`` is IPI for normal threads and the
    lapic-pt mechanism otherwise; the design then says which one kicks and which one sleeps, because
    before the series kick_vcpu ignored the mode and sent IPI 0xF0 while sleep_thread sent INIT."""
    if obj.notify_mode == SCHED_NOTIFY_IPI:
        return SCHED_NOTIFY_IPI
    return hv.sleep_mode if for_sleep else hv.kick_mode  # the design's, copied into the hypervisor


def sleep_thread(hv, obj):
    """sleep_thread: the scheduler drops the thread; if it is running, ask its pCPU to reschedule (by
    the thread's notify mode); the thread is BLOCKED at once, before it has actually stopped."""
    ctl = hv.per_cpu[obj.pcpu_id].sched_ctl
    ctl.scheduler.sleep(ctl, obj)
    if is_running(obj):
        make_reschedule_request(hv, obj.pcpu_id, notify_mode_of(hv, obj, True))
    obj.status = THREAD_STS_BLOCKED


def wake_thread(hv, obj):
    """wake_thread: a BLOCKED thread becomes RUNNABLE; its pCPU reschedules (always by IPI)."""
    if is_blocked(obj):
        ctl = hv.per_cpu[obj.pcpu_id].sched_ctl
        ctl.scheduler.wake(ctl, obj)
        obj.status = THREAD_STS_RUNNABLE
        make_reschedule_request(hv, obj.pcpu_id, DEL_MODE_IPI)


def kick_thread(hv, obj):
    """kick_thread: a RUNNING thread on another pCPU is kicked out of the guest by its notify mode; a
    RUNNABLE one gets a reschedule request; a BLOCKED one is left alone."""
    pcpu_id = obj.pcpu_id
    if is_running(obj):
        if hv.get_pcpu_id() != pcpu_id:
            hv.notify_pcpu(pcpu_id, notify_mode_of(hv, obj, False))
    elif is_runnable(obj):
        make_reschedule_request(hv, pcpu_id, notify_mode_of(hv, obj, False))


def run_thread(hv, obj):
    """run_thread: make ``obj`` the running thread of its pCPU (used once per pCPU at start-up)."""
    ctl = hv.per_cpu[obj.pcpu_id].sched_ctl
    init_thread_data(hv, obj)
    ctl.curr_obj = obj
    obj.status = THREAD_STS_RUNNING
