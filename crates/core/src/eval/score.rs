//! BFCL scoring, no model involved: a line-by-line mirror of the Berkeley Function Calling
//! Leaderboard's AST checker (`bfcl_eval/eval_checker/ast_eval/ast_checker.py`, bfcl-eval
//! 2026.3.23) and of its relevance / irrelevance rule (`eval_runner.py`,
//! `_evaluate_single_relevance_entry`). See docs/accuracy.md for the rules in prose.
//!
//! Values are judged with Python semantics, because that is what BFCL does after `json.loads`:
//! a JSON number written without a fraction or exponent is an `int`, any other is a `float`;
//! `type(x) == T` is an exact type test (a bool is not an int there), while `==` / `in` compare
//! numerically across bool, int and float (`1 == 1.0 == True`).
//!
//! Only the Python language path is mirrored (the Java / JavaScript categories are not scored).

use serde_json::{Map, Value};

use super::pyvalue::*;

type Check = Result<(), String>;

fn fail(kind: &str, msg: impl std::fmt::Display) -> Check {
    Err(format!("{kind}: {msg}"))
}

/// `get_possible_answer_type`: type of the first acceptable value that is not `""`.
fn possible_answer_type(possible: &[Value]) -> Option<PyType> {
    possible.iter().find(|a| !is_empty_str(a)).map(py_type)
}

struct TypeCheck {
    valid: bool,
    is_variable: bool,
    error: String,
}

/// `type_checker`: exact Python type test, one level of nested checking for arrays, and BFCL's
/// "variable" escape (a value whose type equals the answer's type is accepted and then compared
/// exactly).
fn type_checker(
    param: &str,
    value: &Value,
    possible: &[Value],
    expected_desc: &str,
    expected: PyType,
    nested: Option<PyType>,
) -> TypeCheck {
    let mut valid = true;
    let mut error = String::new();
    let pat = possible_answer_type(possible);
    let is_variable = matches!(pat, Some(t) if t != expected);

    if py_type(value) == expected {
        match nested {
            None => return TypeCheck { valid: true, is_variable, error },
            Some(nested_t) => {
                let items: &[Value] = value.as_array().map(|a| a.as_slice()).unwrap_or(&[]);
                for item in possible {
                    let mut flag = true;
                    if let Value::Array(item_list) = item {
                        for v in items {
                            let r = type_checker(param, v, item_list, nested_t.name(), nested_t, None);
                            if !r.valid {
                                flag = false;
                                break;
                            }
                        }
                    }
                    if flag {
                        return TypeCheck { valid: true, is_variable, error: String::new() };
                    }
                }
                valid = false;
                error = format!(
                    "type_error:nested: Nested type checking failed for parameter '{param}'. Expected outer type {expected_desc} with inner type {}. Parameter value: {}.",
                    nested_t.name(),
                    repr(value)
                );
            }
        }
    }

    if let Some(t) = pat {
        if py_type(value) == t {
            // BFCL returns the (possibly already invalid) result with is_variable set.
            return TypeCheck { valid, is_variable: true, error };
        }
    }

    TypeCheck {
        valid: false,
        is_variable,
        error: format!(
            "type_error:simple: Incorrect type for parameter '{param}'. Expected type {expected_desc}, got {}. Parameter value: {}.",
            py_type(value).name(),
            repr(value)
        ),
    }
}

fn string_checker(param: &str, value: &str, possible: &[Value]) -> Check {
    let out = standardize_string(value);
    let ok = possible
        .iter()
        .any(|p| matches!(p, Value::String(s) if standardize_string(s) == out));
    if ok {
        Ok(())
    } else {
        fail(
            "value_error:string",
            format!(
                "Invalid value for parameter '{param}': {:?}. Expected one of {}. Case insensitive.",
                value,
                repr(&Value::Array(possible.to_vec()))
            ),
        )
    }
}

