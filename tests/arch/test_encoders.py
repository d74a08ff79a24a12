"""Property tests of the register encoders/decoders (hw-semantics 1.7-1.10).

Round trips generate only valid inputs and also check where every field lands, with bit positions written
here from the SDM (so an encoder and decoder that agree on a wrong layout still fail).  The decoder tests
feed arbitrary register values: a decoder either refuses the value with InvalidEncoding - exactly when the
SDM makes it invalid - or returns fields that re-encode to the same value, minus the bits the format does
not keep (read-only status bits, ignored or reserved-and-ignored bits).  Never another exception.

The tests at the bottom pin encoder/decoder disagreements found (and fixed) while writing these properties.
"""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acrn.arch_x86.lapic_hw import icr_decode, icr_encode, icr_phys, lvt_decode, lvt_encode
from acrn.arch_x86.msi import msi_decode, msi_encode
from acrn.arch_x86.vmx import intr_info_decode, intr_info_encode
from acrn.errors import InvalidEncoding

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])

# ---- SDM layouts, spelled here ------------------------------------------------------------------
ICR_MODES = (0, 1, 2, 4, 5, 6)  # 10.6.1: 3 and 7 reserved
ICR_RESERVED_LO = 0xFFF32000  # x2APIC ICR low half: bits 13, 16-17, 20-31 reserved (10.12.9)
ICR_DELIVERY_STATUS = 1 << 12  # xAPIC only; not kept in x2APIC
MSI_MODES = (0, 1, 2, 4, 5, 7)  # 10.11.2: 3 and 6 reserved
MSI_ADDR_KEPT = 0xFFFFF00C  # 31:20 0xFEE, 19:12 dest, bit 3 RH, bit 2 DM (11:4 reserved, 1:0 ignored)
MSI_DATA_KEPT = 0xC7FF  # 7:0 vector, 10:8 mode, 14 level, 15 trigger
LVT_MODES = {"timer": (0,), "error": (0,), "thermal": (0, 2, 4), "pmc": (0, 2, 4), "cmci": (0, 2, 4),
             "lint0": (0, 2, 4, 5, 7), "lint1": (0, 2, 4, 5, 7)}  # 10.5.1
LINT = ("lint0", "lint1")
EDGE_ONLY = (2, 4, 5)  # SMI, NMI, INIT are always edge (10.5.1)
INT_TYPES = {"entry": (0, 2, 3, 4, 5, 6, 7), "exit": (0, 2, 3, 5, 6), "idt": (0, 2, 3, 4, 5, 6)}  # 24.8.3, 24.9


def fixed_like(dm):
    return dm in (0, 1)  # Fixed and Lowest-priority carry a real vector: 0-15 illegal (10.5.3)


def vector_for(dm):
    return st.integers(16, 255) if fixed_like(dm) else st.integers(0, 255)


# ================================================================================================
# ICR
# ================================================================================================
@st.composite
def icr_args(draw):
    dm = draw(st.sampled_from(ICR_MODES))
    return dict(vector=draw(vector_for(dm)), delivery_mode=dm, dest=draw(st.integers(0, 2**32 - 1)),
                dest_mode_logical=draw(st.booleans()), shorthand=draw(st.integers(0, 3)),
                level_assert=draw(st.booleans()), trigger_level=draw(st.booleans()))


@SETTINGS
@given(icr_args())
def test_icr_round_trip(args):
    value = icr_encode(**args)
    assert 0 <= value < 2**64
    assert value & 0xFF == args["vector"]
    assert (value >> 8) & 7 == args["delivery_mode"]
    assert bool(value >> 11 & 1) == args["dest_mode_logical"]
    assert bool(value >> 14 & 1) == args["level_assert"]
    assert bool(value >> 15 & 1) == args["trigger_level"]
    assert (value >> 18) & 3 == args["shorthand"]
    assert value >> 32 == args["dest"]
    assert value & (ICR_RESERVED_LO | ICR_DELIVERY_STATUS) == 0
    assert icr_decode(value)._asdict() == args


@SETTINGS
@given(icr_args())
def test_icr_phys_is_the_checked_encoding(args):
    """The hypervisor's sends (send_single_*) compose the ICR on C integers without the checks: the same value
    as the checked encoder's for a physical, shorthand-free, asserted, edge-triggered write (10.12.9)."""
    value = icr_phys(args["vector"], args["delivery_mode"], args["dest"])
    assert value == icr_encode(args["vector"], args["delivery_mode"], args["dest"])
    assert value >> 14 & 1 == 1 and value >> 15 & 1 == 0 and (value >> 18) & 3 == 0 and not value >> 11 & 1


