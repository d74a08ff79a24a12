"""JSON Schemas (draft 2020-12) of every command's ``--json`` output, shipped with the package.

``schema(command)`` loads ``<command>.json`` from this folder; ``validate(data, schema)`` checks a
document against one and raises :class:`SchemaError` naming the first offending path.

The validator implements only the keywords these schemas use (``KEYWORDS``; a test checks that no schema
uses another), so the schemas stay plain JSON Schema that any validator (e.g. the ``jsonschema``
package) reads the same way.  It is about sixty lines; the ``jsonschema`` package would add four
dependencies (one a compiled Rust extension) to check a dozen keywords.
"""
import json
from importlib import resources

KEYWORDS = frozenset(("$schema", "$id", "title", "description", "type", "properties", "required", "items",
                      "enum", "additionalProperties", "minimum", "$defs", "$ref"))
COMMANDS = ("run", "replay", "explore", "demo", "designs", "scenarios", "plugins", "analyze", "microbench")

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class SchemaError(ValueError):
    """A document that does not match its schema: the message names the path (``$.a[0].b``)."""


def _load(file_name):
    return json.loads(resources.files(__name__).joinpath(file_name).read_text())


def schema(command):
    """The JSON Schema of ``acrn-model <command> --json`` (a dict)."""
    if command not in COMMANDS:
        raise KeyError("no schema for command %r (known: %s)" % (command, ", ".join(COMMANDS)))
    return _load(command + ".json")


def validate(data, spec, root=None, path="$"):
    """Raise SchemaError unless ``data`` matches ``spec`` (a schema dict, or a part of one)."""
    root = spec if root is None else root
    if "$ref" in spec:  # "#/$defs/NAME" or "FILE.json#/$defs/NAME" (a sibling schema); siblings apply too
        target, sep, name = spec["$ref"].partition("#/$defs/")
        if not sep:
            raise SchemaError("%s: only references to $defs are supported, not %r" % (path, spec["$ref"]))
        ref_root = _load(target) if target else root
        validate(data, ref_root["$defs"][name], ref_root, path)
    kinds = spec.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_TYPES[k](data) for k in kinds):
            raise SchemaError("%s: expected %s, got %s" % (path, " or ".join(kinds), type(data).__name__))
    if "enum" in spec and data not in spec["enum"]:
        raise SchemaError("%s: %r is not one of %s" % (path, data, spec["enum"]))
    if "minimum" in spec and _TYPES["number"](data) and data < spec["minimum"]:
        raise SchemaError("%s: %r is below the minimum %r" % (path, data, spec["minimum"]))
    if isinstance(data, dict):
        for key in spec.get("required", ()):
            if key not in data:
                raise SchemaError("%s: missing required field %r" % (path, key))
        props = spec.get("properties", {})
        extra = spec.get("additionalProperties", True)
        for key, value in data.items():
            where = "%s.%s" % (path, key)
            if key in props:
                validate(value, props[key], root, where)
            elif extra is False:
                raise SchemaError("%s: field not in the schema" % where)
            elif isinstance(extra, dict):
                validate(value, extra, root, where)
    if isinstance(data, list) and "items" in spec:
        for i, item in enumerate(data):
            validate(item, spec["items"], root, "%s[%d]" % (path, i))
