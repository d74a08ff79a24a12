"""The command line's hardening tests: bad input of every class gets one line and a documented status.

The property tests reuse the fuzz targets' input generators (``fuzz/``, at the top of the repository)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
