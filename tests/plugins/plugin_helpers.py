"""Plain helpers shared by the plugin tests (imported by name: pytest puts this folder on sys.path)."""
from acrn.plugin import Registry, get_plugin_manager


def registry_with(*plugins, modules=()):
    """Built-ins (no autoload) plus plugin objects registered in order, plus modules by name (``-p``)."""
    pm = get_plugin_manager(extra_modules=modules, autoload=False)
    for i, plugin in enumerate(plugins):
        pm.register(plugin, name=getattr(plugin, "plugin_name", "test-plugin-%d" % i))
    return Registry(pm)


def small_scenario(**over):
    """A normal VM exiting for CPUID, and a lapic-pt RTVM kicked by EPT_FLUSH requests from the service VM."""
    data = {
        "name": "plugins-unit",
        "duration_us": 300,
        "seed": 3,
        "pcpus": 4,
        "vm": [
            {"name": "sos", "service": True, "pcpus": [0], "work": [
                {"kind": "ept_update", "every_us": [20, 40], "args": ["rtvm"]}]},
            {"name": "guest", "pcpus": [1], "work": [{"kind": "cpuid", "every_us": [5, 10]}]},
            {"name": "rtvm", "lapic_pt": True, "pcpus": [2, 3], "work": [{"kind": "wrmsr", "every_us": [10, 20],
                                                                          "args": [0x6E0, 0]}]},
        ],
    }
    data.update(over)
    return data
