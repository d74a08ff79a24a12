"""The priority scheduler of ACRN 2021 (``hypervisor/common/sched_prio.c``), for acrn-model.

Strict priority: each pCPU keeps one queue of runnable threads ordered by priority (highest first, in
arrival order among equals); ``pick_next`` takes the head.  A thread runs only while no runnable thread of
higher priority shares its pCPU.  There is no time slice and no tick.

Preemption on wake comes from the scheduling framework, as in ACRN: ``wake_thread`` puts the thread in the
queue (``wake`` below) and then always asks its pCPU to reschedule (``make_reschedule_request``), so a
higher-priority thread that wakes takes the pCPU at that pCPU's next ``schedule()``.

Priority.  ACRN reads a per-VM priority from the VM configuration (``PRIO_LOW``, ``PRIO_HIGH``); acrn-model
scenarios have no priority field, so this scheduler takes the vCPU's ``sched_weight``, i.e. the scenario's
``weights = [...]`` (one positive integer per vCPU, default 1): a larger weight is a higher priority.  The
idle thread has priority 0 and is never queued.
"""
PRIO_IDLE = 0


def priority_of(obj):
    """The priority of thread ``obj``: its vCPU's ``sched_weight`` (scenario ``weights``), idle: 0."""
    vcpu = obj.data
    if vcpu is None:
        return PRIO_IDLE
    return int(getattr(vcpu, "sched_weight", 1))


class SchedPrio:
    """``struct acrn_scheduler sched_prio``: init, init_data, pick_next, sleep, wake (tick and deinit_data
    complete acrn-model's scheduler interface)."""

    name = "prio"

    def __init__(self, hv):
        self.hv = hv

    def init(self, ctl):
        """sched_prio_init: an empty priority queue for this pCPU."""
        ctl.priv = {"prio_queue": []}

    def init_data(self, ctl, obj):
        """sched_prio_init_data: the thread's priority (ACRN 2023 keeps it in the thread's sched data)."""
        obj.sched_data = {"priority": priority_of(obj)}

    def pick_next(self, ctl):
        """sched_prio_pick_next: the head of the queue, or None (the framework then runs idle)."""
        queue = ctl.priv["prio_queue"]
        return queue[0] if queue else None

    def sleep(self, ctl, obj):
        """sched_prio_sleep: leave the queue."""
        queue = ctl.priv["prio_queue"]
        if obj in queue:
            queue.remove(obj)

    def wake(self, ctl, obj):
        """sched_prio_wake (prio_queue_add): insert before the first thread of lower priority."""
        queue = ctl.priv["prio_queue"]
        if obj in queue:
            return
        prio = obj.sched_data["priority"]
        for i, other in enumerate(queue):
            if other.sched_data["priority"] < prio:
                queue.insert(i, obj)
                return
        queue.append(obj)

    def tick(self, ctl):
        """No time slices: nothing happens on a tick (and ``init`` starts no timer)."""

    def deinit_data(self, ctl, obj):
        self.sleep(ctl, obj)
