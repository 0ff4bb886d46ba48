//! JSON printing: compact, indented, and indented with ANSI colours for terminals.

use std::io::IsTerminal;

use serde_json::{json, Map, Value};

use crate::calls::Prediction;

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// The `--meta` object of a prediction: `{"query","calls","confidence","ms"}`, plus
/// `"invalid": [{"call","reason"}]` when calls were dropped and `"truncated": true` when the
/// query was cut.
pub fn meta_object(query: &str, pred: &Prediction) -> Value {
    let mut m = Map::new();
    m.insert("query".into(), json!(query));
    m.insert("calls".into(), Value::Array(pred.calls.clone()));
    m.insert("confidence".into(), json!(round(pred.confidence as f64, 6)));
    m.insert("ms".into(), json!(round(pred.ms, 2)));
    if !pred.invalid.is_empty() {
        let invalid: Vec<Value> = pred
            .invalid
            .iter()
            .map(|b| json!({"call": b.call, "reason": b.reason}))
            .collect();
        m.insert("invalid".into(), Value::Array(invalid));
    }
    if pred.query_truncated {
        m.insert("truncated".into(), json!(true));
    }
    Value::Object(m)
}

/// The line written for an input line that failed: `{"query", "error"}` (`query` is the line
/// with invalid UTF-8 replaced).
pub fn error_object(query: &str, error: &str) -> Value {
    json!({"query": query, "error": error})
}

/// Should output to stdout be coloured? `when` is `auto`, `always` or `never`; `auto` colours
/// only a terminal, and never when `NO_COLOR` is set or `TERM=dumb`.
pub fn use_color(when: &str) -> bool {
    match when {
        "always" => true,
        "never" => false,
        _ => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// One value as text: compact (one line), or indented by two spaces, optionally coloured.
pub fn format(value: &Value, pretty: bool, color: bool) -> String {
    match (pretty, color) {
        (_, true) => {
            let mut out = String::new();
            write_colored(value, pretty.then_some(0), &mut out);
            out
        }
        (true, false) => serde_json::to_string_pretty(value).expect("Value serialises"),
        (false, false) => serde_json::to_string(value).expect("Value serialises"),
    }
}

const KEY: &str = "\x1b[34m";
const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[36m";
const LITERAL: &str = "\x1b[35m";
const RESET: &str = "\x1b[0m";

/// Coloured JSON; `depth` is `Some(level)` for indented output, `None` for compact.
fn write_colored(value: &Value, depth: Option<usize>, out: &mut String) {
    let newline = |d: usize, out: &mut String| {
        out.push('\n');
        out.push_str(&"  ".repeat(d));
    };
    let inner = depth.map(|d| d + 1);
    match value {
        Value::Null | Value::Bool(_) => {
            out.push_str(LITERAL);
            out.push_str(&value.to_string());
            out.push_str(RESET);
        }
        Value::Number(n) => {
            out.push_str(NUMBER);
            out.push_str(&n.to_string());
            out.push_str(RESET);
        }
        Value::String(_) => {
            out.push_str(STRING);
            out.push_str(&value.to_string());
            out.push_str(RESET);
        }
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(d) = inner {
                    newline(d, out);
                }
                write_colored(item, inner, out);
            }
            if let Some(d) = depth {
                newline(d, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(d) = inner {
                    newline(d, out);
                }
                out.push_str(KEY);
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(RESET);
                out.push_str(if depth.is_some() { ": " } else { ":" });
                write_colored(v, inner, out);
            }
            if let Some(d) = depth {
                newline(d, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats() {
        let v = json!([{"name": "a", "arguments": {"x": 1}}]);
        assert_eq!(
            format(&v, false, false),
            r#"[{"name":"a","arguments":{"x":1}}]"#
        );
        assert!(format(&v, true, false).contains("\n  {\n    \"name\": \"a\""));
        let c = format(&v, true, true);
        assert!(c.contains("\x1b[34m\"name\"\x1b[0m: \x1b[32m\"a\"\x1b[0m"));
        assert!(c.contains('\n'));
        let compact = format(&v, false, true);
        assert!(!compact.contains('\n'));
        assert!(compact.contains("\x1b[34m\"name\"\x1b[0m:\x1b[32m\"a\"\x1b[0m"));
    }
}
