"""The physical local APIC of one pCPU (SDM Vol. 3A chapter 10), x2APIC mode.

Plain data (IRR/ISR bitmaps, TPR, LVTs) plus the encoders/decoders of the registers the notification
path writes: ICR (10.6.1, 10.12.9) and LVT entries (10.5.1).  Delivery timing is the engine's business;
this module only says what a register value means and what the APIC would present to its CPU.
"""
import collections

import cython

from acrn.arch_x86 import consts as C
from acrn.arch_x86.consts import (
    APIC_DEST_NOSHORT, APIC_DM_FIXED, APIC_DM_INIT, APIC_DM_LOWPRI, APIC_DM_NMI, APIC_DM_SMI,
    APIC_ICR_DESTMODE_LOGICAL, APIC_ICR_DM_SHIFT, APIC_ICR_LEVEL_ASSERT, APIC_ICR_RESERVED_LO,
    APIC_ICR_SHORTHAND_SHIFT, APIC_ICR_TRIGGER_LEVEL, DELIVERY_MODES, ICR_DELIVERY_MODES, LVT_CMCI,
    LVT_DELIVERY_MODES, LVT_DELIVERY_MODES_NO_INIT, LVT_DM_SHIFT, LVT_ERROR, LVT_LINT0, LVT_LINT1, LVT_MASKED,
    LVT_PMC, LVT_POLARITY_LOW, LVT_REGISTERS, LVT_THERMAL, LVT_TIMER, LVT_TIMER_MODE_SHIFT, LVT_TIMER_ONESHOT,
    LVT_TIMER_PERIODIC, LVT_TIMER_TSC_DEADLINE, LVT_TRIGGER_LEVEL, SHORTHANDS)
from acrn.errors import InvalidEncoding

# 1 << v for every vector, as Python ints: the bitmaps are 256 bits wide, wider than any C integer, so a
# C shift of a typed vector would overflow in compiled mode
_BIT = [1 << v for v in range(256)]

# bit m set for every delivery mode m an ICR may carry (SDM 10.6.1): a C test of ICR_DELIVERY_MODES
ICR_DELIVERY_MODE_BITS = cython.declare(cython.longlong, sum(1 << m for m in ICR_DELIVERY_MODES))

Icr = collections.namedtuple(
    "Icr", "vector delivery_mode dest_mode_logical level_assert trigger_level shorthand dest")
Lvt = collections.namedtuple(
    "Lvt", "name vector delivery_mode masked timer_mode trigger_level polarity_low")


def _check_fixed_vector(vector, what):
    if not 0 <= vector <= 0xFF:
        raise InvalidEncoding("%s vector %r out of range 0-255" % (what, vector))
    if vector < 16:
        # SDM 10.5.3: vectors 0-15 are illegal (send/receive illegal vector error)
        raise InvalidEncoding("%s vector 0x%x is illegal (vectors 0-15 are reserved)" % (what, vector))


def icr_encode(vector, delivery_mode, dest, dest_mode_logical=False, shorthand=APIC_DEST_NOSHORT,
               level_assert=True, trigger_level=False):
    """64-bit x2APIC ICR value (SDM 10.12.9): destination in bits 63:32, command in bits 31:0; every field
    checked (InvalidEncoding)."""
    if delivery_mode not in ICR_DELIVERY_MODES:
        raise InvalidEncoding("ICR delivery mode %r is reserved (allowed: %s)" % (
            delivery_mode, ", ".join(DELIVERY_MODES[m] for m in sorted(ICR_DELIVERY_MODES))))
    if shorthand not in SHORTHANDS:
        raise InvalidEncoding("ICR shorthand %r out of range 0-3" % (shorthand,))
    if not 0 <= dest <= 0xFFFFFFFF:
        raise InvalidEncoding("ICR destination %r out of range (32-bit x2APIC ID)" % (dest,))
    if delivery_mode in (APIC_DM_FIXED, APIC_DM_LOWPRI):
        _check_fixed_vector(vector, "ICR")
    elif not 0 <= vector <= 0xFF:
        raise InvalidEncoding("ICR vector %r out of range 0-255" % (vector,))
    flags = 0
    if dest_mode_logical:
        flags |= APIC_ICR_DESTMODE_LOGICAL
    if level_assert:
        flags |= APIC_ICR_LEVEL_ASSERT
    if trigger_level:
        flags |= APIC_ICR_TRIGGER_LEVEL
    return icr_value(vector, delivery_mode, dest, shorthand, flags)


def icr_value(vector, delivery_mode, dest, shorthand, flags):
    """The x2APIC ICR value of these fields, unchecked (SDM 10.12.9): ``dest`` in bits 63:32, the shorthand
    in 19:18, ``flags`` (destination mode, level, trigger: bits 11, 14, 15), the delivery mode in 10:8, the
    vector in 7:0.  On plain integers, for the hypervisor's own sends; ``icr_encode`` checks the fields."""
    return (dest << 32) | (shorthand << APIC_ICR_SHORTHAND_SHIFT) | flags | (delivery_mode << APIC_ICR_DM_SHIFT) \
        | vector


