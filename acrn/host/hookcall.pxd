cdef class HookCalls:
    cdef public object hooks
    cdef public list vmexit_impls
    cdef public list vmentry_impls
    cdef public list request_impls
    cdef public list nmi_impls

    cdef _view_of(self, dict mine, dict views, plugin, hook, vcpu)
    cpdef vmexit(self, pcpu_id, vcpu, reason, time)
    cpdef vmentry(self, pcpu_id, vcpu, time)
    cpdef request(self, vcpu, bit, what, time)
    cpdef nmi(self, pcpu_id, sources, in_guest, time)
