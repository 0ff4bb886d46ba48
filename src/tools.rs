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

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde_json::{json, Map, Value};

/// The schema of tool files, shipped as `schemas/tool.schema.json`.
pub const TOOL_FILE_SCHEMA: &str = include_str!("../schemas/tool.schema.json");

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

/// Expands directories (recursively, `*.json`, sorted, hidden entries skipped) into files.
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ToolErrors> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = files.len();
            if let Err(e) = walk_dir(path, &mut files) {
                errors.push(ToolError {
                    file: path.display().to_string(),
                    pointer: None,
                    message: format!("cannot read directory: {e}"),
                });
            } else if files.len() == before {
                errors.push(ToolError {
                    file: path.display().to_string(),
                    pointer: None,
                    message: "directory holds no .json tool files".into(),
                });
            }
        } else {
            files.push(path.clone());
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(ToolErrors(errors))
    }
}

fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk_dir(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads tool files and directories. Reports every problem found (all files are read), and
/// duplicate tool names across all of them, and among `existing` tools.
pub fn load_paths(paths: &[PathBuf], existing: &[Tool]) -> Result<Vec<Tool>, ToolErrors> {
    let mut files = expand_paths(paths)?;
    // The same file named twice (or through a directory and by name) is read once.
    let mut distinct = std::collections::HashSet::new();
    files.retain(|f| distinct.insert(f.canonicalize().unwrap_or_else(|_| f.clone())));
    let mut tools = Vec::new();
    let mut errors = Vec::new();
    for file in &files {
        match load_file(file) {
            Ok(mut t) => tools.append(&mut t),
            Err(ToolErrors(mut e)) => errors.append(&mut e),
        }
    }
    let mut seen: HashMap<String, String> = existing
        .iter()
        .map(|t| (t.name.clone(), t.origin.clone()))
        .collect();
    for tool in &tools {
        if let Some(first) = seen.get(&tool.name) {
            let (file, pointer) = split_origin(&tool.origin);
            errors.push(ToolError {
                file,
                pointer: Some(pointer),
                message: format!(
                    "duplicate tool name \"{}\" (already defined at {first})",
                    tool.name
                ),
            });
        } else {
            seen.insert(tool.name.clone(), tool.origin.clone());
        }
    }
    if errors.is_empty() {
        Ok(tools)
    } else {
        Err(ToolErrors(errors))
    }
}

fn split_origin(origin: &str) -> (String, String) {
    match origin.rsplit_once('#') {
        Some((f, p)) => (f.to_string(), p.to_string()),
        None => (origin.to_string(), String::new()),
    }
}

/// A tool file larger than this is refused: the model reads at most a few hundred tokens of a
/// tool, and reading without a limit (`--tools /dev/zero`) would never end.
pub const MAX_TOOL_FILE_BYTES: u64 = 16 << 20;

/// The whole file, or an error when it is larger than `max` bytes (read no further than that).
fn read_capped(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::other(format!("larger than {} MiB", max >> 20)));
    }
    Ok(bytes)
}

/// Loads one tool file.
pub fn load_file(path: &Path) -> Result<Vec<Tool>, ToolErrors> {
    let file = path.display().to_string();
    let one = |message: String| {
        ToolErrors(vec![ToolError {
            file: file.clone(),
            pointer: None,
            message,
        }])
    };
    let bytes = read_capped(path, MAX_TOOL_FILE_BYTES).map_err(|e| one(format!("cannot read tool file: {e}")))?;
    parse_tool_file(&bytes, &file)
}

/// The tools of a tool file's bytes (`file` names it in errors).
pub fn parse_tool_file(bytes: &[u8], file: &str) -> Result<Vec<Tool>, ToolErrors> {
    let one = |message: String| {
        ToolErrors(vec![ToolError {
            file: file.to_string(),
            pointer: None,
            message,
        }])
    };
    let text = std::str::from_utf8(bytes).map_err(|e| one(format!("not UTF-8: {e}")))?;
    // Editors on Windows start a UTF-8 file with a byte-order mark; JSON has no place for it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let doc: Value = serde_json::from_str(text).map_err(|e| one(format!("invalid JSON: {e}")))?;
    tools_from_document(&doc, file)
}