fn list_checker(param: &str, value: &[Value], possible: &[Value]) -> Check {
    let out = Value::Array(value.iter().map(standardize_value).collect());
    let mut std_possible = Vec::new();
    for p in possible {
        match p {
            Value::Array(a) => std_possible.push(Value::Array(a.iter().map(standardize_value).collect())),
            // Python iterates a string answer character by character; "" becomes [] (optional).
            Value::String(s) => std_possible.push(Value::Array(
                s.chars().map(|c| Value::String(standardize_string(&c.to_string()))).collect(),
            )),
            _ => {} // len() of a number raises in BFCL; never matches here
        }
    }
    if py_in(&out, &std_possible) {
        Ok(())
    } else {
        fail(
            "value_error:list/tuple",
            format!(
                "Invalid value for parameter '{param}': {}. Expected one of {}.",
                repr(&Value::Array(value.to_vec())),
                repr(&Value::Array(possible.to_vec()))
            ),
        )
    }
}

/// `dict_checker`: one level deep; string values standardized, nested values compared exactly.
fn dict_checker(_param: &str, value: &Value, possible_answers: &[Value]) -> Check {
    let Some(model) = value.as_object() else {
        return fail("value_error:dict", format!("expected a dict, got {}", repr(value)));
    };
    let mut result = fail("dict_checker:unclear", "no acceptable dict");
    for pa in possible_answers {
        if is_empty_str(pa) {
            continue;
        }
        result = fail("dict_checker:unclear", "no acceptable dict");
        let Some(pa) = pa.as_object() else {
            continue;
        };
        let mut flag = true;
        for (key, v) in model {
            let Some(acceptable) = pa.get(key) else {
                result = fail("value_error:dict_key", format!("Unexpected dict key parameter: '{key}'."));
                flag = false;
                break;
            };
            let sv = standardize_value(v);
            let std_acc: Vec<Value> = as_list(acceptable).iter().map(standardize_value).collect();
            if !py_in(&sv, &std_acc) {
                result = fail(
                    "value_error:dict_value",
                    format!(
                        "Invalid value for parameter '{key}': {}. Expected one of {}.",
                        repr(v),
                        repr(&Value::Array(std_acc))
                    ),
                );
                flag = false;
                break;
            }
        }
        for (key, acceptable) in pa {
            if !model.contains_key(key) && !as_list(acceptable).iter().any(is_empty_str) {
                result = fail("value_error:dict_key", format!("Missing dict key parameter: '{key}'."));
                flag = false;
                break;
            }
        }
        if flag {
            return Ok(());
        }
    }
    result
}

/// `list_dict_checker`: a list of dicts, matched in order against each acceptable list.
fn list_dict_checker(param: &str, value: &[Value], possible_answers: &[Value]) -> Check {
    let mut result = fail("list_dict_checker:unclear", "no acceptable list of dicts");
    for pa in possible_answers {
        let pa_items: Vec<Value> = match pa {
            Value::Array(a) => a.clone(),
            Value::String(s) => s.chars().map(|c| Value::String(c.to_string())).collect(),
            _ => continue,
        };
        if value.len() != pa_items.len() {
            result = fail("value_error:list_dict_count", "Wrong number of dictionaries in the list.");
            continue;
        }
        let mut flag = true;
        for (v, p) in value.iter().zip(&pa_items) {
            result = dict_checker(param, v, std::slice::from_ref(p));
            if result.is_err() {
                flag = false;
                break;
            }
        }
        if flag {
            return Ok(());
        }
    }
    result
}

/// One model call in BFCL's decoded form: (name, arguments).
struct Call<'a> {
    name: &'a str,
    args: Map<String, Value>,
}

