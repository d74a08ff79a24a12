"""What hypervisor code yields to the engine at a step boundary.

Core functions that take time are generators.  Each ``yield`` ends one atomic step:
- ``yield S_xxx`` (an int >= 0, a step id of ``acrn.engine.cost``): the code since the last yield took
  that step's cost; its effects are already visible to the other pCPUs.
- ``yield (OP_WAIT, cond, step)``: spin (C: a PAUSE loop) until ``cond()`` is true; re-checked every
  ``step``'s cost after anything changes; interrupts are taken meanwhile.
- ``yield (OP_WAIT_UNTIL, cond, step, deadline)``: the same with a timeout at absolute time ``deadline``.
- ``yield (OP_SWITCH, thread)``: arch_switch_to: this pCPU now runs ``thread``.
- ``yield OP_ENTER``: VMLAUNCH/VMRESUME; the generator resumes after the next VM exit (or entry failure).
- ``yield OP_HALT``: the pCPU stops for good (CLI; HLT loop).
"""
OP_ENTER = -1
OP_HALT = -2
OP_WAIT = -3
OP_WAIT_UNTIL = -4
OP_SWITCH = -5
OP_IDLE_HLT = -6  # root HLT with the current IF; resumes once an interrupt can be taken

# What the guest model hands the engine when its NMI handler returns (the engine performs the IRET).
KIND_IRET = "iret"
