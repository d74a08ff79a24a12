"""ACRN's own constants (not architectural), as ACRN 2019-2022 defines them.  One table each.

Hardware numbers live in ``acrn.arch_x86.consts``; these are the hypervisor's software values.
"""

# Request bits (hypervisor/include/arch/x86/guest/vcpu.h, ACRN_REQUEST_*), bit numbers
ACRN_REQUEST_EXCP = 0
ACRN_REQUEST_EVENT = 1
ACRN_REQUEST_EXTINT = 2
ACRN_REQUEST_NMI = 3
ACRN_REQUEST_EOI_EXIT_BITMAP_UPDATE = 4
ACRN_REQUEST_EPT_FLUSH = 5
ACRN_REQUEST_TRP_FAULT = 6
ACRN_REQUEST_VPID_FLUSH = 7
ACRN_REQUEST_INIT_VMCS = 8
ACRN_REQUEST_WAIT_WBINVD = 9  # 2020
ACRN_REQUEST_SPLIT_LOCK = 10  # 2020
ACRN_REQUEST_SMP_CALL = 11  # 2022 (6d4ca4b3a)
REQUESTS = {
    0: "EXCP", 1: "EVENT", 2: "EXTINT", 3: "NMI", 4: "EOI_EXIT_BITMAP_UPDATE", 5: "EPT_FLUSH",
    6: "TRP_FAULT", 7: "VPID_FLUSH", 8: "INIT_VMCS", 9: "WAIT_WBINVD", 10: "SPLIT_LOCK", 11: "SMP_CALL",
}
REQUEST_BY_NAME = {name: bit for bit, name in REQUESTS.items()}

# vCPU states (enum vcpu_state)
VCPU_INIT = 0
VCPU_RUNNING = 1
VCPU_PAUSED = 2
VCPU_ZOMBIE = 3
VCPU_OFFLINE = 4
VCPU_STATES = {0: "INIT", 1: "RUNNING", 2: "PAUSED", 3: "ZOMBIE", 4: "OFFLINE"}

# VM states (enum vm_state)
VM_POWERED_OFF = 0
VM_CREATED = 1
VM_STARTED = 2
VM_POWERING_OFF = 3
VM_PAUSED = 4
VM_STATES = {0: "POWERED_OFF", 1: "CREATED", 2: "STARTED", 3: "POWERING_OFF", 4: "PAUSED"}

# thread_object status (include/common/schedule.h)
THREAD_STS_RUNNING = 1
THREAD_STS_RUNNABLE = 2
THREAD_STS_BLOCKED = 3
THREAD_STATES = {1: "RUNNING", 2: "RUNNABLE", 3: "BLOCKED"}

# How a thread's pCPU is notified (thread_object.notify_mode).  ACRN had NMI=0/IPI=1 during the series
# and INIT=0/IPI=1 before and after it; the model keeps one value per mechanism.
SCHED_NOTIFY_IPI = 0
SCHED_NOTIFY_NMI = 1
SCHED_NOTIFY_INIT = 2
NOTIFY_MODES = {0: "IPI", 1: "NMI", 2: "INIT"}

# make_reschedule_request delivery modes (DEL_MODE_*), one per mechanism as above
DEL_MODE_IPI = SCHED_NOTIFY_IPI
DEL_MODE_NMI = SCHED_NOTIFY_NMI
DEL_MODE_INIT = SCHED_NOTIFY_INIT

# sched_control.flags bits
NEED_RESCHEDULE = 1

# per_cpu(pcpu_flag) bits (arch/x86/cpu.h)
NEED_OFFLINE = 1
NEED_SHUTDOWN_VM = 2

# wait_pcpus_offline's timeout (CPU_DOWN_TIMEOUT, ms)
CPU_DOWN_TIMEOUT_MS = 100

# Hypercall ids the model's service VM issues (include/public/acrn_hv_defs.h numbering kept as names)
HC_PAUSE_VM = "HC_PAUSE_VM"
HC_DESTROY_VM = "HC_DESTROY_VM"
HC_VM_SET_MEMORY_REGIONS = "HC_VM_SET_MEMORY_REGIONS"
HC_INJECT_MSI = "HC_INJECT_MSI"
HC_NOTIFY_REQUEST_FINISH = "HC_NOTIFY_REQUEST_FINISH"
HC_SMP_CALL = "HC_SMP_CALL"  # model: the hypervisor shell's vcpu_dumpreg, run from the service VM's pCPU
