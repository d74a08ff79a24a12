"""Every architectural number the model uses, in one place (Intel SDM Vol. 3, 2016-2022 numbering).

Nothing else in acrn-model spells one of these values: hardware code, ACRN code, trace code and tests
all import them from here.  Tables map number -> name for reports and error messages.
"""

# ---------------------------------------------------------------------------------------------------
# Basic VM-exit reasons (SDM Appendix C)
# ---------------------------------------------------------------------------------------------------
EXIT_REASONS = {
    0: "EXCEPTION_OR_NMI",
    1: "EXTERNAL_INTERRUPT",
    2: "TRIPLE_FAULT",
    3: "INIT_SIGNAL",
    4: "STARTUP_IPI",
    5: "IO_SMI",
    6: "OTHER_SMI",
    7: "INTERRUPT_WINDOW",
    8: "NMI_WINDOW",
    9: "TASK_SWITCH",
    10: "CPUID",
    11: "GETSEC",
    12: "HLT",
    13: "INVD",
    14: "INVLPG",
    15: "RDPMC",
    16: "RDTSC",
    17: "RSM",
    18: "VMCALL",
    19: "VMCLEAR",
    20: "VMLAUNCH",
    21: "VMPTRLD",
    22: "VMPTRST",
    23: "VMREAD",
    24: "VMRESUME",
    25: "VMWRITE",
    26: "VMXOFF",
    27: "VMXON",
    28: "CR_ACCESS",
    29: "DR_ACCESS",
    30: "IO_INSTRUCTION",
    31: "RDMSR",
    32: "WRMSR",
    33: "ENTRY_FAILURE_INVALID_GUEST_STATE",
    34: "ENTRY_FAILURE_MSR_LOADING",
    36: "MWAIT",
    37: "MONITOR_TRAP_FLAG",
    39: "MONITOR",
    40: "PAUSE",
    41: "ENTRY_FAILURE_MACHINE_CHECK",
    43: "TPR_BELOW_THRESHOLD",
    44: "APIC_ACCESS",
    45: "VIRTUALIZED_EOI",
    46: "GDTR_IDTR_ACCESS",
    47: "LDTR_TR_ACCESS",
    48: "EPT_VIOLATION",
    49: "EPT_MISCONFIGURATION",
    50: "INVEPT",
    51: "RDTSCP",
    52: "VMX_PREEMPTION_TIMER",
    53: "INVVPID",
    54: "WBINVD",
    55: "XSETBV",
    56: "APIC_WRITE",
    57: "RDRAND",
    58: "INVPCID",
    59: "VMFUNC",
    60: "ENCLS",
    61: "RDSEED",
    62: "PML_FULL",
    63: "XSAVES",
    64: "XRSTORS",
    # later processors
    65: "PCONFIG",
    66: "SPP_EVENT",
    67: "UMWAIT",
    68: "TPAUSE",
    69: "LOADIWKEY",
    74: "BUS_LOCK",
    75: "NOTIFY",
}
# Export VMX_EXIT_REASON_<NAME> = number for every row above.
for _num, _name in EXIT_REASONS.items():
    globals()["VMX_EXIT_REASON_" + _name] = _num
del _num, _name

# The names used most often, spelled out so readers (and linters) see them.
VMX_EXIT_REASON_EXCEPTION_OR_NMI = 0
VMX_EXIT_REASON_EXTERNAL_INTERRUPT = 1
VMX_EXIT_REASON_TRIPLE_FAULT = 2
VMX_EXIT_REASON_INIT_SIGNAL = 3
VMX_EXIT_REASON_STARTUP_IPI = 4
VMX_EXIT_REASON_INTERRUPT_WINDOW = 7
VMX_EXIT_REASON_NMI_WINDOW = 8
VMX_EXIT_REASON_CPUID = 10
VMX_EXIT_REASON_HLT = 12
VMX_EXIT_REASON_VMCALL = 18
VMX_EXIT_REASON_IO_INSTRUCTION = 30
VMX_EXIT_REASON_RDMSR = 31
VMX_EXIT_REASON_WRMSR = 32
VMX_EXIT_REASON_ENTRY_FAILURE_INVALID_GUEST_STATE = 33
VMX_EXIT_REASON_PAUSE = 40
VMX_EXIT_REASON_EPT_VIOLATION = 48