/// `simple_function_checker`.
fn simple_function_checker(func: &Value, call: &Call, answer: &Value) -> Check {
    let Some(answer_obj) = answer.as_object() else {
        return fail("answer_format", format!("answer is not {{name: {{...}}}}: {}", repr(answer)));
    };
    let Some((_, expected_params)) = answer_obj.iter().next() else {
        return fail("answer_format", "empty answer");
    };
    let empty = Map::new();
    let expected_params = expected_params.as_object().unwrap_or(&empty);

    let func_name = func.get("name").and_then(Value::as_str).unwrap_or("");
    let params = func.get("parameters");
    let props = params.and_then(|p| p.get("properties")).and_then(Value::as_object).unwrap_or(&empty);
    let required: Vec<&str> = params
        .and_then(|p| p.get("required"))
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();

    if call.name != func_name {
        return fail(
            "simple_function_checker:wrong_func_name",
            format!("Function name '{func_name}' not found in model output (got '{}').", call.name),
        );
    }

    for p in &required {
        if !call.args.contains_key(*p) {
            return fail("simple_function_checker:missing_required", format!("Missing required parameter: '{p}'."));
        }
    }

    for (param, raw_value) in &call.args {
        let (Some(details), Some(acceptable)) = (props.get(param), expected_params.get(param)) else {
            return fail("simple_function_checker:unexpected_param", format!("Unexpected parameter: '{param}'."));
        };
        let acceptable = as_list(acceptable);
        let expected_desc = details.get("type").and_then(Value::as_str).unwrap_or("");
        let Some(expected) = schema_py_type(expected_desc) else {
            return fail("schema", format!("unsupported type {:?} for parameter '{param}'", details.get("type")));
        };
        let nested = if is_array_type(expected_desc) {
            details
                .get("items")
                .and_then(|i| i.get("type"))
                .and_then(Value::as_str)
                .and_then(schema_py_type)
        } else {
            None
        };

        // "Allow python auto conversion from int to float" -- the only coercion.
        let value = if matches!(expected_desc, "float" | "number" | "double") && py_type(raw_value) == PyType::Int {
            serde_json::Number::from_f64(as_num(raw_value).map_or(0.0, |n| match n {
                Num::I(i) => i as f64,
                Num::F(f) => f,
            }))
            .map(Value::Number)
            .unwrap_or(Value::Null)
        } else {
            raw_value.clone()
        };

        let tc = type_checker(param, &value, &acceptable, expected_desc, expected, nested);
        if !tc.valid {
            return Err(tc.error);
        }

        if !tc.is_variable {
            if expected == PyType::Dict {
                dict_checker(param, &value, &acceptable)?;
                continue;
            } else if expected == PyType::List && nested == Some(PyType::Dict) {
                list_dict_checker(param, value.as_array().map(|a| a.as_slice()).unwrap_or(&[]), &acceptable)?;
                continue;
            } else if expected == PyType::Str {
                string_checker(param, value.as_str().unwrap_or(""), &acceptable)?;
                continue;
            } else if expected == PyType::List {
                list_checker(param, value.as_array().map(|a| a.as_slice()).unwrap_or(&[]), &acceptable)?;
                continue;
            }
        }

        if !py_in(&value, &acceptable) {
            return fail(
                "value_error:others",
                format!(
                    "Invalid value for parameter '{param}': {}. Expected one of {}.",
                    repr(&value),
                    repr(&Value::Array(acceptable))
                ),
            );
        }
    }

    for (param, acceptable) in expected_params {
        if !call.args.contains_key(param) && !as_list(acceptable).iter().any(is_empty_str) {
            return fail(
                "simple_function_checker:missing_optional",
                format!("Optional parameter '{param}' not provided and not marked as optional."),
            );
        }
    }
    Ok(())
}

fn find_description<'a>(tools: &'a [Value], name: &str) -> Option<&'a Value> {
    tools.iter().find(|t| t.get("name").and_then(Value::as_str) == Some(name))
}

fn answer_name(answer: &Value) -> &str {
    answer.as_object().and_then(|o| o.keys().next()).map(String::as_str).unwrap_or("")
}

fn parallel_function_checker_no_order(tools: &[Value], calls: &[Call], answers: &[Value]) -> Check {
    if calls.len() != answers.len() {
        return fail(
            "parallel_function_checker_no_order:wrong_count",
            format!("Wrong number of functions: expected {}, got {}.", answers.len(), calls.len()),
        );
    }
    let mut matched: Vec<usize> = Vec::new();
    for (i, answer) in answers.iter().enumerate() {
        let name = answer_name(answer);
        let Some(func) = find_description(tools, name) else {
            return fail("answer_format", format!("answer function '{name}' is not among the tools"));
        };
        let mut errors = Vec::new();
        let mut found = false;
        for (idx, call) in calls.iter().enumerate() {
            if matched.contains(&idx) {
                continue;
            }
            match simple_function_checker(func, call, answer) {
                Ok(()) => {
                    matched.push(idx);
                    found = true;
                    break;
                }
                Err(e) => errors.push(format!("[output {idx}] {e}")),
            }
        }
        if !found {
            let considered: Vec<usize> = (0..calls.len()).filter(|j| !matched.contains(j)).collect();
            return fail(
                "parallel_function_checker_no_order:cannot_find_match",
                format!(
                    "Could not find a matching function among index {considered:?} of model output for index {i} of possible answers. {}",
                    errors.join(" ")
                ),
            );
        }
    }
    Ok(())
}

