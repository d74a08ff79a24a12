"""Invalid inputs to the encoders/decoders and VMCS accessors: each raises acrn.errors.InvalidEncoding with a
message that names the problem (hw-semantics 1.7-1.10).  Rows: (callable, args, kwargs, key word of the message).
"""
import pytest

from acrn.arch_x86.lapic_hw import LapicHw, icr_decode, icr_encode, lvt_decode, lvt_encode
from acrn.arch_x86.msi import msi_decode, msi_encode
from acrn.arch_x86.vmx import Vmcs, intr_info_decode, intr_info_encode
from acrn.errors import AcrnModelError, InvalidEncoding


def case(id_, fn, *args, match, **kw):
    return pytest.param(fn, args, kw, match, id=id_)


def _lvt_write(name, value):
    LapicHw(0).write_lvt(name, value)


ICR_CASES = [
    # reserved delivery modes (10.6.1)
    case("icr-encode-dm3-reserved", icr_encode, 0x40, 3, 0, match="reserved"),
    case("icr-encode-dm7-reserved", icr_encode, 0x40, 7, 0, match="reserved"),
    case("icr-decode-dm3-reserved", icr_decode, 0x340, match="reserved delivery mode"),
    case("icr-decode-dm7-reserved", icr_decode, 0x740, match="reserved delivery mode"),
    # vectors
    case("icr-encode-vector-256", icr_encode, 256, 0, 0, match="out of range"),
    case("icr-encode-vector-negative", icr_encode, -1, 0, 0, match="out of range"),
    case("icr-encode-nmi-vector-256", icr_encode, 256, 4, 0, match="out of range"),
    case("icr-encode-fixed-vector-15-illegal", icr_encode, 15, 0, 0, match="illegal"),
    case("icr-encode-lowpri-vector-0-illegal", icr_encode, 0, 1, 0, match="illegal"),
    case("icr-decode-fixed-vector-15-illegal", icr_decode, 0x0F, match="illegal"),
    case("icr-decode-lowpri-vector-2-illegal", icr_decode, 0x102, match="illegal"),
    # reserved bits of the x2APIC ICR low half (10.12.9)
    case("icr-decode-reserved-bit13", icr_decode, 0x400 | 1 << 13, match="reserved bits"),
    case("icr-decode-reserved-bit16", icr_decode, 0x400 | 1 << 16, match="reserved bits"),
    case("icr-decode-reserved-bit17", icr_decode, 0x400 | 1 << 17, match="reserved bits"),
    case("icr-decode-reserved-bit20", icr_decode, 0x400 | 1 << 20, match="reserved bits"),
    case("icr-decode-reserved-bit31", icr_decode, 0x400 | 1 << 31, match="reserved bits"),
    # other fields
    case("icr-encode-shorthand-4", icr_encode, 0x40, 0, 0, shorthand=4, match="shorthand"),
    case("icr-encode-dest-2^32", icr_encode, 0x40, 0, 2**32, match="destination"),
    case("icr-encode-dest-negative", icr_encode, 0x40, 0, -1, match="destination"),
    case("icr-decode-value-beyond-64-bits", icr_decode, (1 << 64) | 0x400, match="range"),
    case("icr-decode-negative-value", icr_decode, -(1 << 32) | 0x400, match="range"),
]

