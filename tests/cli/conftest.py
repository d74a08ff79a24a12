"""The command line's hardening tests: bad input of every class gets one line and a documented status."""
