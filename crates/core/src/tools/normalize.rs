//! One tool entry of any shape -> a normalised, validated [`Tool`]; Needle's flat parameter
//! form -> JSON Schema.

use super::*;

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
pub(super) fn looks_flat(params: &Map<String, Value>) -> bool {
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
    if depth(&parameters) > MAX_SCHEMA_DEPTH {
        return Err(err(params_ptr.clone(), format!("the parameters nest more than {MAX_SCHEMA_DEPTH} JSON levels deep")));
    }
    Ok(Tool {
        name,
        description,
        parameters,
        origin: format!("{file}#{pointer}"),
        validator: Arc::new(validator),
    })
}

/// How deep a tool's parameters may nest, in JSON levels (objects and arrays; a property is two:
/// `properties` and its schema). Deeper schemas are refused: no request fills them, and
/// walking them must stay bounded.
pub const MAX_SCHEMA_DEPTH: usize = 64;

/// The nesting depth of a JSON value (a scalar: 0).
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Normalises a tool given as JSON (any accepted shape), e.g. from the golden files.
pub fn normalize(entry: &Value) -> Result<Tool, ToolErrors> {
    normalize_entry(entry, "<inline>", "").map_err(ToolErrors)
}

pub(super) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