MSI_CASES = [
    case("msi-encode-dm3-reserved", msi_encode, 0, 0x40, 3, match="reserved"),
    case("msi-encode-dm6-reserved-no-sipi", msi_encode, 0, 0x40, 6, match="reserved"),
    case("msi-decode-dm3-reserved", msi_decode, 0xFEE00000, 0x340, match="reserved delivery mode"),
    case("msi-decode-dm6-reserved", msi_decode, 0xFEE00000, 0x640, match="reserved delivery mode"),
    case("msi-encode-fixed-vector-15-illegal", msi_encode, 0, 15, match="illegal"),
    case("msi-encode-lowpri-vector-0-illegal", msi_encode, 0, 0, 1, match="illegal"),
    case("msi-decode-fixed-vector-1-illegal", msi_decode, 0xFEE00000, 0x01, match="illegal"),
    case("msi-encode-vector-256", msi_encode, 0, 256, match="out of range"),
    case("msi-encode-nmi-vector-negative", msi_encode, 0, -1, 4, match="out of range"),
    case("msi-encode-dest-256", msi_encode, 256, 0x40, match="destination"),
    case("msi-decode-address-0xFED", msi_decode, 0xFED00000, 0x41, match="0xFEE"),
    case("msi-decode-address-0xFEF", msi_decode, 0xFEF00000, 0x41, match="0xFEE"),
    case("msi-decode-address-0", msi_decode, 0, 0x41, match="0xFEE"),
    case("msi-decode-address-0xEEE", msi_decode, 0xEEE00000, 0x41, match="0xFEE"),
]

LVT_CASES = [
    # INIT and ExtINT are not allowed for thermal, PMC, CMCI (10.5.1)
    *[case("lvt-encode-%s-%s-not-allowed" % (n, m), lvt_encode, n, 0, dm, match="not allowed")
      for n in ("thermal", "pmc", "cmci") for m, dm in (("init", 5), ("extint", 7))],
    *[case("lvt-decode-%s-%s-not-allowed" % (n, m), lvt_decode, n, dm << 8, match="not allowed")
      for n in ("thermal", "pmc", "cmci") for m, dm in (("init", 5), ("extint", 7))],
    # timer and error: fixed only
    *[case("lvt-encode-%s-dm%d-not-allowed" % (n, dm), lvt_encode, n, 0x40, dm, match="not allowed")
      for n in ("timer", "error") for dm in (1, 2, 3, 4, 5, 6, 7)],
    # reserved codes 001, 011, 110 everywhere else
    *[case("lvt-encode-%s-dm%d-reserved" % (n, dm), lvt_encode, n, 0x40, dm, match="not allowed")
      for n in ("lint0", "lint1", "thermal", "pmc", "cmci") for dm in (1, 3, 6)],
    *[case("lvt-decode-%s-dm%d-reserved" % (n, dm), lvt_decode, n, 0x40 | dm << 8, match="not allowed")
      for n in ("lint0", "lint1", "pmc") for dm in (1, 3, 6)],
    *[case("lvt-write-%s-dm6-refused" % n, _lvt_write, n, 0x640, match="not allowed") for n in ("lint1", "pmc")],
    # vectors
    *[case("lvt-encode-%s-fixed-vector-15-illegal" % n, lvt_encode, n, 15, match="illegal")
      for n in ("timer", "error", "lint0", "pmc")],
    case("lvt-encode-lint1-nmi-vector-256", lvt_encode, "lint1", 256, 4, match="out of range"),
    case("lvt-encode-timer-vector-256", lvt_encode, "timer", 256, match="out of range"),
    # timer mode (10.5.4): 11 reserved; no timer mode elsewhere
    case("lvt-encode-timer-mode-3-reserved", lvt_encode, "timer", 0x40, timer_mode=3, match="reserved"),
    case("lvt-decode-timer-mode-3-reserved", lvt_decode, "timer", 0x40 | 3 << 17, match="reserved timer mode"),
    case("lvt-encode-pmc-timer-mode", lvt_encode, "pmc", 0x40, timer_mode=1, match="no timer mode"),
    # trigger/polarity only on LINT0/LINT1; NMI/SMI/INIT always edge
    case("lvt-encode-thermal-level-trigger", lvt_encode, "thermal", 0x40, trigger_level=True, match="trigger"),
    case("lvt-encode-timer-polarity", lvt_encode, "timer", 0x40, polarity_low=True, match="polarity"),
    *[case("lvt-encode-lint0-%s-level-is-edge-only" % m, lvt_encode, "lint0", 0, dm, trigger_level=True,
           match="edge") for m, dm in (("smi", 2), ("nmi", 4), ("init", 5))],
    # unknown register
    case("lvt-encode-unknown-name", lvt_encode, "lint2", 0x40, match="unknown LVT"),
    case("lvt-decode-unknown-name", lvt_decode, "TIMER", 0x40, match="unknown LVT"),
    case("lvt-write-unknown-name", _lvt_write, "perf", 0x40, match="unknown LVT"),
]

