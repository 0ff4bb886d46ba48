"""Normalise the many tool-description dialects of the training corpora to one shape.

Every tool becomes `{name, description, parameters}` where `parameters` is a JSON Schema object
(`{"type": "object", "properties": {...}, "required": [...]}`), see docs/model-format.md section 2.

Dialects handled:
- JSON Schema with non-standard type names (`dict`, `float`, `int`, `str`, `List[str]`, ...);
- old-style / Gorilla params `{p: {type, description, required: bool}}` (required list built from
  the booleans, or taken from a top-level `required` list);
- tool wrappers: OpenAI `{"type": "function", "function": {...}}`, plain `{name, description,
  parameters}`, Anthropic `input_schema`, MCP `inputSchema`, and a few corpus spellings
  (`api_name`/`api_description`, `input_parameters`, `arguments`).

`validate_call` checks a gold call against its tool with `jsonschema`, after `coerce_arguments`
has repaired only the unambiguous type slips ("5" for an integer, 1986 for a string).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import jsonschema

JSON_TYPES = {"string", "number", "integer", "boolean", "array", "object", "null"}

# Non-standard type names seen in the corpora -> JSON Schema type.
TYPE_ALIASES = {
    "str": "string", "string": "string", "text": "string", "char": "string", "date": "string",
    "datetime": "string", "time": "string", "email": "string", "url": "string", "uri": "string",
    "any": "string", "enum": "string",
    "int": "integer", "integer": "integer", "long": "integer", "int32": "integer", "int64": "integer",
    "float": "number", "double": "number", "number": "number", "decimal": "number",
    "bool": "boolean", "boolean": "boolean",
    "list": "array", "tuple": "array", "array": "array", "set": "array", "sequence": "array",
    "dict": "object", "object": "object", "map": "object", "mapping": "object", "json": "object",
    "none": "null", "null": "null", "nonetype": "null",
}

# Keys that make a dict look like a property schema rather than a map of properties.
_SCHEMA_KEYS = {"type", "description", "enum", "properties", "items", "anyOf", "oneOf", "default"}


def _split_generic(text: str) -> tuple[str, list[str]]:
    """`List[Dict[str, int]]` -> ("list", ["Dict[str, int]"]); top-level comma split only."""
    m = re.fullmatch(r"\s*([\w.]+)\s*\[(.*)\]\s*", text)
    if not m:
        return text.strip(), []
    head, inner = m.group(1), m.group(2)
    args, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        args.append(cur.strip())
    return head, args


def type_from_name(name: Any) -> dict:
    """Map a type name (JSON Schema, Python, or Python typing syntax) to a schema fragment.

    Returns e.g. {"type": "integer"} or {"type": "array", "items": {"type": "string"}}.
    Unknown names fall back to string: the value is then still something the model can copy.
    """
    if isinstance(name, list):  # ["string", "null"] -> keep the first non-null type
        names = [n for n in name if str(n).lower() not in ("null", "none")]
        return type_from_name(names[0]) if names else {"type": "string"}
    text = str(name).strip()
    if "|" in text:  # "string|number"
        return type_from_name([t for t in text.split("|")])
    head, args = _split_generic(text)
    low = head.lower().split(".")[-1]
    if low == "optional" and args:
        return type_from_name(args[0])
    if low == "union" and args:
        return type_from_name(args)
    if low in ("list", "tuple", "set", "sequence", "array"):
        out: dict = {"type": "array"}
        if args and args[0] != "...":
            out["items"] = type_from_name(args[0])
        return out
    if low == "literal" and args:
        return {"type": "string", "enum": [a.strip("'\"") for a in args]}
    return {"type": TYPE_ALIASES.get(low, "string")}


def normalize_schema(schema: Any) -> dict:
    """Recursively normalise one property schema (or a whole parameters object)."""
    if not isinstance(schema, dict):
        # A bare type name used as a schema: {"x": "int"}.
        return type_from_name(schema) if isinstance(schema, str) else {"type": "string"}
    out = dict(schema)
    if isinstance(out.get("required"), bool):  # old-style per-property flag, lifted by the parent
        del out["required"]
    if "type" in out:
        frag = type_from_name(out["type"])
        out["type"] = frag["type"]
        if "items" in frag and "items" not in out:
            out["items"] = frag["items"]
        if "enum" in frag and "enum" not in out:
            out["enum"] = frag["enum"]
    elif "properties" in out:
        out["type"] = "object"
    elif "items" in out:
        out["type"] = "array"
    elif not any(k in out for k in ("anyOf", "oneOf", "const")):
        out["type"] = "string"  # missing type: infer string (the common case in every corpus)
    if out.get("enum") == []:
        del out["enum"]  # an empty enum would reject every value
    if isinstance(out.get("examples"), str):  # Seal-Tools writes "12, 24, 36"; JSON Schema wants an array
        out["examples"] = [e.strip() for e in out["examples"].split(",") if e.strip()]
    if out.get("type") == "object" and "properties" in out:
        props, req = _normalize_properties(out["properties"], out.get("required"))
        out["properties"] = props
        if req:
            out["required"] = req
        else:
            out.pop("required", None)
    if "items" in out:
        out["items"] = normalize_schema(out["items"]) if isinstance(out["items"], dict) else {"type": "string"}
    for key in ("anyOf", "oneOf"):
        if isinstance(out.get(key), list):
            out[key] = [normalize_schema(s) for s in out[key]]
    return out


def _normalize_properties(props: Any, required: Any) -> tuple[dict, list]:
    """Normalise a properties map; build `required` from a list and/or per-property booleans."""
    if not isinstance(props, dict):
        return {}, []
    req = [r for r in required if r in props] if isinstance(required, list) else []
    out = {}
    for name, sub in props.items():
        if isinstance(sub, dict) and sub.get("required") is True and name not in req:
            req.append(name)
        out[str(name)] = normalize_schema(sub)
    # keep `required` in property order so renders are stable
    order = list(out)
    return out, sorted(set(req), key=order.index)


def _looks_like_json_schema_object(params: dict) -> bool:
    return "properties" in params and isinstance(params["properties"], dict) and (
        "type" not in params or str(params.get("type")).lower() in ("object", "dict"))


def params_to_schema(params: Any, required: Any = None) -> dict:
    """Turn any parameters description into a JSON Schema object.

    `params` is either a JSON Schema object (maybe with `dict` as its type) or a flat map
    `{name: {type, description, required?}}`; `required` is an optional top-level list.
    """
    if params is None or params == [] or params == "":
        return {"type": "object", "properties": {}}
    if not isinstance(params, dict):
        raise ValueError(f"parameters is not an object: {type(params).__name__}")
    if _looks_like_json_schema_object(params):
        schema = dict(params)
        if required is not None and "required" not in schema:
            schema["required"] = required
        schema["type"] = "object"
        return normalize_schema(schema)
    if params.get("type") in ("object", "dict") and not params.get("properties"):
        return {"type": "object", "properties": {}}
    schema = {"type": "object", "properties": params}
    if isinstance(required, list):
        schema["required"] = required
    return normalize_schema(schema)


def normalize_tool(obj: dict) -> dict:
    """Any tool wrapper -> `{name, description, parameters}` with a JSON Schema `parameters`."""
    if not isinstance(obj, dict):
        raise ValueError("tool is not an object")
    if obj.get("type") == "function" and isinstance(obj.get("function"), dict):
        obj = obj["function"]
    name = obj.get("name") or obj.get("api_name") or obj.get("apiCode") or obj.get("name_for_model")
    if not name:
        raise ValueError("tool has no name")
    desc = obj.get("description") or obj.get("api_description") or ""
    for key in ("parameters", "input_schema", "inputSchema", "input_parameters", "arguments"):
        if key in obj:
            params = obj[key]
            break
    else:
        params = None
    top_required = obj.get("required") if isinstance(obj.get("required"), list) else None
    params = params_to_schema(copy.deepcopy(params), top_required)
    # type, properties, required first: the order a person reads a schema in
    first = {"type": 0, "properties": 1, "required": 2}
    params = dict(sorted(params.items(), key=lambda kv: first.get(kv[0], 3)))
    return {"name": str(name).strip(), "description": str(desc).strip(), "parameters": params}


# ----------------------------------------------------------------------------- calls

_INT_RE = re.compile(r"[+-]?\d+")
_NUM_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _coerce_value(schema: dict, value: Any) -> Any:
    """Repair a value only where the intended value is beyond doubt; otherwise return it as is."""
    t = schema.get("type")
    if t == "integer":
        if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
            return int(value.strip())
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif t == "number":
        if isinstance(value, str) and _NUM_RE.fullmatch(value.strip()):
            num = float(value.strip())
            return int(num) if num.is_integer() and "." not in value and "e" not in value.lower() else num
    elif t == "boolean":
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
    elif t == "string":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    elif t == "object" and isinstance(value, dict):
        return coerce_arguments(schema, value)
    elif t == "array" and isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_coerce_value(schema["items"], v) for v in value]
    return value


def coerce_arguments(schema: dict, args: dict) -> dict:
    """Coerce `args` against an object schema; optional arguments that are null are dropped
    (a null optional argument means the same as leaving it out)."""
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    out = {}
    for key, value in args.items():
        if value is None and key not in required:
            continue
        sub = props.get(key)
        out[key] = _coerce_value(sub, value) if isinstance(sub, dict) else value
    return out


def order_arguments(schema: dict, args: dict) -> dict:
    """Argument keys in the order of the tool's properties (the output language asks for it)."""
    order = list((schema.get("properties") or {}).keys())
    rank = {k: i for i, k in enumerate(order)}
    return {k: args[k] for k in sorted(args, key=lambda k: (rank.get(k, len(order)), k))}