# ACRN 2019 sizes its dispatch table with NR_VMX_EXIT_REASONS = 65 (reasons 0-64).
NR_VMX_EXIT_REASONS = 65

# Exit reason field (0x4402): bits above the basic reason (SDM 24.9.1)
VMX_EXIT_REASON_BASIC_MASK = 0xFFFF
VMX_EXIT_REASON_ENTRY_FAILURE = 1 << 31

# Exits that are fault-like or asynchronous: no instruction completes, no instruction length (SDM 27.2.4).
EXITS_WITHOUT_INSTRUCTION_LENGTH = frozenset(
    (0, 1, 2, 3, 4, 7, 8, 9, 33, 34, 41, 43, 44, 45, 48, 49, 52, 56, 62)
)

# ---------------------------------------------------------------------------------------------------
# VMCS field encodings (SDM Appendix B) for the fields the model keeps
# ---------------------------------------------------------------------------------------------------
VMX_PIN_VM_EXEC_CONTROLS = 0x4000
VMX_PROC_VM_EXEC_CONTROLS = 0x4002
VMX_EXIT_CONTROLS = 0x400C
VMX_ENTRY_CONTROLS = 0x4012
VMX_ENTRY_INT_INFO_FIELD = 0x4016
VMX_ENTRY_EXCEPTION_ERROR_CODE = 0x4018
VMX_ENTRY_INSTR_LENGTH = 0x401A
VMX_TPR_THRESHOLD = 0x401C
VMX_PROC_VM_EXEC_CONTROLS2 = 0x401E
VMX_INSTR_ERROR = 0x4400
VMX_EXIT_REASON = 0x4402
VMX_EXIT_INT_INFO = 0x4404
VMX_EXIT_INT_ERROR_CODE = 0x4406
VMX_IDT_VEC_INFO_FIELD = 0x4408
VMX_IDT_VEC_ERROR_CODE = 0x440A
VMX_EXIT_INSTR_LEN = 0x440C
VMX_GUEST_INTERRUPTIBILITY_INFO = 0x4824
VMX_GUEST_ACTIVITY_STATE = 0x4826
VMX_EXIT_QUALIFICATION = 0x6400
VMX_GUEST_RIP = 0x681E
VMX_GUEST_RFLAGS = 0x6820

VMCS_FIELDS = {
    VMX_PIN_VM_EXEC_CONTROLS: "pin_ctls",
    VMX_PROC_VM_EXEC_CONTROLS: "proc_ctls",
    VMX_PROC_VM_EXEC_CONTROLS2: "proc_ctls2",
    VMX_EXIT_CONTROLS: "exit_ctls",
    VMX_ENTRY_CONTROLS: "entry_ctls",
    VMX_ENTRY_INT_INFO_FIELD: "entry_int_info",
    VMX_ENTRY_EXCEPTION_ERROR_CODE: "entry_exc_errcode",
    VMX_ENTRY_INSTR_LENGTH: "entry_inst_len",
    VMX_TPR_THRESHOLD: "tpr_threshold",
    VMX_INSTR_ERROR: "instr_error",
    VMX_EXIT_REASON: "exit_reason",
    VMX_EXIT_INT_INFO: "exit_int_info",
    VMX_EXIT_INT_ERROR_CODE: "exit_int_errcode",
    VMX_IDT_VEC_INFO_FIELD: "idt_vectoring_info",
    VMX_IDT_VEC_ERROR_CODE: "idt_vectoring_errcode",
    VMX_EXIT_INSTR_LEN: "exit_inst_len",
    VMX_GUEST_INTERRUPTIBILITY_INFO: "guest_interruptibility",
    VMX_GUEST_ACTIVITY_STATE: "guest_activity",
    VMX_EXIT_QUALIFICATION: "exit_qual",
    VMX_GUEST_RIP: "guest_rip",
    VMX_GUEST_RFLAGS: "guest_rflags",
}

# VM-instruction error numbers (SDM 30.4) that the model can produce
VMXERR_VMLAUNCH_NONCLEAR_VMCS = 4
VMXERR_VMRESUME_NONLAUNCHED_VMCS = 5
VMXERR_VMWRITE_RO_COMPONENT = 13
VMXERR_UNSUPPORTED_COMPONENT = 12
VMXERR_ENTRY_INVALID_CONTROL_FIELD = 7
VMXERR_ENTRY_INVALID_HOST_STATE = 8
VMX_INSTR_ERRORS = {
    4: "VMLAUNCH with non-clear VMCS",
    5: "VMRESUME with non-launched VMCS",
    7: "VM entry with invalid control field(s)",
    8: "VM entry with invalid host-state field(s)",
    12: "VMREAD/VMWRITE from/to unsupported VMCS component",
    13: "VMWRITE to read-only VMCS component",
}

