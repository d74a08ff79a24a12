"""``python -m acrn.trace analyze|timeline ...``: the trace commands without the rest of acrn-model."""
from acrn.cli.trace import main

main(prog_name="python -m acrn.trace")
