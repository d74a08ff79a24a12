import cython
from cpython cimport array as carray


cdef class Chooser:
    cdef public object seed
    cdef public object rng
    cdef object _random
    cdef public object replay
    cdef public bint keep_log
    cdef public Py_ssize_t n
    cdef Py_ssize_t _n_replay
    cdef unsigned int _mt[624]
    cdef int _mti
    cdef carray.array _log32
    cdef carray.array _log64
    cdef bint _wide
    cdef list _pylog

    @cython.locals(i=cython.int, j=cython.int, k=cython.int, nkey=cython.int, prev=cython.uint)
    cdef _mt_seed(self, list key)
    # the draw path: final methods (direct C calls the C compiler can inline), no exception checks where
    # none can be raised
    @cython.locals(y=cython.uint, kk=cython.int)
    cdef void _twist(self) noexcept
    @cython.locals(y=cython.uint)
    @cython.final
    cdef inline unsigned int _genrand(self) noexcept
    @cython.locals(a=cython.uint, b=cython.uint)
    @cython.final
    cdef inline double _draw(self) noexcept
    @cython.locals(pos=cython.Py_ssize_t, value=cython.longlong, r=cython.double)
    @cython.final
    cdef long long _next(self, long long lo, long long hi) except? -1
    @cython.final
    cdef inline int _keep(self, long long value) except -1
    cpdef int _record(self, long long value) except -1
    cpdef attach(self, sim)
    cpdef long long latency(self, long long lo, long long hi, int what=*) except? -1
    cpdef long long pick(self, long long n, int what=*) except? -1