fn multiple_function_checker(tools: &[Value], calls: &[Call], answers: &[Value]) -> Check {
    if calls.len() != answers.len() {
        return fail(
            "multiple_function_checker:wrong_count",
            format!("Wrong number of functions: expected {}, got {}.", answers.len(), calls.len()),
        );
    }
    let Some(answer) = answers.first() else {
        return Ok(()); // no answers and no calls
    };
    let name = answer_name(answer);
    let Some(func) = find_description(tools, name) else {
        return fail("answer_format", format!("answer function '{name}' is not among the tools"));
    };
    simple_function_checker(func, &calls[0], answer)
}

/// Decode model calls `{name, arguments}` into BFCL's `[{name: {args}}]` form. `arguments` may be
/// an object or a JSON string holding one (OpenAI style; BFCL's FC handlers `json.loads` it);
/// missing / null arguments mean `{}`. Err when a call is not in function-calling format
/// (`is_function_calling_format_output` false).
fn decode_calls(calls: &[Value]) -> Result<Vec<Call<'_>>, String> {
    let mut out = Vec::with_capacity(calls.len());
    for c in calls {
        let name = c
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("call without a string name: {}", repr(c)))?;
        let args = match c.get("arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(m)) => m,
                _ => return Err(format!("arguments of '{name}' are not a JSON object: {s:?}")),
            },
            Some(other) => return Err(format!("arguments of '{name}' are not an object: {}", repr(other))),
        };
        out.push(Call { name, args });
    }
    Ok(out)
}

/// BFCL's `is_empty_output` for relevance detection: no calls, or not in function-calling format,
/// or a single empty call.
fn contains_call(calls: &[Value]) -> bool {
    match decode_calls(calls) {
        Err(_) => false,
        Ok(c) => !(c.is_empty() || (c.len() == 1 && c[0].name.is_empty() && c[0].args.is_empty())),
    }
}