def icr_valid(value):
    lo = value & 0xFFFFFFFF
    dm = (lo >> 8) & 7
    return not (lo & ICR_RESERVED_LO) and dm in ICR_MODES and not (fixed_like(dm) and (lo & 0xFF) < 16)


ANY64 = st.integers(0, 2**64 - 1)


@SETTINGS
@given(st.one_of(ANY64, ANY64.map(lambda v: v & ~ICR_RESERVED_LO)))  # half the values pass the reserved-bit test
def test_icr_decode_arbitrary(value):
    if not icr_valid(value):
        with pytest.raises(InvalidEncoding):
            icr_decode(value)
        return
    decoded = icr_decode(value)
    assert icr_encode(**decoded._asdict()) == value & ~ICR_DELIVERY_STATUS


# ================================================================================================
# MSI
# ================================================================================================
@st.composite
def msi_args(draw):
    dm = draw(st.sampled_from(MSI_MODES))
    return dict(dest=draw(st.integers(0, 255)), vector=draw(vector_for(dm)), delivery_mode=dm,
                dest_mode_logical=draw(st.booleans()), redirection_hint=draw(st.booleans()),
                level_assert=draw(st.booleans()), trigger_level=draw(st.booleans()))


@SETTINGS
@given(msi_args())
def test_msi_round_trip(args):
    addr, data = msi_encode(**args)
    assert addr >> 20 == 0xFEE
    assert (addr >> 12) & 0xFF == args["dest"]
    assert bool(addr >> 3 & 1) == args["redirection_hint"]
    assert bool(addr >> 2 & 1) == args["dest_mode_logical"]
    assert addr & ~MSI_ADDR_KEPT == 0
    assert data & 0xFF == args["vector"]
    assert (data >> 8) & 7 == args["delivery_mode"]
    assert bool(data >> 14 & 1) == args["level_assert"]
    assert bool(data >> 15 & 1) == args["trigger_level"]
    assert data & ~MSI_DATA_KEPT == 0
    assert msi_decode(addr, data)._asdict() == args


ANY32 = st.integers(0, 2**32 - 1)


@SETTINGS
@given(st.one_of(ANY32, st.integers(0, 0xFFFFF).map(lambda a: 0xFEE00000 | a)), ANY32)
def test_msi_decode_arbitrary(addr, data):
    dm = (data >> 8) & 7
    valid = addr >> 20 == 0xFEE and dm in MSI_MODES and not (fixed_like(dm) and (data & 0xFF) < 16)
    if not valid:
        with pytest.raises(InvalidEncoding):
            msi_decode(addr, data)
        return
    decoded = msi_decode(addr, data)
    assert msi_encode(**decoded._asdict()) == (addr & MSI_ADDR_KEPT, data & MSI_DATA_KEPT)


# ================================================================================================
# LVT
# ================================================================================================
@st.composite
def lvt_args(draw):
    name = draw(st.sampled_from(sorted(LVT_MODES)))
    dm = draw(st.sampled_from(LVT_MODES[name]))
    args = dict(name=name, vector=draw(vector_for(dm)), delivery_mode=dm, masked=draw(st.booleans()),
                timer_mode=draw(st.integers(0, 2)) if name == "timer" else 0,
                trigger_level=False, polarity_low=False)
    if name in LINT:
        args["polarity_low"] = draw(st.booleans())
        args["trigger_level"] = dm not in EDGE_ONLY and draw(st.booleans())
    return args


def lvt_kept_mask(name, dm):
    mask = 0xFF | 1 << 16  # vector, mask bit (12 delivery status and 14 remote IRR are read-only)
    if name == "timer":
        mask |= 3 << 17
    if name not in ("timer", "error"):
        mask |= 7 << 8
    if name in LINT:
        mask |= 1 << 13
        if dm not in EDGE_ONLY:
            mask |= 1 << 15
    return mask


@SETTINGS
@given(lvt_args())
def test_lvt_round_trip(args):
    name, dm = args["name"], args["delivery_mode"]
    value = lvt_encode(**args)
    assert value & 0xFF == args["vector"]
    assert (value >> 8) & 7 == (0 if name in ("timer", "error") else dm)
    assert bool(value >> 16 & 1) == args["masked"]
    assert (value >> 17) & 3 == args["timer_mode"]
    assert bool(value >> 13 & 1) == args["polarity_low"]
    assert bool(value >> 15 & 1) == args["trigger_level"]
    assert value & ~lvt_kept_mask(name, dm) == 0
    assert lvt_decode(name, value)._asdict() == args


