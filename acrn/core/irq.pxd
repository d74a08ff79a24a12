# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long NMI_SC_IOCHK, NMI_SC_SERR, NOTIFY_VCPU_VECTOR, SRC_DEVICE_MSI, SRC_LINT1, SRC_PMU, SRC_THERMAL, \
    TIMER_VECTOR, VMX_PROCBASED_CTLS_NMI_WINEXIT, ACRN_REQUEST_NMI