INTR_CASES = [
    # type 1 is reserved in every field; per-field type sets (24.8.3, 24.9.2, 24.9.3)
    *[case("intr-encode-%s-type1-reserved" % f, intr_info_encode, 0x30, 1, field=f, match="type 1")
      for f in ("entry", "exit", "idt")],
    case("intr-encode-exit-type4-not-allowed", intr_info_encode, 0x30, 4, field="exit", match="type 4"),
    case("intr-encode-exit-type7-not-allowed", intr_info_encode, 0, 7, field="exit", match="type 7"),
    case("intr-encode-idt-type7-not-allowed", intr_info_encode, 0, 7, field="idt", match="type 7"),
    *[case("intr-decode-%s-type1-reserved" % f, intr_info_decode, 0x80000130, field=f, match="type 1")
      for f in ("entry", "exit", "idt")],
    case("intr-decode-exit-type4-reserved", intr_info_decode, 0x80000430, field="exit", match="type 4"),
    # NMI has vector 2; hardware exceptions 0-31; vectors 0-255 (26.2.1.3)
    *[case("intr-encode-%s-nmi-vector-%d" % (f, v), intr_info_encode, v, 2, field=f, match="vector 2")
      for f in ("entry", "exit", "idt") for v in (0, 3, 0xF0)],
    case("intr-encode-hw-exception-vector-32", intr_info_encode, 32, 3, match="above 31"),
    case("intr-encode-vector-256", intr_info_encode, 256, 0, match="out of range"),
    case("intr-encode-vector-negative", intr_info_encode, -1, 4, match="out of range"),
    case("intr-encode-other-event-vector-1", intr_info_encode, 1, 7, field="entry", match="vector"),
    # bit 12 (NMI unblocking due to IRET) exists only in the exit field (24.9.2)
    case("intr-encode-entry-bit12", intr_info_encode, 2, 2, nmi_unblocking=True, field="entry", match="bit 12"),
    case("intr-encode-idt-bit12", intr_info_encode, 2, 2, nmi_unblocking=True, field="idt", match="bit 12"),
    # unknown field names
    case("intr-encode-unknown-field", intr_info_encode, 0x30, 0, field="exits", match="unknown"),
    case("intr-decode-unknown-field", intr_info_decode, 0x80000030, field="vectoring", match="unknown"),
]

VMCS_CASES = [
    *[case("vmwrite-read-only-0x%04X" % f, Vmcs("v").write, f, 1, match="read-only")
      for f in (0x4400, 0x4402, 0x4404, 0x4406, 0x4408, 0x440A, 0x440C, 0x440E, 0x6400)],
    case("vmread-unsupported-field", Vmcs("v").read, 0x1234, match="unsupported"),
    case("vmwrite-unsupported-field", Vmcs("v").write, 0x1234, 0, match="unsupported"),
]


@pytest.mark.parametrize("fn, args, kw, match",
                         ICR_CASES + MSI_CASES + LVT_CASES + INTR_CASES + VMCS_CASES)
def test_invalid_input_raises_invalid_encoding(fn, args, kw, match):
    with pytest.raises(InvalidEncoding, match="(?i)" + match) as info:
        fn(*args, **kw)
    message = str(info.value)
    assert "\n" not in message  # errors.py: one line that names what was wrong
    assert isinstance(info.value, AcrnModelError) and isinstance(info.value, ValueError)