def icr_phys(vector, delivery_mode, dest):
    """The ICR value of ACRN's send_single_* writes: physical destination ``dest``, no shorthand, level
    assert, edge trigger (SDM 10.12.9)."""
    return icr_value(vector, delivery_mode, dest, APIC_DEST_NOSHORT, APIC_ICR_LEVEL_ASSERT)


def icr_check(value):
    """The checks of an x2APIC ICR write (SDM 10.12.9, 10.6.1): a value beyond 64 bits, reserved bits or a
    reserved delivery mode raise InvalidEncoding.  Hot paths then take the fields as integers (the
    engine's ``write_icr``); ``icr_decode`` returns them as an ``Icr``."""
    if not 0 <= value <= 0xFFFFFFFFFFFFFFFF:
        raise InvalidEncoding("ICR value %r out of range (a 64-bit MSR)" % (value,))
    return icr_check_bits(value)


def icr_check_bits(value):
    """``icr_check`` of a value known to fit 64 bits, on a C integer: reserved bits, reserved delivery
    mode, illegal fixed vector."""
    lo = value & 0xFFFFFFFF
    if lo & APIC_ICR_RESERVED_LO:
        raise InvalidEncoding("ICR value 0x%x sets reserved bits 0x%x (SDM 10.12.9)"
                              % (value, lo & APIC_ICR_RESERVED_LO))
    dm = (lo >> APIC_ICR_DM_SHIFT) & 0x7
    if not (ICR_DELIVERY_MODE_BITS >> dm) & 1:
        raise InvalidEncoding("ICR value 0x%x has reserved delivery mode %d (SDM 10.6.1)" % (value, dm))
    if (dm == APIC_DM_FIXED or dm == APIC_DM_LOWPRI) and (lo & 0xFF) < 16:
        _check_fixed_vector(lo & 0xFF, "ICR")
    return 0


def icr_decode(value):
    """Decode a 64-bit x2APIC ICR write; reserved bits or delivery modes raise InvalidEncoding."""
    icr_check(value)
    lo = value & 0xFFFFFFFF
    return Icr(vector=lo & 0xFF, delivery_mode=(lo >> APIC_ICR_DM_SHIFT) & 0x7,
               dest_mode_logical=bool(lo & APIC_ICR_DESTMODE_LOGICAL),
               level_assert=bool(lo & APIC_ICR_LEVEL_ASSERT),
               trigger_level=bool(lo & APIC_ICR_TRIGGER_LEVEL),
               shorthand=(lo >> APIC_ICR_SHORTHAND_SHIFT) & 0x3, dest=value >> 32)


def _lvt_allowed_modes(name):
    if name in (LVT_TIMER, LVT_ERROR):
        return frozenset((APIC_DM_FIXED,))  # SDM 10.5.1: no delivery-mode field, always fixed
    if name in (LVT_LINT0, LVT_LINT1):
        return LVT_DELIVERY_MODES
    if name in (LVT_THERMAL, LVT_PMC, LVT_CMCI):
        return LVT_DELIVERY_MODES_NO_INIT
    raise InvalidEncoding("unknown LVT register %r (known: %s)" % (name, ", ".join(sorted(LVT_REGISTERS))))


def lvt_encode(name, vector, delivery_mode=APIC_DM_FIXED, masked=False, timer_mode=LVT_TIMER_ONESHOT,
               trigger_level=False, polarity_low=False):
    """Value of LVT register ``name`` (SDM 10.5.1, Figure 10-8)."""
    allowed = _lvt_allowed_modes(name)
    if delivery_mode not in allowed:
        raise InvalidEncoding("LVT %s: delivery mode %s not allowed (allowed: %s)" % (
            name, C.delivery_mode_name(delivery_mode), ", ".join(DELIVERY_MODES[m] for m in sorted(allowed))))
    if delivery_mode == APIC_DM_FIXED and not masked:
        _check_fixed_vector(vector, "LVT " + name)  # a masked entry never delivers (reset value 0x10000)
    elif not 0 <= vector <= 0xFF:
        raise InvalidEncoding("LVT %s vector %r out of range 0-255" % (name, vector))
    value = vector
    if name not in (LVT_TIMER, LVT_ERROR):
        value |= delivery_mode << LVT_DM_SHIFT
    if masked:
        value |= LVT_MASKED
    if name == LVT_TIMER:
        if timer_mode not in (LVT_TIMER_ONESHOT, LVT_TIMER_PERIODIC, LVT_TIMER_TSC_DEADLINE):
            raise InvalidEncoding("LVT timer mode %r is reserved" % (timer_mode,))
        value |= timer_mode << LVT_TIMER_MODE_SHIFT
    elif timer_mode:
        raise InvalidEncoding("LVT %s has no timer mode" % name)
    if name in (LVT_LINT0, LVT_LINT1):
        if delivery_mode in (APIC_DM_NMI, APIC_DM_SMI, APIC_DM_INIT) and trigger_level:
            raise InvalidEncoding("LVT %s: %s is always edge-triggered" % (name, C.delivery_mode_name(delivery_mode)))
        if trigger_level:
            value |= LVT_TRIGGER_LEVEL
        if polarity_low:
            value |= LVT_POLARITY_LOW
    elif trigger_level or polarity_low:
        raise InvalidEncoding("LVT %s has no trigger/polarity bits (LINT0/LINT1 only)" % name)
    return value


