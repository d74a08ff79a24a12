"""``python -m acrn.cli``: the ``acrn-model`` command (for ``python -m pdb -m acrn.cli ...``)."""
from acrn.cli import main

main(prog_name="acrn-model")