# ---------------------------------------------------------------------------------------------------
# VM-execution controls (SDM 24.6)
# ---------------------------------------------------------------------------------------------------
# Pin-based (SDM 24.6.1, Table 24-5)
VMX_PINBASED_CTLS_IRQ_EXIT = 1 << 0
VMX_PINBASED_CTLS_NMI_EXIT = 1 << 3
VMX_PINBASED_CTLS_VIRT_NMI = 1 << 5
VMX_PINBASED_CTLS_ENABLE_PTMR = 1 << 6
VMX_PINBASED_CTLS_POST_IRQ = 1 << 7
PIN_CONTROLS = {
    VMX_PINBASED_CTLS_IRQ_EXIT: "external-interrupt exiting",
    VMX_PINBASED_CTLS_NMI_EXIT: "NMI exiting",
    VMX_PINBASED_CTLS_VIRT_NMI: "virtual NMIs",
    VMX_PINBASED_CTLS_ENABLE_PTMR: "VMX-preemption timer",
    VMX_PINBASED_CTLS_POST_IRQ: "process posted interrupts",
}

# Primary processor-based (SDM 24.6.2, Table 24-6)
VMX_PROCBASED_CTLS_IRQ_WIN = 1 << 2
VMX_PROCBASED_CTLS_TSC_OFF = 1 << 3
VMX_PROCBASED_CTLS_HLT = 1 << 7
VMX_PROCBASED_CTLS_INVLPG = 1 << 9
VMX_PROCBASED_CTLS_MWAIT = 1 << 10
VMX_PROCBASED_CTLS_RDPMC = 1 << 11
VMX_PROCBASED_CTLS_RDTSC = 1 << 12
VMX_PROCBASED_CTLS_TPR_SHADOW = 1 << 21
VMX_PROCBASED_CTLS_NMI_WINEXIT = 1 << 22
VMX_PROCBASED_CTLS_MOV_DR = 1 << 23
VMX_PROCBASED_CTLS_UNCOND_IO = 1 << 24
VMX_PROCBASED_CTLS_IO_BITMAP = 1 << 25
VMX_PROCBASED_CTLS_MON_TRAP = 1 << 27
VMX_PROCBASED_CTLS_MSR_BITMAP = 1 << 28
VMX_PROCBASED_CTLS_MONITOR = 1 << 29
VMX_PROCBASED_CTLS_PAUSE = 1 << 30
VMX_PROCBASED_CTLS_SECONDARY = 1 << 31
PROC_CONTROLS = {
    VMX_PROCBASED_CTLS_IRQ_WIN: "interrupt-window exiting",
    VMX_PROCBASED_CTLS_TSC_OFF: "use TSC offsetting",
    VMX_PROCBASED_CTLS_HLT: "HLT exiting",
    VMX_PROCBASED_CTLS_INVLPG: "INVLPG exiting",
    VMX_PROCBASED_CTLS_MWAIT: "MWAIT exiting",
    VMX_PROCBASED_CTLS_RDPMC: "RDPMC exiting",
    VMX_PROCBASED_CTLS_RDTSC: "RDTSC exiting",
    VMX_PROCBASED_CTLS_TPR_SHADOW: "use TPR shadow",
    VMX_PROCBASED_CTLS_NMI_WINEXIT: "NMI-window exiting",
    VMX_PROCBASED_CTLS_MOV_DR: "MOV-DR exiting",
    VMX_PROCBASED_CTLS_UNCOND_IO: "unconditional I/O exiting",
    VMX_PROCBASED_CTLS_IO_BITMAP: "use I/O bitmaps",
    VMX_PROCBASED_CTLS_MON_TRAP: "monitor trap flag",
    VMX_PROCBASED_CTLS_MSR_BITMAP: "use MSR bitmaps",
    VMX_PROCBASED_CTLS_MONITOR: "MONITOR exiting",
    VMX_PROCBASED_CTLS_PAUSE: "PAUSE exiting",
    VMX_PROCBASED_CTLS_SECONDARY: "activate secondary controls",
}