/// Finds the tool entries of a parsed tool file and normalises each.
pub fn tools_from_document(doc: &Value, file: &str) -> Result<Vec<Tool>, ToolErrors> {
    let mut entries: Vec<(String, &Value)> = Vec::new();
    let mut errors = Vec::new();
    let err = |pointer: String, message: String| ToolError {
        file: file.to_string(),
        pointer: Some(pointer),
        message,
    };
    match doc {
        Value::Array(items) => {
            entries.extend(items.iter().enumerate().map(|(i, v)| (ptr_index("", i), v)));
        }
        Value::Object(obj) if !obj.contains_key("name") && !obj.contains_key("function") => {
            // An MCP tools/list result, possibly inside a JSON-RPC response.
            let (base, list) = match (obj.get("tools"), obj.get("result")) {
                (Some(list), _) => ("/tools".to_string(), list),
                (None, Some(Value::Object(r))) if r.contains_key("tools") => {
                    ("/result/tools".to_string(), &r["tools"])
                }
                _ => {
                    return Err(ToolErrors(vec![err(
                        String::new(),
                        "not a tool: expected a tool object (with \"name\" or \"function\"), an array of tools, or an MCP tools/list result ({\"tools\": [...]})".into(),
                    )]))
                }
            };
            match list {
                Value::Array(items) => entries.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (ptr_index(&base, i), v)),
                ),
                _ => {
                    return Err(ToolErrors(vec![err(
                        base,
                        "\"tools\" must be an array".into(),
                    )]))
                }
            }
        }
        Value::Object(_) => entries.push((String::new(), doc)),
        _ => return Err(ToolErrors(vec![err(
            String::new(),
            "a tool file must hold a tool object, an array of tools or an MCP tools/list result"
                .into(),
        )])),
    }
    let mut tools = Vec::new();
    for (pointer, entry) in entries {
        match normalize_entry(entry, file, &pointer) {
            Ok(tool) => tools.push(tool),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(tools)
    } else {
        Err(ToolErrors(errors))
    }
}

/// The accepted tool shapes (each is a `$defs` entry of `schemas/tool.schema.json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    OpenAi,
    Plain,
    Anthropic,
    Mcp,
}

impl Shape {
    fn def(self) -> &'static str {
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

struct FileSchemas {
    entry: HashMap<&'static str, jsonschema::Validator>,
    object_schema: jsonschema::Validator,
    flat: jsonschema::Validator,
}

fn file_schemas() -> &'static FileSchemas {
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

fn schema_errors(
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

/// Is `params` Needle's flat form (`{p: {type, description, required}}`) rather than a JSON
/// Schema? Flat when it has no string `type`, is not empty, and every value is an object with
/// a `type` member.
pub fn is_flat_parameters(params: &Map<String, Value>) -> bool {
    !params.is_empty()
        && !params.get("type").is_some_and(Value::is_string)
        && params
            .values()
            .all(|v| v.as_object().is_some_and(|o| o.contains_key("type")))
}

/// Parameters that are meant in the flat form: no JSON Schema keyword at the top, and some
/// entry is a parameter (an object with a `type`).
fn looks_flat(params: &Map<String, Value>) -> bool {
    const SCHEMA_KEYWORDS: &[&str] = &["type", "properties", "required", "anyOf", "oneOf", "allOf", "$ref", "enum", "const", "not"];
    !SCHEMA_KEYWORDS.iter().any(|k| params.contains_key(*k))
        && params.values().any(|v| v.as_object().is_some_and(|o| o.contains_key("type")))
}

/// Converts flat parameters to a JSON Schema object: each parameter's object minus its
/// `required` flag becomes its property schema; `required` lists the flagged ones (omitted
/// when none are).
pub fn flat_to_schema(params: &Map<String, Value>) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, spec) in params {
        let mut spec = spec.as_object().cloned().unwrap_or_default();
        if spec.remove("required").and_then(|r| r.as_bool()) == Some(true) {
            required.push(Value::String(name.clone()));
        }
        properties.insert(name.clone(), Value::Object(spec));
    }
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    Value::Object(schema)
}

