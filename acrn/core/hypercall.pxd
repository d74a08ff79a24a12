from acrn.core.ept cimport ept_modify_mr


cpdef hcall_set_vm_memory_regions(hv, int vm_id)
