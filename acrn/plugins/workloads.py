"""The built-in guest activities (``[[vm.work]] kind = ...``)."""
from acrn.guest.guest import GUEST_KINDS
from acrn.hookspecs import hookimpl


@hookimpl
def acrn_register_workloads():
    return dict(GUEST_KINDS)
