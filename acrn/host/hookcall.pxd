cdef bint _timed

cdef class HookCalls:
    cdef public object hooks
    cdef public list vmexit_impls
    cdef public list vmentry_impls
    cdef public list request_impls
    cdef public list nmi_impls

    cdef _view_of(self, dict mine, dict views, plugin, hook, vcpu)
    cpdef vmexit(self, int pcpu_id, vcpu, long long reason, long long time)
    cpdef vmentry(self, int pcpu_id, vcpu, long long time)
    cpdef request(self, vcpu, bit, what, time)
    cpdef nmi(self, pcpu_id, sources, in_guest, time)