# Secondary processor-based (SDM 24.6.2, Table 24-7), the ones switch_apicv_mode_x2apic touches
VMX_PROCBASED_CTLS2_VAPIC = 1 << 0
VMX_PROCBASED_CTLS2_EPT = 1 << 1
VMX_PROCBASED_CTLS2_VPID = 1 << 5
VMX_PROCBASED_CTLS2_VAPIC_REGS = 1 << 8
VMX_PROCBASED_CTLS2_VIRQ = 1 << 9

# VM-exit controls (SDM 24.7.1)
VMX_EXIT_CTLS_HOST_ADDR64 = 1 << 9
VMX_EXIT_CTLS_ACK_IRQ = 1 << 15

# ---------------------------------------------------------------------------------------------------
# Event-information fields: entry/exit interruption info, IDT-vectoring info (SDM 24.8.3, 24.9.2-3)
# ---------------------------------------------------------------------------------------------------
VMX_INT_INFO_VALID = 1 << 31
VMX_INT_INFO_ERR_CODE_VALID = 1 << 11
VMX_INT_INFO_NMI_UNBLOCK_IRET = 1 << 12
VMX_INT_TYPE_MASK = 0x700
VMX_INT_VECTOR_MASK = 0xFF

VMX_INT_TYPE_EXT_INT = 0
VMX_INT_TYPE_NMI = 2
VMX_INT_TYPE_HW_EXP = 3
VMX_INT_TYPE_SW_INT = 4
VMX_INT_TYPE_PRIV_SW_EXP = 5
VMX_INT_TYPE_SW_EXP = 6
VMX_INT_TYPE_OTHER = 7
INT_TYPES = {
    0: "external interrupt",
    2: "NMI",
    3: "hardware exception",
    4: "software interrupt",
    5: "privileged software exception",
    6: "software exception",
    7: "other event",
}
# Which types each field may carry (type 1 is reserved everywhere).
ENTRY_INT_TYPES = frozenset((0, 2, 3, 4, 5, 6, 7))
EXIT_INT_TYPES = frozenset((0, 2, 3, 5, 6))
IDT_VEC_TYPES = frozenset((0, 2, 3, 4, 5, 6))

# Guest interruptibility state (SDM 24.4.2, Table 24-3)
VMX_INTR_STI_BLOCKING = 1 << 0
VMX_INTR_MOVSS_BLOCKING = 1 << 1
VMX_INTR_SMI_BLOCKING = 1 << 2
VMX_INTR_NMI_BLOCKING = 1 << 3
VMX_INTR_ENCLAVE_INTERRUPTION = 1 << 4

# Guest activity state (SDM 24.4.2)
ACTIVITY_ACTIVE = 0
ACTIVITY_HLT = 1
ACTIVITY_SHUTDOWN = 2
ACTIVITY_WAIT_FOR_SIPI = 3
ACTIVITY_STATES = {0: "active", 1: "HLT", 2: "shutdown", 3: "wait-for-SIPI"}

# ---------------------------------------------------------------------------------------------------
# Exception vectors used by the model (SDM 6.3.1)
# ---------------------------------------------------------------------------------------------------
IDT_DE = 0
IDT_DB = 1
IDT_NMI = 2
IDT_BP = 3
IDT_UD = 6
IDT_DF = 8
IDT_GP = 13
IDT_PF = 14
IDT_MC = 18

# ---------------------------------------------------------------------------------------------------
# Local APIC (SDM 10)
# ---------------------------------------------------------------------------------------------------
# Delivery modes shared by ICR (10.6.1), MSI data (10.11.2), IOAPIC RTEs and LVTs (10.5.1)
APIC_DM_FIXED = 0
APIC_DM_LOWPRI = 1
APIC_DM_SMI = 2
APIC_DM_NMI = 4
APIC_DM_INIT = 5
APIC_DM_STARTUP = 6
APIC_DM_EXTINT = 7
DELIVERY_MODES = {0: "Fixed", 1: "LowestPriority", 2: "SMI", 4: "NMI", 5: "INIT", 6: "StartUp", 7: "ExtINT"}
# What each register accepts (reserved codes are refused)
ICR_DELIVERY_MODES = frozenset((0, 1, 2, 4, 5, 6))
MSI_DELIVERY_MODES = frozenset((0, 1, 2, 4, 5, 7))
LVT_DELIVERY_MODES = frozenset((0, 2, 4, 5, 7))  # LINT0/LINT1
LVT_DELIVERY_MODES_NO_INIT = frozenset((0, 2, 4))  # thermal, PMC, CMCI

