# Types for the Cython compilation of rows.py (interpreted, the same source runs as Python).
import cython

cdef long _ZERO, _DOT, _MINUS, _A_LESS_10

@cython.locals(k=Py_ssize_t)
cdef inline Py_ssize_t put_text(unsigned char[::1] out, Py_ssize_t pos, const unsigned char[::1] text,
                                Py_ssize_t start, Py_ssize_t stop) noexcept nogil

@cython.locals(n=Py_ssize_t, k=Py_ssize_t, x=long)
cdef inline Py_ssize_t put_decimal(unsigned char[::1] out, Py_ssize_t pos, long v) noexcept nogil

@cython.locals(frac=long)
cdef inline Py_ssize_t put_micros(unsigned char[::1] out, Py_ssize_t pos, long ns) noexcept nogil

@cython.locals(top=int, k=int, d=long)
cdef inline Py_ssize_t put_hex(unsigned char[::1] out, Py_ssize_t pos, long v) noexcept nogil

cdef inline Py_ssize_t put_span(unsigned char[::1] out, Py_ssize_t pos, long start, long end,
                                const unsigned char[::1] dur, const unsigned char[::1] name,
                                const unsigned char[::1] names, const long[::1] name_off, long k) noexcept nogil

@cython.locals(i=Py_ssize_t, pos=Py_ssize_t, dur="const unsigned char[::1]", name="const unsigned char[::1]")
cpdef Py_ssize_t slice_rows(unsigned char[::1] out, const unsigned char[::1] head, const long[::1] start_ns,
                            const long[::1] end_ns, const long[::1] name_idx, const unsigned char[::1] names,
                            const long[::1] name_off, const unsigned char[::1] is_exit, const long[::1] reason,
                            const long[::1] rip, const unsigned char[::1] exit_mid,
                            const unsigned char[::1] guest_tail, const unsigned char[::1] rip_mid,
                            const unsigned char[::1] exit_tail)

@cython.locals(i=Py_ssize_t, pos=Py_ssize_t, vhead="const unsigned char[::1]", tid_text="const unsigned char[::1]",
               ts="const unsigned char[::1]", dur="const unsigned char[::1]", name="const unsigned char[::1]")
cpdef Py_ssize_t vcpu_rows(unsigned char[::1] out, const long[::1] start_ns, const long[::1] end_ns,
                           const long[::1] pid, const long[::1] tid, const long[::1] name_idx,
                           const unsigned char[::1] names, const long[::1] name_off, const unsigned char[::1] tail)
