"""sched_iorr (hypervisor/common/sched_iorr.c, 2019): IO-sensitive round robin.

A 1 ms tick charges the running thread; after its 10 ms slice it goes to the runqueue tail.  A thread
woken (typically by I/O completion) is inserted at the runqueue head, hence "IO sensitive".
"""
from acrn.core import defs as D
from acrn.core.schedule import make_reschedule_request

CONFIG_SLICE_MS = 10
TICK_MS = 1


class SchedIorr:
    name = "iorr"

    def __init__(self, hv):
        self.hv = hv

    def init(self, ctl):
        ctl.priv = {"runqueue": []}
        self.hv.sim.start_sched_tick(ctl.pcpu_id, TICK_MS * 1000.0)

    def init_data(self, ctl, obj):
        obj.sched_data = {"slice_cycles": self.hv.sim.cost.cycles(CONFIG_SLICE_MS * 1000.0), "left_cycles": 0}
        obj.sched_data["left_cycles"] = obj.sched_data["slice_cycles"]

    def pick_next(self, ctl):
        rq = ctl.priv["runqueue"]
        curr = ctl.curr_obj
        # the current thread goes to the tail when its slice is used up (sched_tick_handler set the flag)
        if curr is not None and curr.sched_data is not None and curr in rq and curr.sched_data["left_cycles"] <= 0:
            rq.remove(curr)
            rq.append(curr)
            curr.sched_data["left_cycles"] = curr.sched_data["slice_cycles"]
        return rq[0] if rq else None

    def sleep(self, ctl, obj):
        if obj in ctl.priv["runqueue"]:
            ctl.priv["runqueue"].remove(obj)

    def wake(self, ctl, obj):
        rq = ctl.priv["runqueue"]
        if obj not in rq:
            rq.insert(0, obj)  # runqueue_add_head: I/O-bound threads run first

    def tick(self, ctl):
        """sched_tick_handler: charge the running thread; reschedule when its slice is over."""
        curr = ctl.curr_obj
        if curr is None or curr.sched_data is None:
            return
        curr.sched_data["left_cycles"] -= self.hv.sim.cost.cycles(TICK_MS * 1000.0)
        if curr.sched_data["left_cycles"] <= 0 and len(ctl.priv["runqueue"]) > 1:
            make_reschedule_request(self.hv, ctl.pcpu_id, D.DEL_MODE_IPI)

    def deinit_data(self, ctl, obj):
        self.sleep(ctl, obj)