/// Score one row. `tools`: the row's tools (normalized JSON Schema or raw Gorilla docs);
/// `answers`: BFCL possible answers (`[{name: {arg: [acceptable...]}}, ...]`); `calls`: the
/// model's calls as `{name, arguments}`; `category`: BFCL category name, which selects the rule
/// exactly as BFCL does (substring tests, in this order): "irrelevance" -> no call may be made;
/// "relevance" -> at least one call must be made; "parallel" -> unordered matching;
/// "multiple" -> the single call is checked against the answer's function; otherwise simple.
pub fn check_row(tools: &[Value], answers: &Value, calls: &[Value], category: &str) -> Result<(), String> {
    if category.contains("irrelevance") {
        return if contains_call(calls) {
            fail("irrelevance_error:decoder_success", "a function call was made when none should be.")
        } else {
            Ok(())
        };
    }
    if category.contains("relevance") {
        return if contains_call(calls) {
            Ok(())
        } else {
            fail("relevance_error:decoder_failed", "no function call was made.")
        };
    }

    let decoded = decode_calls(calls).map_err(|e| format!("ast_decoder:decoder_wrong_output_format: {e}"))?;
    let empty = Vec::new();
    let answers: &[Value] = answers.as_array().unwrap_or(&empty);

    if category.contains("parallel") {
        parallel_function_checker_no_order(tools, &decoded, answers)
    } else if category.contains("multiple") {
        multiple_function_checker(tools, &decoded, answers)
    } else {
        if decoded.len() != 1 {
            return fail(
                "simple_function_checker:wrong_count",
                format!("Wrong number of functions: expected 1, got {}.", decoded.len()),
            );
        }
        let (Some(func), Some(answer)) = (tools.first(), answers.first()) else {
            return fail("answer_format", "row has no tool or no answer");
        };
        simple_function_checker(func, &decoded[0], answer)
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Accumulator;
    use serde_json::json;

    fn tool(name: &str, props: Value, required: &[&str]) -> Value {
        json!({"name": name, "description": "", "parameters": {"type": "object", "properties": props, "required": required}})
    }

    fn call(name: &str, args: Value) -> Value {
        json!({"name": name, "arguments": args})
    }

    /// area(base: integer, height: integer, unit: string optional) ; answer base=10 height=5 unit in {units, ""}
    fn area_tool() -> Value {
        tool(
            "calc.area",
            json!({"base": {"type": "integer"}, "height": {"type": "integer"}, "unit": {"type": "string"}}),
            &["base", "height"],
        )
    }
    fn area_answer() -> Value {
        json!([{"calc.area": {"base": [10], "height": [5], "unit": ["units", ""]}}])
    }
    fn simple(args: Value) -> Result<(), String> {
        check_row(&[area_tool()], &area_answer(), &[call("calc.area", args)], "simple_python")
    }

    #[test]
    fn standardize_matches_bfcl() {
        assert_eq!(standardize_string("April 1, 2024"), "april12024");
        assert_eq!(standardize_string("New_York-City./*^"), "newyorkcity");
        assert_eq!(standardize_string("it's"), "it\"s");
        assert_eq!(standardize_string("a\tb"), "a\tb"); // only ' ' is removed, not other whitespace
    }

    #[test]
    fn simple_pass_and_optional_omitted() {
        assert_eq!(simple(json!({"base": 10, "height": 5})), Ok(()));
        assert_eq!(simple(json!({"base": 10, "height": 5, "unit": "units"})), Ok(()));
        assert_eq!(simple(json!({"base": 10, "height": 5, "unit": "Units"})), Ok(()));
    }

    #[test]
    fn exact_function_name() {
        let r = check_row(&[area_tool()], &area_answer(), &[call("calc_area", json!({"base": 10, "height": 5}))], "simple_python");
        assert!(r.unwrap_err().contains("wrong_func_name"));
    }

    #[test]
    fn required_parameter_missing() {
        assert!(simple(json!({"base": 10})).unwrap_err().contains("missing_required"));
    }

    #[test]
    fn answer_parameter_not_optional_missing() {
        let t = tool("f", json!({"a": {"type": "integer"}, "b": {"type": "integer"}}), &["a"]);
        let ans = json!([{"f": {"a": [1], "b": [2]}}]);
        let r = check_row(&[t.clone()], &ans, &[call("f", json!({"a": 1}))], "simple_python");
        assert!(r.unwrap_err().contains("missing_optional"));
        assert_eq!(check_row(&[t], &ans, &[call("f", json!({"a": 1, "b": 2}))], "simple_python"), Ok(()));
    }

    #[test]
    fn unexpected_parameter() {
        // not in the schema
        assert!(simple(json!({"base": 10, "height": 5, "color": "red"})).unwrap_err().contains("unexpected_param"));
        // in the schema but not in the answer
        let t = tool("f", json!({"a": {"type": "integer"}, "b": {"type": "integer"}}), &["a"]);
        let ans = json!([{"f": {"a": [1]}}]);
        let r = check_row(&[t], &ans, &[call("f", json!({"a": 1, "b": 2}))], "simple_python");
        assert!(r.unwrap_err().contains("unexpected_param"));
    }

    #[test]
    fn integer_type_is_strict() {
        assert!(simple(json!({"base": 10.0, "height": 5})).unwrap_err().contains("type_error"));
        assert!(simple(json!({"base": "10", "height": 5})).unwrap_err().contains("type_error"));
        assert!(simple(json!({"base": true, "height": 5})).unwrap_err().contains("type_error"));
        assert!(simple(json!({"base": 11, "height": 5})).unwrap_err().contains("value_error"));
    }

    #[test]
    fn int_to_float_is_the_only_coercion() {
        let t = tool("f", json!({"x": {"type": "number"}}), &["x"]);
        let ans = json!([{"f": {"x": [2.5, 3.0]}}]);
        let run = |v: Value| check_row(&[t.clone()], &ans, &[call("f", json!({"x": v}))], "simple_python");
        assert_eq!(run(json!(2.5)), Ok(()));
        assert_eq!(run(json!(3)), Ok(())); // int -> float
        assert!(run(json!("2.5")).is_err());
        assert!(run(json!(2.0)).is_err());
        // Gorilla spelling "float" behaves the same
        let t2 = tool("f", json!({"x": {"type": "float"}}), &["x"]);
        assert_eq!(check_row(&[t2], &ans, &[call("f", json!({"x": 3}))], "simple_python"), Ok(()));
    }

    #[test]
    fn float_answer_given_as_int_still_matches_numerically() {
        let t = tool("f", json!({"x": {"type": "number"}}), &["x"]);
        let ans = json!([{"f": {"x": [5]}}]); // BFCL data often writes 5 for a float parameter
        assert_eq!(check_row(&[t.clone()], &ans, &[call("f", json!({"x": 5}))], "simple_python"), Ok(()));
        assert_eq!(check_row(&[t], &ans, &[call("f", json!({"x": 5.0}))], "simple_python"), Ok(()));
    }

    #[test]
    fn string_normalization() {
        let t = tool("w", json!({"city": {"type": "string"}}), &["city"]);
        let ans = json!([{"w": {"city": ["San Francisco, CA"]}}]);
        let run = |v: &str| check_row(&[t.clone()], &ans, &[call("w", json!({"city": v}))], "simple_python");
        assert_eq!(run("san francisco,ca"), Ok(()));
        assert_eq!(run("SAN-FRANCISCO CA."), Ok(()));
        assert!(run("San Francisco").unwrap_err().contains("value_error:string"));
        assert!(run("Los Angeles, CA").is_err());
    }

    #[test]
    fn any_type_is_a_string() {
        let t = tool("f", json!({"v": {"type": "any"}}), &["v"]);
        let ans = json!([{"f": {"v": ["abc"]}}]);
        assert_eq!(check_row(&[t.clone()], &ans, &[call("f", json!({"v": "ABC"}))], "simple_python"), Ok(()));
        assert!(check_row(&[t], &ans, &[call("f", json!({"v": 1}))], "simple_python").is_err());
    }

    #[test]
    fn lists_equal_in_order() {
        let t = tool("f", json!({"xs": {"type": "array", "items": {"type": "string"}}}), &["xs"]);
        let ans = json!([{"f": {"xs": [["New York", "Paris"]]}}]);
        let run = |v: Value| check_row(&[t.clone()], &ans, &[call("f", json!({"xs": v}))], "simple_python");
        assert_eq!(run(json!(["new york", "PARIS"])), Ok(()));
        assert!(run(json!(["Paris", "New York"])).unwrap_err().contains("value_error:list"));
        assert!(run(json!(["New York"])).is_err());
        assert!(run(json!("New York, Paris")).is_err());
        // integer list: nested type check
        let ti = tool("g", json!({"xs": {"type": "array", "items": {"type": "integer"}}}), &["xs"]);
        let ansi = json!([{"g": {"xs": [[1, 2, 3]]}}]);
        assert_eq!(check_row(&[ti.clone()], &ansi, &[call("g", json!({"xs": [1, 2, 3]}))], "simple_python"), Ok(()));
        assert!(check_row(&[ti.clone()], &ansi, &[call("g", json!({"xs": [1.0, 2, 3]}))], "simple_python").is_err());
        assert!(check_row(&[ti], &ansi, &[call("g", json!({"xs": [3, 2, 1]}))], "simple_python").is_err());
    }

    #[test]
    fn optional_list_empty_string_means_empty_list_or_omitted() {
        let t = tool("f", json!({"a": {"type": "integer"}, "xs": {"type": "array", "items": {"type": "string"}}}), &["a"]);
        let ans = json!([{"f": {"a": [1], "xs": [["x"], ""]}}]);
        assert_eq!(check_row(&[t.clone()], &ans, &[call("f", json!({"a": 1}))], "simple_python"), Ok(()));
        assert_eq!(check_row(&[t.clone()], &ans, &[call("f", json!({"a": 1, "xs": ["X"]}))], "simple_python"), Ok(()));
        assert_eq!(check_row(&[t], &ans, &[call("f", json!({"a": 1, "xs": []}))], "simple_python"), Ok(()));
    }

    #[test]
    fn dicts_one_level_deep() {
        let t = tool("book", json!({"opts": {"type": "object", "properties": {}}}), &["opts"]);
        let ans = json!([{"book": {"opts": [{"city": ["New York", "NYC"], "nights": [2], "breakfast": [true, ""]}]}}]);
        let run = |v: Value| check_row(&[t.clone()], &ans, &[call("book", json!({"opts": v}))], "simple_python");
        assert_eq!(run(json!({"city": "new york", "nights": 2})), Ok(()));
        assert_eq!(run(json!({"city": "NYC", "nights": 2, "breakfast": true})), Ok(()));
        assert!(run(json!({"city": "Boston", "nights": 2})).unwrap_err().contains("dict_value"));
        assert!(run(json!({"city": "NYC"})).unwrap_err().contains("Missing dict key"));
        assert!(run(json!({"city": "NYC", "nights": 2, "pets": 1})).unwrap_err().contains("Unexpected dict key"));
        assert!(run(json!("NYC")).is_err());
    }

    #[test]
    fn list_of_dicts_in_order() {
        let t = tool("f", json!({"rows": {"type": "array", "items": {"type": "object"}}}), &["rows"]);
        let ans = json!([{"f": {"rows": [[{"k": ["a"]}, {"k": ["b"]}]]}}]);
        let run = |v: Value| check_row(&[t.clone()], &ans, &[call("f", json!({"rows": v}))], "simple_python");
        assert_eq!(run(json!([{"k": "A"}, {"k": "b"}])), Ok(()));
        assert!(run(json!([{"k": "b"}, {"k": "a"}])).is_err());
        assert!(run(json!([{"k": "a"}])).is_err());
    }

    #[test]
    fn enum_and_boolean_values() {
        let t = tool("f", json!({"mode": {"type": "string", "enum": ["fast", "slow"]}, "on": {"type": "boolean"}}), &["mode", "on"]);
        let ans = json!([{"f": {"mode": ["fast"], "on": [true]}}]);
        assert_eq!(check_row(&[t.clone()], &ans, &[call("f", json!({"mode": "FAST", "on": true}))], "simple_python"), Ok(()));
        assert!(check_row(&[t.clone()], &ans, &[call("f", json!({"mode": "fast", "on": 1}))], "simple_python").is_err());
        assert!(check_row(&[t], &ans, &[call("f", json!({"mode": "fast", "on": "true"}))], "simple_python").is_err());
    }

    #[test]
    fn simple_needs_exactly_one_call() {
        let r = check_row(&[area_tool()], &area_answer(), &[], "simple_python");
        assert!(r.unwrap_err().contains("wrong_count"));
        let c = call("calc.area", json!({"base": 10, "height": 5}));
        assert!(check_row(&[area_tool()], &area_answer(), &[c.clone(), c], "live_simple").is_err());
    }

    #[test]
    fn arguments_as_json_string_and_bad_format() {
        let c = json!({"name": "calc.area", "arguments": "{\"base\": 10, \"height\": 5}"});
        assert_eq!(check_row(&[area_tool()], &area_answer(), &[c], "simple_python"), Ok(()));
        let bad = json!({"name": "calc.area", "arguments": [10, 5]});
        assert!(check_row(&[area_tool()], &area_answer(), &[bad], "simple_python").unwrap_err().contains("decoder"));
    }

    fn weather_tools() -> Vec<Value> {
        vec![
            tool("get_weather", json!({"city": {"type": "string"}, "unit": {"type": "string"}}), &["city"]),
            tool("get_time", json!({"city": {"type": "string"}}), &["city"]),
        ]
    }

    #[test]
    fn multiple_checks_against_answer_function() {
        let ans = json!([{"get_time": {"city": ["Tokyo"]}}]);
        assert_eq!(check_row(&weather_tools(), &ans, &[call("get_time", json!({"city": "tokyo"}))], "multiple"), Ok(()));
        assert!(check_row(&weather_tools(), &ans, &[call("get_weather", json!({"city": "Tokyo"}))], "multiple")
            .unwrap_err()
            .contains("wrong_func_name"));
        assert!(check_row(&weather_tools(), &ans, &[], "live_multiple").unwrap_err().contains("wrong_count"));
    }

    #[test]
    fn parallel_same_count_any_order() {
        let ans = json!([
            {"get_weather": {"city": ["Paris"], "unit": ["celsius", ""]}},
            {"get_weather": {"city": ["London"], "unit": ["celsius", ""]}},
            {"get_time": {"city": ["Paris"]}}
        ]);
        let a = call("get_weather", json!({"city": "London"}));
        let b = call("get_time", json!({"city": "Paris"}));
        let c = call("get_weather", json!({"city": "paris", "unit": "Celsius"}));
        for cat in ["parallel", "parallel_multiple", "live_parallel", "live_parallel_multiple"] {
            assert_eq!(check_row(&weather_tools(), &ans, &[a.clone(), b.clone(), c.clone()], cat), Ok(()));
            assert_eq!(check_row(&weather_tools(), &ans, &[c.clone(), a.clone(), b.clone()], cat), Ok(()));
            // too few / too many
            assert!(check_row(&weather_tools(), &ans, &[a.clone(), b.clone()], cat).unwrap_err().contains("wrong_count"));
            let d = call("get_time", json!({"city": "Rome"}));
            assert!(check_row(&weather_tools(), &ans, &[a.clone(), b.clone(), c.clone(), d.clone()], cat).is_err());
            // right count, one wrong
            assert!(check_row(&weather_tools(), &ans, &[a.clone(), d, c.clone()], cat).unwrap_err().contains("cannot_find_match"));
            // duplicates cannot satisfy two answers
            assert!(check_row(&weather_tools(), &ans, &[a.clone(), a.clone(), b.clone()], cat).is_err());
        }
    }

    #[test]
    fn irrelevance_passes_only_without_calls() {
        for cat in ["irrelevance", "live_irrelevance"] {
            assert_eq!(check_row(&weather_tools(), &json!([]), &[], cat), Ok(()));
            let r = check_row(&weather_tools(), &json!([]), &[call("get_time", json!({"city": "x"}))], cat);
            assert!(r.unwrap_err().contains("irrelevance"));
        }
    }

    #[test]
    fn relevance_passes_with_any_call() {
        assert_eq!(check_row(&weather_tools(), &json!([]), &[call("get_time", json!({"city": "whatever"}))], "live_relevance"), Ok(()));
        assert!(check_row(&weather_tools(), &json!([]), &[], "live_relevance").unwrap_err().contains("relevance_error"));
    }

    #[test]
    fn python_equality_semantics() {
        assert!(py_eq(&json!(1), &json!(1.0)));
        assert!(py_eq(&json!(true), &json!(1)));
        assert!(!py_eq(&json!("1"), &json!(1)));
        assert!(py_eq(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert_eq!(py_type(&json!(1)), PyType::Int);
        assert_eq!(py_type(&json!(1.0)), PyType::Float);
    }

    #[test]
    fn accumulator_macro_and_micro() {
        let mut acc = Accumulator::new();
        for _ in 0..3 {
            acc.add("simple_python", true);
        }
        acc.add("simple_python", false);
        acc.add("irrelevance", false);
        let cats = acc.categories();
        assert_eq!(cats[0].category, "simple_python");
        assert_eq!((cats[0].correct, cats[0].total), (3, 4));
        assert!((acc.macro_accuracy() - 0.375).abs() < 1e-12); // (0.75 + 0) / 2
        assert!((acc.micro_accuracy() - 0.6).abs() < 1e-12); // 3 / 5
        let j = acc.to_json();
        assert_eq!(j["overall"]["total"], 5);
        assert!(acc.table().contains("overall (macro)"));
        assert_eq!(Accumulator::new().micro_accuracy(), 0.0);
    }
}
