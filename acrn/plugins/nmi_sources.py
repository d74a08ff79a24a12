"""The built-in guest NMI sources (``[[vm.nmi]] source = ...``)."""
from acrn.guest.nmi_sources import BUILTIN_SOURCES
from acrn.hookspecs import hookimpl


@hookimpl
def acrn_register_nmi_sources():
    return dict(BUILTIN_SOURCES)
