//! Tool files: reading, shape detection, normalisation and validation.
//!
//! A tool file is JSON holding one tool, an array of tools, or an MCP `tools/list` result
//! (`{"tools": [...]}`, also inside a JSON-RPC response's `result`). Each tool is in one of
//! these shapes:
//!
//! | shape     | example                                                          |
//! |-----------|------------------------------------------------------------------|
//! | OpenAI    | `{"type":"function","function":{"name","description","parameters"}}` |
//! | plain     | `{"name","description","parameters"}`                            |
//! | Anthropic | `{"name","description","input_schema"}`                          |
//! | MCP       | `{"name","description","inputSchema"}`                           |
//!
//! `parameters` is a JSON Schema of type object, or (plain and OpenAI shapes) Needle's flat form
//! `{"param": {"type", "description", "required": bool, ...}}`, which is converted to
//! `{"type":"object","properties":{...},"required":[...]}`.
//!
//! Every file is checked against `schemas/tool.schema.json` (the part for the detected shape),
//! then each tool's parameters are compiled with `jsonschema` (which also checks them against
//! the JSON Schema meta-schema). Errors name the file and the JSON pointer of the problem.
//!
//! Files: `load` (paths, files, documents), `shape` (the shapes and the file schema),
//! `normalize` (an entry -> a [`Tool`]).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde_json::{json, Map, Value};

mod load;
mod normalize;
mod shape;

pub use load::{expand_paths, load_file, load_paths, parse_tool_file, tools_from_document, MAX_TOOL_FILE_BYTES};
pub use normalize::{flat_to_schema, is_flat_parameters, normalize, normalize_entry};
pub use shape::Shape;
use shape::*;

/// The schema of tool files, shipped as `schemas/tool.schema.json`.
pub const TOOL_FILE_SCHEMA: &str = include_str!("../../../../schemas/tool.schema.json");

/// A normalised, validated tool.
#[derive(Clone)]
pub struct Tool {
    pub name: String,
    /// `""` when the source has none.
    pub description: String,
    /// A JSON Schema object for the arguments (normalised, not pruned; source order kept).
    pub parameters: Value,
    /// Where it came from: `path#/json/pointer`.
    pub origin: String,
    validator: Arc<jsonschema::Validator>,
}

impl fmt::Debug for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tool")
            .field("name", &self.name)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// One parameter of a tool, for listings (`:tools`, `needle tools check`).
pub struct ParamInfo {
    pub name: String,
    pub ty: String,
    pub required: bool,
    pub description: String,
}

