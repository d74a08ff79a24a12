
# Import order of the vcpu <-> virq cycle.  Compiled, virq cimports vcpu's types, so importing virq first
# runs vcpu's body, whose last line imports virq's functions, while virq is still empty.  Importing vcpu
# first (here, before any core module can be imported) gives the order that works in both modes.
from acrn.core import vcpu as _vcpu  # noqa: E402,F401
