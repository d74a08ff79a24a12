"""``python -m acrn.trace analyze|timeline ...``: the trace commands without the rest of acrn-model."""
from acrn.trace.cli import main

main(prog_name="python -m acrn.trace")