impl Tool {
    /// Validates call arguments against the tool's `parameters`. The error lists every problem
    /// as `pointer: message`.
    pub fn validate_arguments(&self, arguments: &Value) -> Result<(), String> {
        let problems: Vec<String> = self
            .validator
            .iter_errors(arguments)
            .map(|e| format!("{}: {}", display_pointer(e.instance_path().as_str()), e))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// The top-level parameters, in source order.
    pub fn params(&self) -> Vec<ParamInfo> {
        let required: Vec<&str> = self.parameters["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let Some(props) = self.parameters["properties"].as_object() else {
            return Vec::new();
        };
        props
            .iter()
            .map(|(name, schema)| ParamInfo {
                name: name.clone(),
                ty: type_label(schema),
                required: required.contains(&name.as_str()),
                description: schema["description"].as_str().unwrap_or("").to_string(),
            })
            .collect()
    }

    /// The tool as `needle tools check` and the REPL's `:tools` list it: the name (bold when
    /// `bold`) and where it came from, the description, then one line per parameter.
    pub fn listing(&self, bold: bool) -> String {
        let name = if bold { format!("\x1b[1m{}\x1b[0m", self.name) } else { self.name.clone() };
        let mut out = format!("{name}  ({})\n", self.origin);
        if !self.description.is_empty() {
            out += &format!("    {}\n", self.description);
        }
        for p in self.params() {
            let req = if p.required { ", required" } else { "" };
            let desc = if p.description.is_empty() { String::new() } else { format!(": {}", p.description) };
            out += &format!("    - {} ({}{req}){desc}\n", p.name, p.ty);
        }
        out
    }

    /// The normalised tool as JSON (`{name, description, parameters}`).
    pub fn to_json(&self) -> Value {
        json!({"name": self.name, "description": self.description, "parameters": self.parameters})
    }
}

fn type_label(schema: &Value) -> String {
    if let Some(values) = schema["enum"].as_array() {
        let shown: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        return format!("enum[{}]", shown.join("|"));
    }
    match &schema["type"] {
        Value::String(t) if t == "array" => match schema["items"]["type"].as_str() {
            Some(item) => format!("array<{item}>"),
            None => "array".into(),
        },
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("|"),
        _ if schema.get("anyOf").is_some() || schema.get("oneOf").is_some() => "union".into(),
        _ => "any".into(),
    }
}

/// A problem in a tool file: the file, the JSON pointer inside it and what is wrong.
#[derive(Debug, Clone)]
pub struct ToolError {
    pub file: String,
    /// JSON pointer (RFC 6901) of the offending value; empty for the whole document or when
    /// the file could not be read or parsed.
    pub pointer: Option<String>,
    pub message: String,
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pointer {
            Some(p) => write!(
                f,
                "{}: at {}: {}",
                self.file,
                display_pointer(p),
                self.message
            ),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// All problems found while loading tool files.
#[derive(Debug, Clone)]
pub struct ToolErrors(pub Vec<ToolError>);

impl fmt::Display for ToolErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(|e| e.to_string()).collect();
        write!(f, "{}", lines.join("\n"))
    }
}

impl std::error::Error for ToolErrors {}

/// `""` (the whole document) is shown as `/`, like most tools do.
fn display_pointer(p: &str) -> &str {
    if p.is_empty() {
        "/"
    } else {
        p
    }
}

fn escape_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn ptr_key(base: &str, key: &str) -> String {
    format!("{base}/{}", escape_token(key))
}

fn ptr_index(base: &str, i: usize) -> String {
    format!("{base}/{i}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_normalise_alike() {
        let params = json!({"type": "object", "properties": {"room": {"type": "string"}}, "required": ["room"]});
        let forms = [
            json!({"type": "function", "function": {"name": "t", "description": "d", "parameters": params}}),
            json!({"name": "t", "description": "d", "parameters": params}),
            json!({"name": "t", "description": "d", "input_schema": params}),
            json!({"name": "t", "description": "d", "inputSchema": params}),
            json!({"name": "t", "description": "d", "parameters": {"room": {"type": "string", "required": true}}}),
        ];
        for form in forms {
            let tool = normalize(&form).unwrap();
            assert_eq!(
                tool.to_json(),
                json!({"name": "t", "description": "d", "parameters": params}),
                "{form}"
            );
        }
    }

    #[test]
    fn errors_have_pointers() {
        let doc = json!([{"name": "ok"}, {"name": "bad", "parameters": {"type": "object", "properties": {"x": {"type": "strnig"}}}}]);
        let e = tools_from_document(&doc, "f.json").unwrap_err();
        assert!(
            e.0[0]
                .pointer
                .as_deref()
                .unwrap()
                .starts_with("/1/parameters"),
            "{e}"
        );
        let e = tools_from_document(&json!({"name": "a b"}), "f.json").unwrap_err();
        assert_eq!(e.0[0].pointer.as_deref(), Some("/name"), "{e}");
    }

    #[test]
    fn validates_arguments() {
        let tool = normalize(
            &json!({"name": "t", "parameters": {"n": {"type": "integer", "required": true}}}),
        )
        .unwrap();
        assert!(tool.validate_arguments(&json!({"n": 3})).is_ok());
        assert!(tool.validate_arguments(&json!({"n": "3"})).is_err());
        assert!(tool.validate_arguments(&json!({})).is_err());
    }
}
