"""The VMCS of one vCPU and the VMX rules that read it (SDM Vol. 3C chapters 24-27).

``Vmcs`` is plain data: one attribute per field the model keeps (names in ``consts.VMCS_FIELDS``).
The functions check VM-entry controls and event injection exactly where the SDM makes an entry fail.
"""
import collections

import cython

from acrn.arch_x86.consts import (
    ACTIVITY_ACTIVE, ENTRY_INT_TYPES, EXIT_INT_TYPES, IDT_NMI, IDT_VEC_TYPES, VMCS_FIELDS,
    VMXERR_ENTRY_INVALID_CONTROL_FIELD, VMXERR_UNSUPPORTED_COMPONENT, VMX_EXIT_QUALIFICATION,
    VMX_INTR_MOVSS_BLOCKING, VMX_INTR_NMI_BLOCKING, VMX_INTR_STI_BLOCKING, VMX_INT_INFO_ERR_CODE_VALID,
    VMX_INT_INFO_NMI_UNBLOCK_IRET, VMX_INT_INFO_VALID, VMX_INT_TYPE_EXT_INT, VMX_INT_TYPE_HW_EXP,
    VMX_INT_TYPE_NMI, VMX_INT_TYPE_OTHER, VMX_PINBASED_CTLS_NMI_EXIT, VMX_PINBASED_CTLS_VIRT_NMI,
    VMX_PROCBASED_CTLS_NMI_WINEXIT)
from acrn.errors import InvalidEncoding

IntrInfo = collections.namedtuple("IntrInfo", "vector type errcode_valid nmi_unblocking valid")

_FIELD_TYPES = {"entry": ENTRY_INT_TYPES, "exit": EXIT_INT_TYPES, "idt": IDT_VEC_TYPES}


def intr_info_encode(vector, int_type, errcode_valid=False, nmi_unblocking=False, valid=True, field="entry"):
    """Encode an interruption-information field (SDM 24.8.3 entry, 24.9.2 exit, 24.9.3 IDT-vectoring)."""
    types = _FIELD_TYPES.get(field)
    if types is None:
        raise InvalidEncoding("interruption-info field %r unknown (entry, exit, idt)" % (field,))
    if int_type not in types:
        raise InvalidEncoding("interruption type %r not allowed in the %s field (allowed: %s)"
                              % (int_type, field, ", ".join(str(t) for t in sorted(types))))
    if not 0 <= vector <= 0xFF:
        raise InvalidEncoding("interruption vector %r out of range 0-255" % (vector,))
    if int_type == VMX_INT_TYPE_NMI and vector != IDT_NMI:
        raise InvalidEncoding("an NMI has vector 2, not %d (SDM 26.2.1.3)" % vector)
    if int_type == VMX_INT_TYPE_HW_EXP and vector > 31:
        raise InvalidEncoding("hardware exception vector %d above 31 (SDM 26.2.1.3)" % vector)
    if int_type == VMX_INT_TYPE_OTHER and vector != 0:
        raise InvalidEncoding("type 7 (other event) takes vector 0 (pending MTF), not %d (SDM 26.2.1.3)" % vector)
    if nmi_unblocking and field != "exit":
        raise InvalidEncoding("bit 12 (NMI unblocking due to IRET) exists only in exit interruption info")
    value = vector | (int_type << 8)
    if errcode_valid:
        value |= VMX_INT_INFO_ERR_CODE_VALID
    if nmi_unblocking:
        value |= VMX_INT_INFO_NMI_UNBLOCK_IRET
    if valid:
        value |= VMX_INT_INFO_VALID
    return value


def intr_info_decode(value, field="entry"):
    """Decode an interruption-information field; reserved types and the vectors the encoder refuses
    raise InvalidEncoding (when the valid bit is set)."""
    if field not in _FIELD_TYPES:
        raise InvalidEncoding("interruption-info field %r unknown (entry, exit, idt)" % (field,))
    int_type = (value >> 8) & 0x7
    if value & VMX_INT_INFO_VALID:
        vector = value & 0xFF
        if int_type not in _FIELD_TYPES[field]:
            raise InvalidEncoding("interruption info 0x%x has type %d, reserved in the %s field" % (value, int_type, field))
        if int_type == VMX_INT_TYPE_NMI and vector != IDT_NMI:
            raise InvalidEncoding("interruption info 0x%x: an NMI has vector 2, not %d" % (value, vector))
        if int_type == VMX_INT_TYPE_HW_EXP and vector > 31:
            raise InvalidEncoding("interruption info 0x%x: hardware exception vector %d above 31" % (value, vector))
        if int_type == VMX_INT_TYPE_OTHER and vector != 0:
            raise InvalidEncoding("interruption info 0x%x: type 7 takes vector 0, not %d" % (value, vector))
    return IntrInfo(vector=value & 0xFF, type=int_type, errcode_valid=bool(value & VMX_INT_INFO_ERR_CODE_VALID),
                    nmi_unblocking=field == "exit" and bool(value & VMX_INT_INFO_NMI_UNBLOCK_IRET),
                    valid=bool(value & VMX_INT_INFO_VALID))


