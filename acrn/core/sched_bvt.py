"""sched_bvt (hypervisor/common/sched_bvt.c, Feb 2020): borrowed virtual time.

Each thread's actual virtual time (avt) advances by run time x (total weight / weight); the runnable
thread with the smallest effective virtual time (evt = avt, no warp here) runs.  A 1 ms tick charges the
running thread and asks for a reschedule once another thread's evt is lower by more than the context
switch allowance (one tick, ACRN's mcu).
"""
from acrn.core import defs as D
from acrn.core.schedule import make_reschedule_request

TICK_MS = 1
BVT_CSA_MCU = 1  # context switch allowance, in ticks


class SchedBvt:
    name = "bvt"

    def __init__(self, hv):
        self.hv = hv

    def init(self, ctl):
        ctl.priv = {"runqueue": [], "last": 0}
        self.hv.sim.start_sched_tick(ctl.pcpu_id, TICK_MS * 1000.0)

    def init_data(self, ctl, obj):
        weight = getattr(obj.data, "sched_weight", 1) if obj.data is not None else 1
        obj.sched_data = {"weight": max(1, int(weight)), "avt": 0, "start": 0}

    def _ratio(self, ctl, obj):
        total = sum(t.sched_data["weight"] for t in ctl.priv["runqueue"]) or 1
        return total / obj.sched_data["weight"]

    def _charge(self, ctl):
        curr = ctl.curr_obj
        now = self.hv.sim.now
        if curr is not None and curr.sched_data is not None and curr in ctl.priv["runqueue"]:
            curr.sched_data["avt"] += int((now - curr.sched_data["start"]) * self._ratio(ctl, curr))
            curr.sched_data["start"] = now

    def pick_next(self, ctl):
        self._charge(ctl)
        rq = ctl.priv["runqueue"]
        if not rq:
            return None
        # smallest evt first; ties by runqueue order (deterministic)
        nxt = min(rq, key=lambda t: t.sched_data["avt"])
        nxt.sched_data["start"] = self.hv.sim.now
        return nxt

    def sleep(self, ctl, obj):
        self._charge(ctl)
        if obj in ctl.priv["runqueue"]:
            ctl.priv["runqueue"].remove(obj)

    def wake(self, ctl, obj):
        rq = ctl.priv["runqueue"]
        if obj not in rq:
            # a waking thread's avt is raised to the minimum so it cannot hoard credit while asleep
            if rq:
                obj.sched_data["avt"] = max(obj.sched_data["avt"], min(t.sched_data["avt"] for t in rq))
            rq.append(obj)

    def tick(self, ctl):
        self._charge(ctl)
        curr = ctl.curr_obj
        rq = ctl.priv["runqueue"]
        if curr is None or curr not in rq or len(rq) < 2:
            if curr is not None and curr not in rq and rq:
                make_reschedule_request(self.hv, ctl.pcpu_id, D.DEL_MODE_IPI)  # idle while work waits
            return
        csa = self.hv.sim.cost.cycles(BVT_CSA_MCU * TICK_MS * 1000.0)
        best = min(t.sched_data["avt"] for t in rq if t is not curr)
        if curr.sched_data["avt"] > best + csa:
            make_reschedule_request(self.hv, ctl.pcpu_id, D.DEL_MODE_IPI)

    def deinit_data(self, ctl, obj):
        self.sleep(ctl, obj)

