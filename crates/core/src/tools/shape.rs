//! The accepted tool shapes (OpenAI, plain, Anthropic, MCP) and the checks of a file against
//! `schemas/tool.schema.json`.

use super::*;

/// The accepted tool shapes (each is a `$defs` entry of `schemas/tool.schema.json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    OpenAi,
    Plain,
    Anthropic,
    Mcp,
}

impl Shape {
    pub(super) fn def(self) -> &'static str {
        match self {
            Shape::OpenAi => "openai",
            Shape::Plain => "plain",
            Shape::Anthropic => "anthropic",
            Shape::Mcp => "mcp",
        }
    }

    /// Detects the shape of a tool object from its keys.
    pub fn detect(entry: &Map<String, Value>) -> Shape {
        if entry.contains_key("function")
            || entry.get("type").and_then(Value::as_str) == Some("function")
        {
            Shape::OpenAi
        } else if entry.contains_key("input_schema") {
            Shape::Anthropic
        } else if entry.contains_key("inputSchema") {
            Shape::Mcp
        } else {
            Shape::Plain
        }
    }
}

pub(super) struct FileSchemas {
    pub(super) entry: HashMap<&'static str, jsonschema::Validator>,
    pub(super) object_schema: jsonschema::Validator,
    pub(super) flat: jsonschema::Validator,
}

pub(super) fn file_schemas() -> &'static FileSchemas {
    static SCHEMAS: OnceLock<FileSchemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let root: Value =
            serde_json::from_str(TOOL_FILE_SCHEMA).expect("schemas/tool.schema.json is valid JSON");
        let part = |def: &str| {
            let schema = json!({"$ref": format!("#/$defs/{def}"), "$defs": root["$defs"].clone()});
            jsonschema::validator_for(&schema).expect("schemas/tool.schema.json compiles")
        };
        FileSchemas {
            entry: ["openai", "plain", "anthropic", "mcp"]
                .into_iter()
                .map(|d| (d, part(d)))
                .collect(),
            object_schema: part("objectSchema"),
            flat: part("flatParameters"),
        }
    })
}

pub(super) fn schema_errors(
    validator: &jsonschema::Validator,
    value: &Value,
    file: &str,
    base: &str,
) -> Vec<ToolError> {
    let mut out: Vec<ToolError> = validator
        .iter_errors(value)
        .map(|e| ToolError {
            file: file.to_string(),
            pointer: Some(format!("{base}{}", e.instance_path().as_str())),
            message: e.to_string(),
        })
        .collect();
    // Most specific (deepest) problem first.
    out.sort_by_key(|e| {
        std::cmp::Reverse(e.pointer.as_ref().map_or(0, |p| p.matches('/').count()))
    });
    out.truncate(3);
    out
}
