"""sched_noop (hypervisor/common/sched_noop.c): one thread per pCPU, strictly partitioned."""


class SchedNoop:
    """struct acrn_scheduler sched_noop: pick_next returns the pCPU's one thread, or None (idle)."""

    name = "noop"

    def __init__(self, hv):
        self.hv = hv

    def init(self, ctl):
        ctl.priv = {"noop_thread_obj": None}

    def init_data(self, ctl, obj):
        pass

    def pick_next(self, ctl):
        return ctl.priv["noop_thread_obj"]

    def sleep(self, ctl, obj):
        if ctl.priv["noop_thread_obj"] is obj:
            ctl.priv["noop_thread_obj"] = None

    def wake(self, ctl, obj):
        if ctl.priv["noop_thread_obj"] is None:
            ctl.priv["noop_thread_obj"] = obj

    def tick(self, ctl):
        pass

    def deinit_data(self, ctl, obj):
        self.sleep(ctl, obj)