@SETTINGS
@given(st.sampled_from(sorted(LVT_MODES)), ANY32)
def test_lvt_decode_arbitrary(name, value):
    dm = 0 if name in ("timer", "error") else (value >> 8) & 7
    illegal_vector = dm == 0 and not value >> 16 & 1 and (value & 0xFF) < 16  # unmasked fixed, SDM 10.5.3
    valid = dm in LVT_MODES[name] and not (name == "timer" and (value >> 17) & 3 == 3) and not illegal_vector
    if not valid:
        with pytest.raises(InvalidEncoding):
            lvt_decode(name, value)
        return
    decoded = lvt_decode(name, value)._asdict()
    expected = value & lvt_kept_mask(name, dm)
    if name in LINT and dm in EDGE_ONLY:
        expected &= ~(1 << 15)  # the trigger bit is ignored for NMI/SMI/INIT (always edge)
    assert lvt_encode(**decoded) == expected


# ================================================================================================
# Interruption information (entry, exit, IDT-vectoring)
# ================================================================================================
def int_vector(t):
    return {2: st.just(2), 3: st.integers(0, 31), 7: st.just(0)}.get(t, st.integers(0, 255))


@st.composite
def intr_args(draw):
    field = draw(st.sampled_from(sorted(INT_TYPES)))
    t = draw(st.sampled_from(INT_TYPES[field]))
    return dict(vector=draw(int_vector(t)), int_type=t, errcode_valid=draw(st.booleans()),
                nmi_unblocking=field == "exit" and draw(st.booleans()), valid=draw(st.booleans()), field=field)


@SETTINGS
@given(intr_args())
def test_intr_info_round_trip(args):
    value = intr_info_encode(**args)
    assert value & 0xFF == args["vector"]
    assert (value >> 8) & 7 == args["int_type"]
    assert bool(value >> 11 & 1) == args["errcode_valid"]
    assert bool(value >> 12 & 1) == args["nmi_unblocking"]
    assert bool(value >> 31 & 1) == args["valid"]
    assert value & 0x7FFFE000 == 0  # bits 30:13 never set
    d = intr_info_decode(value, field=args["field"])
    assert (d.vector, d.type, d.errcode_valid, d.nmi_unblocking, d.valid) == (
        args["vector"], args["int_type"], args["errcode_valid"], args["nmi_unblocking"], args["valid"])


@SETTINGS
@given(st.sampled_from(sorted(INT_TYPES)), st.one_of(ANY32, ANY32.map(lambda v: v | 1 << 31)))
def test_intr_info_decode_arbitrary(field, value):
    t, vector, valid = (value >> 8) & 7, value & 0xFF, bool(value >> 31)
    if not valid:
        # the rest of an invalid field is ignored by the CPU: decoding must not refuse it
        d = intr_info_decode(value, field=field)
        assert (d.valid, d.vector, d.type) == (False, vector, t)
        return
    refused = (t == 2 and vector != 2) or (t == 3 and vector > 31) or (t == 7 and vector != 0)
    if t not in INT_TYPES[field] or refused:
        with pytest.raises(InvalidEncoding):
            intr_info_decode(value, field=field)
        return
    d = intr_info_decode(value, field=field)
    kept = 0x80000FFF | (1 << 12 if field == "exit" else 0)  # bit 12 exists only in the exit field
    again = intr_info_encode(d.vector, d.type, errcode_valid=d.errcode_valid, nmi_unblocking=d.nmi_unblocking,
                             valid=d.valid, field=field)
    assert again == value & kept


# ================================================================================================
# Encoder/decoder disagreements found while writing the properties above (all fixed)
# ================================================================================================


@pytest.mark.parametrize("name", sorted(LVT_MODES))
def test_lvt_masked_reset_value_encodable(name):
    assert lvt_encode(name, 0, masked=True) == 0x10000
    assert lvt_encode(**lvt_decode(name, 0x10000)._asdict()) == 0x10000


@pytest.mark.parametrize("name", sorted(LVT_MODES))
def test_lvt_unmasked_illegal_vector_refused(name):
    with pytest.raises(InvalidEncoding, match=r"(?i)illegal"):
        lvt_decode(name, 0x05)


@pytest.mark.parametrize("name, value", [("lint0", 0x8400), ("lint1", 0x8400), ("lint0", 0x8500),
                                         ("lint1", 0x8200)])
def test_lvt_lint_edge_only_mode_with_level_bit(name, value):
    try:
        decoded = lvt_decode(name, value)
    except InvalidEncoding:
        return
    assert not decoded.trigger_level
    assert lvt_encode(**decoded._asdict()) == value & ~(1 << 15)


@pytest.mark.parametrize("field, value", [("entry", 0x80000203), ("exit", 0x80000200), ("idt", 0x800002FF),
                                          ("entry", 0x80000320), ("exit", 0x800003FF), ("idt", 0x80000340)])
def test_intr_info_decode_refuses_what_encode_refuses(field, value):
    with pytest.raises(InvalidEncoding):
        intr_info_decode(value, field=field)