# ICR fields (10.6.1; x2APIC 10.12.9: one 64-bit WRMSR to 0x830, destination in bits 63:32)
APIC_ICR_VECTOR_MASK = 0xFF
APIC_ICR_DM_SHIFT = 8
APIC_ICR_DESTMODE_LOGICAL = 1 << 11
APIC_ICR_DELIVERY_STATUS = 1 << 12
APIC_ICR_LEVEL_ASSERT = 1 << 14
APIC_ICR_TRIGGER_LEVEL = 1 << 15
APIC_ICR_SHORTHAND_SHIFT = 18
APIC_DEST_NOSHORT = 0
APIC_DEST_SELF = 1
APIC_DEST_ALLISELF = 2
APIC_DEST_ALLESELF = 3
SHORTHANDS = {0: "none", 1: "self", 2: "all-including-self", 3: "all-excluding-self"}
# Bits of the 32-bit low half that are reserved in x2APIC mode
APIC_ICR_RESERVED_LO = 0xFFF32000

# NMI reasons software can read (SDM 18.2.2; SDM 14.7.2; PC/AT NMI status port)
MSR_IA32_PERF_GLOBAL_STATUS = 0x38E  # counter-overflow bits of the PMU
MSR_IA32_PERF_GLOBAL_OVF_CTRL = 0x390  # writing 1s clears overflow bits
MSR_IA32_THERM_STATUS = 0x19C  # thermal log bits
NMI_SC_PORT = 0x61  # NMI status and control: bit 7 SERR#, bit 6 IOCHK# (external NMI, e.g. a watchdog)
NMI_SC_SERR = 1 << 7
NMI_SC_IOCHK = 1 << 6

# IA32_APIC_BASE (SDM 10.4.4, 10.12.1): bit 11 xAPIC global enable, bit 10 x2APIC enable
MSR_IA32_APIC_BASE = 0x1B
APIC_BASE_ENABLE = 1 << 11
APIC_BASE_X2APIC = 1 << 10

# x2APIC MSRs (10.12.1.2)
MSR_IA32_EXT_XAPICID = 0x802
MSR_IA32_EXT_APIC_TPR = 0x808
MSR_IA32_EXT_APIC_EOI = 0x80B
MSR_IA32_EXT_APIC_LDR = 0x80D
MSR_IA32_EXT_APIC_ICR = 0x830
MSR_IA32_EXT_APIC_LVT_CMCI = 0x82F
MSR_IA32_EXT_APIC_LVT_TIMER = 0x832
MSR_IA32_EXT_APIC_LVT_THERMAL = 0x833
MSR_IA32_EXT_APIC_LVT_PMI = 0x834
MSR_IA32_EXT_APIC_LVT_LINT0 = 0x835
MSR_IA32_EXT_APIC_LVT_LINT1 = 0x836
MSR_IA32_EXT_APIC_LVT_ERROR = 0x837

# LVT entries: name -> (xAPIC offset, x2APIC MSR) (SDM 10.5.1)
LVT_TIMER = "timer"
LVT_THERMAL = "thermal"
LVT_PMC = "pmc"
LVT_CMCI = "cmci"
LVT_LINT0 = "lint0"
LVT_LINT1 = "lint1"
LVT_ERROR = "error"
LVT_REGISTERS = {
    LVT_CMCI: (0x2F0, MSR_IA32_EXT_APIC_LVT_CMCI),
    LVT_TIMER: (0x320, MSR_IA32_EXT_APIC_LVT_TIMER),
    LVT_THERMAL: (0x330, MSR_IA32_EXT_APIC_LVT_THERMAL),
    LVT_PMC: (0x340, MSR_IA32_EXT_APIC_LVT_PMI),
    LVT_LINT0: (0x350, MSR_IA32_EXT_APIC_LVT_LINT0),
    LVT_LINT1: (0x360, MSR_IA32_EXT_APIC_LVT_LINT1),
    LVT_ERROR: (0x370, MSR_IA32_EXT_APIC_LVT_ERROR),
}
LVT_VECTOR_MASK = 0xFF
LVT_DM_SHIFT = 8
LVT_DELIVERY_STATUS = 1 << 12
LVT_POLARITY_LOW = 1 << 13
LVT_REMOTE_IRR = 1 << 14
LVT_TRIGGER_LEVEL = 1 << 15
LVT_MASKED = 1 << 16
LVT_TIMER_MODE_SHIFT = 17
LVT_TIMER_ONESHOT = 0
LVT_TIMER_PERIODIC = 1
LVT_TIMER_TSC_DEADLINE = 2

