"""MSI address/data encoding (SDM Vol. 3A 10.11.1-2).  Plain functions: cold path, never compiled."""
from typing import NamedTuple

from acrn.arch_x86 import consts as C
from acrn.errors import InvalidEncoding


class Msi(NamedTuple):
    dest: int
    vector: int
    delivery_mode: int
    dest_mode_logical: bool
    redirection_hint: bool
    level_assert: bool
    trigger_level: bool


def _check_vector(vector, delivery_mode):
    if not 0 <= vector <= 0xFF:
        raise InvalidEncoding("MSI vector %r out of range 0-255" % (vector,))
    if delivery_mode in (C.APIC_DM_FIXED, C.APIC_DM_LOWPRI) and vector < 16:
        # SDM 10.5.3: vectors 0-15 are illegal for fixed interrupts
        raise InvalidEncoding("MSI vector 0x%x is illegal for %s delivery (must be >= 16)"
                              % (vector, C.delivery_mode_name(delivery_mode)))


def msi_encode(dest, vector, delivery_mode=C.APIC_DM_FIXED, dest_mode_logical=False,
               redirection_hint=False, level_assert=False, trigger_level=False):
    """Return ``(address, data)`` for an MSI (SDM 10.11.1 address, 10.11.2 data)."""
    if delivery_mode not in C.MSI_DELIVERY_MODES:
        raise InvalidEncoding("MSI delivery mode %r is reserved (allowed: %s)"
                              % (delivery_mode, ", ".join(C.DELIVERY_MODES[m] for m in sorted(C.MSI_DELIVERY_MODES))))
    if not 0 <= dest <= 0xFF:
        raise InvalidEncoding("MSI destination ID %r out of range 0-255" % (dest,))
    _check_vector(vector, delivery_mode)
    addr = C.MSI_ADDR_BASE | (dest << C.MSI_ADDR_DEST_SHIFT)
    if redirection_hint:
        addr |= C.MSI_ADDR_RH
    if dest_mode_logical:
        addr |= C.MSI_ADDR_DM_LOGICAL
    data = vector | (delivery_mode << C.MSI_DATA_DM_SHIFT)
    if level_assert:
        data |= C.MSI_DATA_LEVEL_ASSERT
    if trigger_level:
        data |= C.MSI_DATA_TRIGGER_LEVEL
    return addr, data


def msi_decode(address, data):
    """Decode an MSI address/data pair; reserved delivery modes and a non-0xFEE address are refused."""
    if (address & C.MSI_ADDR_BASE_MASK) != C.MSI_ADDR_BASE:
        raise InvalidEncoding("MSI address 0x%x does not start with 0xFEE (SDM 10.11.1)" % address)
    dm = (data >> C.MSI_DATA_DM_SHIFT) & 0x7
    if dm not in C.MSI_DELIVERY_MODES:
        raise InvalidEncoding("MSI data 0x%x has reserved delivery mode %d (SDM 10.11.2)" % (data, dm))
    vector = data & 0xFF
    _check_vector(vector, dm)
    return Msi(dest=(address >> C.MSI_ADDR_DEST_SHIFT) & 0xFF, vector=vector, delivery_mode=dm,
               dest_mode_logical=bool(address & C.MSI_ADDR_DM_LOGICAL),
               redirection_hint=bool(address & C.MSI_ADDR_RH),
               level_assert=bool(data & C.MSI_DATA_LEVEL_ASSERT),
               trigger_level=bool(data & C.MSI_DATA_TRIGGER_LEVEL))
