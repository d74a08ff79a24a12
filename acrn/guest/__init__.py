"""The guest model above the core: workloads (what a guest does and the exits it causes) and the guest's
NMI sources (:mod:`acrn.guest.guest`, :mod:`acrn.guest.nmi_sources`)."""