def _no_unknown_keys(schema: dict, value: Any) -> bool:
    """JSON Schema allows extra properties by default; a gold call must not invent parameters."""
    if isinstance(value, dict) and schema.get("type") == "object" and "properties" in schema:
        props = schema["properties"]
        if any(k not in props for k in value):
            return False
        return all(_no_unknown_keys(props[k], v) for k, v in value.items() if isinstance(props[k], dict))
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return all(_no_unknown_keys(schema["items"], v) for v in value)
    return True


def validate_call(tool: dict, call: dict) -> bool:
    """True when `call` names `tool` and its arguments satisfy the tool's parameter schema."""
    if call.get("name") != tool.get("name") or not isinstance(call.get("arguments"), dict):
        return False
    schema = tool.get("parameters") or {"type": "object", "properties": {}}
    if not _no_unknown_keys(schema, call["arguments"]):
        return False
    try:
        jsonschema.Draft7Validator(schema).validate(call["arguments"])
    except (jsonschema.ValidationError, jsonschema.SchemaError):
        return False
    return True


def fix_call(tool: dict, call: dict) -> dict:
    """Coerce and order a call's arguments against its tool (no validation)."""
    schema = tool.get("parameters") or {}
    args = coerce_arguments(schema, call.get("arguments") or {})
    return {"name": call["name"], "arguments": order_arguments(schema, args)}
