//! Python's view of JSON values, as BFCL judges them after `json.loads`: types, `==`, `in`,
//! and `standardize_string`.

use serde_json::Value;

/// Python type of a JSON value after `json.loads`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PyType {
    None,
    Bool,
    Int,
    Float,
    Str,
    List,
    Dict,
}

impl PyType {
    pub(super) fn name(self) -> &'static str {
        match self {
            PyType::None => "NoneType",
            PyType::Bool => "bool",
            PyType::Int => "int",
            PyType::Float => "float",
            PyType::Str => "str",
            PyType::List => "list",
            PyType::Dict => "dict",
        }
    }
}

pub(super) fn py_type(v: &Value) -> PyType {
    match v {
        Value::Null => PyType::None,
        Value::Bool(_) => PyType::Bool,
        Value::Number(n) if n.is_f64() => PyType::Float,
        Value::Number(_) => PyType::Int,
        Value::String(_) => PyType::Str,
        Value::Array(_) => PyType::List,
        Value::Object(_) => PyType::Dict,
    }
}

/// Schema type name -> Python type, accepting both BFCL's Gorilla names and the JSON Schema
/// names that `scripts/bfcl_to_jsonl.py` maps them to (`PYTHON_TYPE_MAPPING` in BFCL:
/// dict->dict, float->float, tuple->list, any->str; the mapping to JSON Schema is lossless here).
pub(super) fn schema_py_type(t: &str) -> Option<PyType> {
    Some(match t {
        "string" | "any" | "String" | "Any" | "char" => PyType::Str,
        "integer" | "int" | "long" | "short" | "byte" | "Bigint" => PyType::Int,
        "number" | "float" | "double" => PyType::Float,
        "boolean" | "bool" | "Boolean" => PyType::Bool,
        "array" | "tuple" | "list" | "Array" | "ArrayList" => PyType::List,
        "object" | "dict" | "HashMap" | "Hashtable" => PyType::Dict,
        _ => return None,
    })
}

pub(super) fn is_array_type(t: &str) -> bool {
    // PYTHON_NESTED_TYPE_CHECK_LIST = ["array", "tuple"]
    matches!(t, "array" | "tuple" | "list")
}

/// Numeric view of bool / int / float for Python `==`.
pub(super) enum Num {
    I(i128),
    F(f64),
}

pub(super) fn as_num(v: &Value) -> Option<Num> {
    match v {
        Value::Bool(b) => Some(Num::I(*b as i128)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(Num::I(i as i128))
            } else if let Some(u) = n.as_u64() {
                Some(Num::I(u as i128))
            } else {
                n.as_f64().map(Num::F)
            }
        }
        _ => None,
    }
}

/// Python `a == b` for JSON-loaded values.
pub(super) fn py_eq(a: &Value, b: &Value) -> bool {
    if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
        return match (x, y) {
            (Num::I(x), Num::I(y)) => x == y,
            (Num::I(x), Num::F(y)) | (Num::F(y), Num::I(x)) => (x as f64) == y,
            (Num::F(x), Num::F(y)) => x == y,
        };
    }
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => false,
    }
}

/// Python `v in list`.
pub(super) fn py_in(v: &Value, list: &[Value]) -> bool {
    list.iter().any(|x| py_eq(v, x))
}

pub(super) fn is_empty_str(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.is_empty())
}

/// The list of acceptable values for one argument (always a list in BFCL's data).
pub(super) fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

pub(super) fn repr(v: &Value) -> String {
    v.to_string()
}

/// BFCL `standardize_string`: drop spaces and `,./-_*^`, lowercase, `'` -> `"`.
pub fn standardize_string(s: &str) -> String {
    let stripped: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | ',' | '.' | '/' | '-' | '_' | '*' | '^'))
        .collect();
    stripped.to_lowercase().replace('\'', "\"")
}

pub(super) fn standardize_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(standardize_string(s)),
        other => other.clone(),
    }
}
