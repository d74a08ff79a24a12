import cython

cdef class Chooser:
    cdef public object seed
    cdef public object rng
    cdef object _random
    cdef public list log
    cdef public object replay

    @cython.locals(pos=cython.Py_ssize_t, value=cython.longlong, r=cython.double)
    cdef long long _next(self, long long lo, long long hi) except? -1
    cpdef attach(self, sim)
    cpdef long long latency(self, long long lo, long long hi, int what=*) except? -1
    cpdef long long pick(self, long long n, int what=*) except? -1
