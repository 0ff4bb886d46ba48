//! A decoder's arguments re-read through the normaliser: the format 3 engine writes values as
//! text it copied or generated, and this turns them into what each parameter means before the
//! call is validated (docs/values.md, "Where it is used").

use serde_json::{Map, Value};

use super::{check, normalize, normalize_value, parameter_unit, parse_duration, parse_number, Context, ParamSchema};

/// How much of a decoder's output the normaliser may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reread {
    /// Print what the decoder wrote (raw-decoder scoring, for comparison).
    Off,
    /// A value that does not validate is normalised ("dozen" for an integer), and so is a valid
    /// value the normaliser reads differently under a unit, clock, date or code
    /// rule: 15 for `duration_seconds` where the request says "15 minutes" becomes 900,
    /// "8:15 pm" for an `HH:MM` time becomes "20:15".
    Units,
}

impl Reread {
    /// `NEEDLE_VALUES` = off | units; unset means the default.
    pub fn from_env() -> Result<Reread, String> {
        match std::env::var("NEEDLE_VALUES").as_deref() {
            Err(_) => Ok(Reread::DEFAULT),
            Ok("off") => Ok(Reread::Off),
            Ok("units") => Ok(Reread::Units),
            Ok(other) => Err(format!("\"{other}\" is not one of off, units")),
        }
    }

    pub const DEFAULT: Reread = Reread::Units;
}

/// Normalise each argument of a call in place against the tool's `parameters` (an object
/// schema; nested objects are walked). Arguments the parameters do not name, and values the
/// normaliser cannot read, are left as they are: validation decides about them afterwards.
pub fn normalize_arguments(arguments: &mut Value, parameters: &Value, request: &str, ctx: &Context, mode: Reread) {
    if mode == Reread::Off {
        return;
    }
    let (Value::Object(args), Some(Value::Object(props))) = (arguments, parameters.get("properties")) else {
        return;
    };
    normalize_object(args, props, "", request, ctx);
}

fn normalize_object(args: &mut Map<String, Value>, props: &Map<String, Value>, prefix: &str, request: &str, ctx: &Context) {
    for (key, value) in args.iter_mut() {
        let Some(schema) = props.get(key) else { continue };
        let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        if let (Value::Object(inner), Some(Value::Object(inner_props))) = (&mut *value, schema.get("properties")) {
            normalize_object(inner, inner_props, &name, request, ctx);
            continue;
        }
        let param = ParamSchema::new(&name, schema);
        if let Some(better) = reread(value, &param, request, ctx) {
            *value = better;
        }
    }
}

/// The value to print instead of `value`, if any.
fn reread(value: &Value, param: &ParamSchema, request: &str, ctx: &Context) -> Option<Value> {
    if check(param.schema, value.clone()).is_err() {
        return normalize_value(value, param, ctx).ok();
    }
    if param.schema.get("enum").is_some() {
        return None;
    }
    let better = match value {
        Value::Number(n) if parameter_unit(param.name, param.description()).is_some() => {
            normalize(&duration_in_request(n.as_f64()?, request)?, param, ctx).ok()?
        }
        Value::String(s) => normalize(s, param, ctx).ok()?,
        _ => return None,
    };
    (better != *value).then_some(better)
}

/// Where the request writes `number` followed by a unit ("15 minutes", "1.5 h"), that text.
fn duration_in_request(number: f64, request: &str) -> Option<String> {
    let words: Vec<&str> = request.split_whitespace().collect();
    let at = words.iter().position(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '.');
        parse_number(w).is_some_and(|n| n.value == number && !n.percent)
    })?;
    // The longest run of up to four words from the number on that reads as a duration.
    (1..=4).rev().find_map(|n| {
        let text = words.get(at..at + n)?.join(" ");
        let text = text.trim_end_matches(|c: char| !c.is_alphanumeric());
        parse_duration(text).map(|_| text.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Context {
        Context::on("2026-12-07").unwrap()
    }

    fn run(args: Value, params: Value, request: &str, mode: Reread) -> Value {
        let mut args = args;
        normalize_arguments(&mut args, &params, request, &ctx(), mode);
        args
    }

    #[test]
    fn a_number_said_with_a_unit_is_converted_to_the_parameter_unit() {
        let params = json!({"type": "object", "properties": {"duration_seconds": {"type": "integer"}}});
        let got = run(json!({"duration_seconds": 15}), params.clone(), "start a timer for 15 minutes please", Reread::Units);
        assert_eq!(got, json!({"duration_seconds": 900}));
        let got = run(json!({"duration_seconds": 15}), params.clone(), "start a timer for 15 minutes please", Reread::Off);
        assert_eq!(got, json!({"duration_seconds": 15}));
        // Said in the parameter's own unit, or with no unit: unchanged.
        let got = run(json!({"duration_seconds": 15}), params.clone(), "a 15 seconds timer", Reread::Units);
        assert_eq!(got, json!({"duration_seconds": 15}));
        let got = run(json!({"duration_seconds": 15}), params, "timer 15", Reread::Units);
        assert_eq!(got, json!({"duration_seconds": 15}));
    }

    #[test]
    fn strings_are_read_as_the_parameter_means_them() {
        let params = json!({"type": "object", "properties": {
            "time": {"type": "string", "description": "HH:MM in 24-hour format"},
            "from_currency": {"type": "string", "description": "ISO 4217 code"},
            "note": {"type": "string"}}});
        let got = run(json!({"time": "8:15 pm", "from_currency": "yen", "note": "buy milk"}), params.clone(), "", Reread::Units);
        assert_eq!(got, json!({"time": "20:15", "from_currency": "JPY", "note": "buy milk"}));
        let got = run(json!({"time": "8:15 pm"}), params, "", Reread::Off);
        assert_eq!(got, json!({"time": "8:15 pm"}));
    }

    #[test]
    fn invalid_values_are_normalised_unless_off_and_nested_objects_are_walked() {
        let params = json!({"type": "object", "properties": {
            "order": {"type": "object", "properties": {"quantity": {"type": "integer"}, "express": {"type": "boolean"}}},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}});
        let args = json!({"order": {"quantity": "a dozen", "express": "yes"}, "unit": "Fahrenheit", "extra": "kept"});
        let want = json!({"order": {"quantity": 12, "express": true}, "unit": "fahrenheit", "extra": "kept"});
        assert_eq!(run(args.clone(), params.clone(), "", Reread::Units), want);
        assert_eq!(run(args.clone(), params, "", Reread::Off), args);
    }

    #[test]
    fn a_value_the_normaliser_cannot_read_is_left_for_validation() {
        let params = json!({"type": "object", "properties": {"count": {"type": "integer"}}});
        assert_eq!(run(json!({"count": "kitchen"}), params, "", Reread::Units), json!({"count": "kitchen"}));
    }
}