# MSI (SDM 10.11.1-2)
MSI_ADDR_BASE = 0xFEE00000
MSI_ADDR_BASE_MASK = 0xFFF00000
MSI_ADDR_DEST_SHIFT = 12
MSI_ADDR_RH = 1 << 3
MSI_ADDR_DM_LOGICAL = 1 << 2
MSI_DATA_DM_SHIFT = 8
MSI_DATA_LEVEL_ASSERT = 1 << 14
MSI_DATA_TRIGGER_LEVEL = 1 << 15

# ---------------------------------------------------------------------------------------------------
# Vectors ACRN uses (hypervisor/include/arch/x86/irq.h)
# ---------------------------------------------------------------------------------------------------
TIMER_VECTOR = 0xEF
NOTIFY_VCPU_VECTOR = 0xF0
POSTED_INTR_VECTOR = 0xF2
PMI_VECTOR = 0xF4
HYPERVISOR_CALLBACK_VHM_VECTOR = 0xF3  # the upcall ACRN injects into the service VM (virtual)
VECTOR_FIXED_START = 0x20  # vectors 0-31 are exceptions; 16-31 are not valid fixed vectors
ACRN_VECTORS = {
    TIMER_VECTOR: "TIMER",
    NOTIFY_VCPU_VECTOR: "NOTIFY_VCPU",
    POSTED_INTR_VECTOR: "POSTED_INTR",
    PMI_VECTOR: "PMI",
    HYPERVISOR_CALLBACK_VHM_VECTOR: "HYPERVISOR_CALLBACK_VHM",
}


def exit_reason_name(reason: int) -> str:
    """Name of a basic exit reason, or ``UNKNOWN_<n>``."""
    return EXIT_REASONS.get(reason & VMX_EXIT_REASON_BASIC_MASK, "UNKNOWN_%d" % reason)


def delivery_mode_name(dm: int) -> str:
    return DELIVERY_MODES.get(dm, "reserved(%d)" % dm)


# ---------------------------------------------------------------------------------------------------
# Model tags (not architectural): who raised an interrupt.  The hardware model carries them beside
# IRR bits and NMI/INIT latches so that invariants can tell a guest's own interrupts from the
# hypervisor's notifications.  Hypervisor code never reads them.  Bit flags, so coalesced NMIs merge.
# ---------------------------------------------------------------------------------------------------
SRC_HV_NOTIFY = 1 << 0  # a notification (kick) from the hypervisor: IPI 0xF0, NMI or INIT kick
SRC_HV_OTHER = 1 << 1  # other hypervisor interrupts: timer, smp_call, reschedule, offline, start-up
SRC_GUEST_IPI = 1 << 2  # a guest's own IPI (guest ICR write)
SRC_DEVICE_MSI = 1 << 3  # a passthrough device's MSI
SRC_PMU = 1 << 4  # LVT-PMC (performance-counter overflow)
SRC_LINT1 = 1 << 5  # LINT1 / watchdog NMI
SRC_THERMAL = 1 << 6  # LVT thermal
SRC_GUEST_TIMER = 1 << 7  # the guest's own LAPIC timer (lapic-pt)
SOURCES = {
    SRC_HV_NOTIFY: "hv-notify",
    SRC_HV_OTHER: "hv-other",
    SRC_GUEST_IPI: "guest-ipi",
    SRC_DEVICE_MSI: "device-msi",
    SRC_PMU: "pmu",
    SRC_LINT1: "lint1",
    SRC_THERMAL: "thermal",
    SRC_GUEST_TIMER: "guest-timer",
}
SRC_HYPERVISOR = SRC_HV_NOTIFY | SRC_HV_OTHER
SRC_GUEST_OWNED = SRC_GUEST_IPI | SRC_DEVICE_MSI | SRC_PMU | SRC_LINT1 | SRC_THERMAL | SRC_GUEST_TIMER


def source_names(mask: int) -> str:
    return "+".join(name for bit, name in SOURCES.items() if mask & bit) or "none"