def lvt_decode(name, value):
    """Decode LVT register ``name``; a reserved delivery mode raises InvalidEncoding."""
    allowed = _lvt_allowed_modes(name)
    dm = APIC_DM_FIXED if name in (LVT_TIMER, LVT_ERROR) else (value >> LVT_DM_SHIFT) & 0x7
    if dm not in allowed:
        raise InvalidEncoding("LVT %s value 0x%x has delivery mode %s, not allowed there"
                              % (name, value, C.delivery_mode_name(dm)))
    timer_mode = (value >> LVT_TIMER_MODE_SHIFT) & 0x3 if name == LVT_TIMER else 0
    if timer_mode == 3:
        raise InvalidEncoding("LVT timer value 0x%x has reserved timer mode 3" % value)
    masked = bool(value & LVT_MASKED)
    if dm == APIC_DM_FIXED and not masked and (value & 0xFF) < 16:
        raise InvalidEncoding("LVT %s value 0x%x: vector 0x%x is illegal (vectors 0-15 are reserved)"
                              % (name, value, value & 0xFF))
    lint = name in (LVT_LINT0, LVT_LINT1)
    edge_only = dm in (APIC_DM_NMI, APIC_DM_SMI, APIC_DM_INIT)  # SDM 10.5.1: the trigger bit is ignored
    return Lvt(name=name, vector=value & 0xFF, delivery_mode=dm, masked=masked, timer_mode=timer_mode,
               trigger_level=lint and not edge_only and bool(value & LVT_TRIGGER_LEVEL),
               polarity_low=lint and bool(value & LVT_POLARITY_LOW))


class LapicHw:
    """The interrupt-acceptance state of one physical local APIC.

    ``irr``/``isr`` are 256-bit bitmaps held in Python ints; ``irr_source[vector]`` is the model tag of
    whoever set the IRR bit last (invariants only).
    """

    def __init__(self, apic_id: cython.int):
        self.apic_id = apic_id
        self.irr = 0
        self.isr = 0
        self.tpr = 0
        self.esr = 0
        self.irr_source = {}
        self.lvt = {name: LVT_MASKED for name in LVT_REGISTERS}  # masked after reset (SDM 10.4.7.1)

    def ppr(self) -> cython.int:
        """Processor priority (SDM 10.8.3.1): TPR if its class is >= the highest in-service class."""
        isrv: cython.int = self.isr.bit_length() - 1 if self.isr else 0
        if (self.tpr >> 4) >= (isrv >> 4):
            return self.tpr
        return isrv & 0xF0

    def accept_fixed(self, vector: cython.int, source: cython.int):
        """A fixed interrupt arrives: set its IRR bit (repeats of a pending vector merge, SDM 10.8.4)."""
        self.irr |= _BIT[vector]
        self.irr_source[vector] = source

    def highest_deliverable(self) -> cython.int:
        """The IRR vector the APIC would present to the CPU now, or -1 (SDM 10.8.3.1: class above PPR)."""
        if not self.irr:
            return -1
        vector: cython.int = self.irr.bit_length() - 1
        if (vector >> 4) > (self.ppr() >> 4):
            return vector
        return -1

    def ack(self) -> cython.int:
        """The CPU acknowledges the presented interrupt: IRR -> ISR (SDM 10.8.4).  Returns the vector."""
        vector: cython.int = self.highest_deliverable()
        if vector >= 0:
            self.irr &= ~_BIT[vector]
            self.isr |= _BIT[vector]
        return vector

    def eoi(self) -> cython.int:
        """EOI clears the highest in-service bit (SDM 10.8.5).  Returns the vector, or -1."""
        if not self.isr:
            return -1
        vector: cython.int = self.isr.bit_length() - 1
        self.isr &= ~_BIT[vector]
        return vector

    def write_lvt(self, name, value):
        """Program an LVT entry; the value is validated as the hardware would (reserved modes refused)."""
        lvt_decode(name, value)
        self.lvt[name] = value
