"""The built-in schedulers: sched_noop, sched_iorr, sched_bvt."""
from acrn.core.sched_bvt import SchedBvt
from acrn.core.sched_iorr import SchedIorr
from acrn.core.sched_noop import SchedNoop
from acrn.hookspecs import hookimpl


@hookimpl
def acrn_register_schedulers():
    return {"noop": SchedNoop, "iorr": SchedIorr, "bvt": SchedBvt}