# The exit interruption info of an NMI-caused VM exit: valid, type NMI, vector 2 (SDM 27.2.2).
NMI_EXIT_INT_INFO = VMX_INT_INFO_VALID | (VMX_INT_TYPE_NMI << 8) | IDT_NMI


class Vmcs:
    """One VMCS (SDM 24).  ``owner`` names the vCPU for messages; ``launched`` is the launch state."""

    def __init__(self, owner=""):
        self.owner = owner
        self.launched = False
        self.pin_ctls = 0
        self.proc_ctls = 0
        self.proc_ctls2 = 0
        self.exit_ctls = 0
        self.entry_ctls = 0
        self.entry_int_info = 0
        self.entry_exc_errcode = 0
        self.entry_inst_len = 0
        self.tpr_threshold = 0
        self.instr_error = 0
        self.exit_reason = 0
        self.exit_int_info = 0
        self.exit_int_errcode = 0
        self.idt_vectoring_info = 0
        self.idt_vectoring_errcode = 0
        self.exit_inst_len = 0
        self.exit_qual = 0
        self.guest_interruptibility = 0
        self.guest_activity = ACTIVITY_ACTIVE
        self.guest_rip = 0
        self.guest_rflags = 0x2  # bit 1 is always 1
        self.msr_write_trapped = set()  # MSR bitmap: writes that exit (the rest pass through)

    def read(self, field):
        """VMREAD by field encoding (cold path: tests and ported code)."""
        if field not in VMCS_FIELDS:
            raise InvalidEncoding("VMREAD of unsupported VMCS component 0x%x (VM-instruction error %d)"
                                  % (field, VMXERR_UNSUPPORTED_COMPONENT))
        return getattr(self, VMCS_FIELDS[field])

    def write(self, field, value):
        """VMWRITE by field encoding.  Exit-information fields are read-only (SDM 24.9)."""
        if 0x4400 <= field <= 0x440E or field == VMX_EXIT_QUALIFICATION:
            raise InvalidEncoding("VMWRITE to read-only VMCS field 0x%x (%s)" % (field, VMCS_FIELDS.get(field)))
        if field not in VMCS_FIELDS:
            raise InvalidEncoding("VMWRITE to unsupported VMCS component 0x%x (VM-instruction error %d)"
                                  % (field, VMXERR_UNSUPPORTED_COMPONENT))
        setattr(self, VMCS_FIELDS[field], value)


def check_vm_controls(vmcs: Vmcs) -> cython.int:
    """VM-entry checks on the controls (SDM 26.2.1.1).  0, or the VM-instruction error number."""
    pin: cython.int = vmcs.pin_ctls
    if (pin & VMX_PINBASED_CTLS_VIRT_NMI) and not (pin & VMX_PINBASED_CTLS_NMI_EXIT):
        return VMXERR_ENTRY_INVALID_CONTROL_FIELD  # virtual NMIs need NMI exiting
    if (vmcs.proc_ctls & VMX_PROCBASED_CTLS_NMI_WINEXIT) and not (pin & VMX_PINBASED_CTLS_VIRT_NMI):
        return VMXERR_ENTRY_INVALID_CONTROL_FIELD  # NMI-window exiting needs virtual NMIs
    info = vmcs.entry_int_info
    if info & VMX_INT_INFO_VALID:
        # SDM 26.2.1.3 event-injection checks
        t: cython.int = (info >> 8) & 0x7
        vector: cython.int = info & 0xFF
        if t == 1 or (t == VMX_INT_TYPE_NMI and vector != IDT_NMI):
            return VMXERR_ENTRY_INVALID_CONTROL_FIELD
        if t == VMX_INT_TYPE_HW_EXP and vector > 31:
            return VMXERR_ENTRY_INVALID_CONTROL_FIELD
        if t == VMX_INT_TYPE_OTHER and vector != 0:
            return VMXERR_ENTRY_INVALID_CONTROL_FIELD
        if info & 0x7FFFF000:
            return VMXERR_ENTRY_INVALID_CONTROL_FIELD  # bits 30:12 are reserved
    return 0


def check_entry_guest_state(vmcs: Vmcs) -> cython.bint:
    """Guest-state checks on event injection (SDM 26.3.1.5).  False means entry fails with reason 33."""
    info = vmcs.entry_int_info
    if not (info & VMX_INT_INFO_VALID):
        return True
    intr = vmcs.guest_interruptibility
    if (info >> 8) & 0x7 == VMX_INT_TYPE_NMI:
        if intr & VMX_INTR_MOVSS_BLOCKING:
            return False  # injecting an NMI needs no blocking by MOV SS
        if (vmcs.pin_ctls & VMX_PINBASED_CTLS_VIRT_NMI) and (intr & VMX_INTR_NMI_BLOCKING):
            return False  # with virtual NMIs, injecting an NMI needs no virtual-NMI blocking
    elif (info >> 8) & 0x7 == VMX_INT_TYPE_EXT_INT:
        if not (vmcs.guest_rflags & (1 << 9)) or (intr & (VMX_INTR_STI_BLOCKING | VMX_INTR_MOVSS_BLOCKING)):
            return False  # an external interrupt needs IF=1 and no STI/MOV-SS blocking
    return True
