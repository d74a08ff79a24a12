"""Both modes really run: make test sets ACRN_MODEL_EXPECT to the mode each pass must be in."""
import os

import acrn


def test_mode_matches_what_the_run_asked_for():
    pure = os.environ.get("ACRN_MODEL_PURE", "") not in ("", "0")
    expect = os.environ.get("ACRN_MODEL_EXPECT")
    if pure:
        assert not acrn.compiled()
    if expect is not None:
        assert acrn.compiled() == (expect == "compiled")
