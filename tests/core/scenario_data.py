"""A small host for the core tests (a module of its own: every test folder has a conftest)."""


def scenario_dict(**over):
    """A small host: service VM on pCPUs 0-1, lapic-pt RTVM on 2-3."""
    data = {
        "name": "unit",
        "duration_us": 500,
        "seed": 1,
        "pcpus": 4,
        "vm": [
            {"name": "sos", "service": True, "pcpus": [0, 1], "work": []},
            {"name": "rtvm", "lapic_pt": True, "pcpus": [2, 3],
             "work": [{"kind": "cpuid", "every_us": [400, 800]}]},
        ],
    }
    data.update(over)
    return data
