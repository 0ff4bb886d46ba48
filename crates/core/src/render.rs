//! Rendering a tool as the model sees it (docs/model-format.md §2).
//!
//! A normalised tool `{name, description, parameters}` is pruned to the schema keywords the
//! model was trained on, in a fixed order, and written as compact JSON. The same function is
//! implemented in the Python pipeline; `tests/golden.rs` checks both against
//! `tests/golden/render.jsonl`.

use serde_json::{Map, Value};

use crate::tools::Tool;

/// Schema keywords kept at every level, in this order; all others are dropped.
pub const KEPT_KEYWORDS: [&str; 15] = [
    "type",
    "description",
    "enum",
    "const",
    "properties",
    "required",
    "items",
    "anyOf",
    "oneOf",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "default",
    "format",
];

/// Prunes a JSON Schema: keeps only [`KEPT_KEYWORDS`] (in that order) at every level.
/// `properties` keeps its source order and each property schema is pruned; so are `items`
/// (when it is a schema; a tuple-form array is kept as is) and each element of `anyOf` / `oneOf`.
/// Anything that is not an object (`true`, `false`) is kept as is.
pub fn prune(schema: &Value) -> Value {
    let Value::Object(obj) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for key in KEPT_KEYWORDS {
        let Some(value) = obj.get(key) else { continue };
        let pruned = match (key, value) {
            ("properties", Value::Object(props)) => Value::Object(
                props
                    .iter()
                    .map(|(name, sub)| (name.clone(), prune(sub)))
                    .collect(),
            ),
            ("items", _) => prune(value),
            ("anyOf" | "oneOf", Value::Array(list)) => {
                Value::Array(list.iter().map(prune).collect())
            }
            _ => value.clone(),
        };
        out.insert(key.to_string(), pruned);
    }
    Value::Object(out)
}

/// The pruned tool object: keys `name`, `description`, `parameters` in that order.
pub fn rendered_value(name: &str, description: &str, parameters: &Value) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), Value::String(name.to_string()));
    out.insert("description".into(), Value::String(description.to_string()));
    out.insert("parameters".into(), prune(parameters));
    Value::Object(out)
}

/// Compact JSON text of a rendered tool: separators `,` and `:`, non-ASCII written as is,
/// lowercase `\u00XX` escapes for control characters (serde_json's writer matches Python's
/// `json.dumps(..., ensure_ascii=False, separators=(",", ":"))`).
pub fn render_parts(name: &str, description: &str, parameters: &Value) -> String {
    serde_json::to_string(&rendered_value(name, description, parameters))
        .expect("a serde_json::Value always serialises")
}

/// Renders a loaded tool (see [`render_parts`]).
pub fn render_tool(tool: &Tool) -> String {
    render_parts(&tool.name, &tool.description, &tool.parameters)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn contract_example() {
        let params = json!({"properties": {"room": {"description": "Room name", "type": "string", "x-ui": 1},
            "brightness": {"type": "integer", "maximum": 100, "minimum": 0}},
            "type": "object", "required": ["room"], "additionalProperties": false});
        assert_eq!(
            render_parts("set_lights", "Set the lights in a room.", &params),
            r#"{"name":"set_lights","description":"Set the lights in a room.","parameters":{"type":"object","properties":{"room":{"type":"string","description":"Room name"},"brightness":{"type":"integer","minimum":0,"maximum":100}},"required":["room"]}}"#
        );
    }

    #[test]
    fn escapes_and_nesting() {
        let params = json!({"type": "object", "properties": {"tags": {"type": "array",
            "items": {"type": "string", "pattern": "x"}}, "v": {"anyOf": [{"type": "null", "title": "t"}]}}});
        assert_eq!(
            render_parts("n", "caf\u{e9}\n\u{1}", &params),
            "{\"name\":\"n\",\"description\":\"caf\u{e9}\\n\\u0001\",\"parameters\":{\"type\":\"object\",\"properties\":{\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"v\":{\"anyOf\":[{\"type\":\"null\"}]}}}}"
        );
    }
}
