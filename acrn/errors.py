"""Exceptions raised for bad input.  Every message is one line that names what was wrong."""


class AcrnModelError(Exception):
    """Base class: the CLI prints ``str(exc)`` on one line and exits non-zero."""


class InvalidEncoding(AcrnModelError, ValueError):
    """A register value or encoder argument that the hardware does not allow (reserved delivery mode,
    out-of-range vector, reserved bits set, wrong interruption type for the field)."""


class ScenarioError(AcrnModelError):
    """A scenario file that cannot be used; the message names the file and the field."""

    def __init__(self, path, field, message):
        self.path, self.field = str(path), field
        super().__init__("%s: %s: %s" % (self.path, field, message))


class PluginError(AcrnModelError):
    """A plugin raised, or returned something of the wrong shape."""

    def __init__(self, plugin, hook, message, time=None):
        self.plugin, self.hook, self.time = plugin, hook, time
        when = "" if time is None else " at t=%d cycles" % time
        super().__init__("plugin %r, hook %s%s: %s" % (plugin, hook, when, message))