/// Normalises a single tool entry (any accepted shape) found at `pointer` in `file`.
pub fn normalize_entry(entry: &Value, file: &str, pointer: &str) -> Result<Tool, Vec<ToolError>> {
    let err = |p: String, message: String| {
        vec![ToolError {
            file: file.to_string(),
            pointer: Some(p),
            message,
        }]
    };
    let Value::Object(obj) = entry else {
        return Err(err(
            pointer.to_string(),
            format!("a tool must be a JSON object, found {}", kind_of(entry)),
        ));
    };
    let shape = Shape::detect(obj);
    let schemas = file_schemas();
    // The object holding name/description, and the key of its parameters.
    let (inner, inner_ptr, params_key) = match shape {
        Shape::OpenAi => match obj.get("function") {
            Some(Value::Object(f)) => (f, ptr_key(pointer, "function"), "parameters"),
            _ => {
                let errors = schema_errors(&schemas.entry["openai"], entry, file, pointer);
                return Err(if errors.is_empty() {
                    err(
                        pointer.to_string(),
                        "OpenAI tool without a \"function\" object".into(),
                    )
                } else {
                    errors
                });
            }
        },
        Shape::Plain => (obj, pointer.to_string(), "parameters"),
        Shape::Anthropic => (obj, pointer.to_string(), "input_schema"),
        Shape::Mcp => (obj, pointer.to_string(), "inputSchema"),
    };
    let params_ptr = ptr_key(&inner_ptr, params_key);
    let schema_keys: Vec<&str> = ["parameters", "input_schema", "inputSchema"]
        .into_iter()
        .filter(|k| inner.contains_key(*k))
        .collect();
    if schema_keys.len() > 1 {
        return Err(err(
            inner_ptr,
            format!("both \"{}\" and \"{}\": a tool has one parameter schema", schema_keys[0], schema_keys[1]),
        ));
    }
    // Parameters first: their own definition gives far better messages than the shape's anyOf.
    let parameters = match inner.get(params_key) {
        // Missing or empty (`{}`): no parameters (the contract's default rendering).
        None if matches!(shape, Shape::Plain | Shape::OpenAi) => {
            json!({"type": "object", "properties": {}})
        }
        Some(Value::Object(p)) if p.is_empty() => json!({"type": "object", "properties": {}}),
        Some(Value::Object(p))
            if matches!(shape, Shape::Plain | Shape::OpenAi) && looks_flat(p) && !is_flat_parameters(p) =>
        {
            // Flat parameters with one entry that is not a parameter would otherwise be read as
            // a JSON Schema with unknown keywords: any arguments at all.
            let (key, value) = p.iter().find(|(_, v)| !v.as_object().is_some_and(|o| o.contains_key("type"))).unwrap();
            return Err(err(
                ptr_key(&params_ptr, key),
                format!("flat parameters: \"{key}\" must be an object with a \"type\", found {}", kind_of(value)),
            ));
        }
        None => return Err(err(inner_ptr, format!("missing \"{params_key}\""))),
        Some(Value::Object(p))
            if matches!(shape, Shape::Plain | Shape::OpenAi) && is_flat_parameters(p) =>
        {
            let errors = schema_errors(&schemas.flat, &inner[params_key], file, &params_ptr);
            if !errors.is_empty() {
                return Err(errors);
            }
            flat_to_schema(p)
        }
        Some(p @ Value::Object(_)) => {
            let errors = schema_errors(&schemas.object_schema, p, file, &params_ptr);
            if !errors.is_empty() {
                return Err(errors);
            }
            p.clone()
        }
        Some(other) => {
            return Err(err(
                params_ptr,
                format!(
                    "\"{params_key}\" must be a JSON Schema object, found {}",
                    kind_of(other)
                ),
            ))
        }
    };
    let errors = schema_errors(&schemas.entry[shape.def()], entry, file, pointer);
    if !errors.is_empty() {
        return Err(errors);
    }
    let name = inner["name"].as_str().unwrap_or_default().to_string();
    let description = inner
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    // `format` (email, date, date-time, time, uri, uuid, ipv4, ...) is asserted, not only an
    // annotation: a call whose value breaks it is dropped as invalid.
    let validator = jsonschema::options().should_validate_formats(true).build(&parameters).map_err(|e| {
        err(
            format!("{params_ptr}{}", e.instance_path().as_str()),
            format!("invalid JSON Schema: {e}"),
        )
    })?;
    let normalised = json!({"name": name, "description": description, "parameters": parameters});
    if let Some((pointer, reason)) = crate::constrain::uncallable(&normalised) {
        return Err(err(format!("{params_ptr}{pointer}"), format!("this tool can never be called: {reason}")));
    }
    Ok(Tool {
        name,
        description,
        parameters,
        origin: format!("{file}#{pointer}"),
        validator: Arc::new(validator),
    })
}

/// Normalises a tool given as JSON (any accepted shape), e.g. from the golden files.
pub fn normalize(entry: &Value) -> Result<Tool, ToolErrors> {
    normalize_entry(entry, "<inline>", "").map_err(ToolErrors)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
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
