//! The OpenAI chat-completions wire format, as far as tool calling needs it: reading a request
//! (the last user message, `tools`, `tool_choice`, the fields needle cannot honour) and writing
//! a completion, its streamed chunks and errors. Shapes follow
//! https://platform.openai.com/docs/api-reference/chat.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// An error as OpenAI's API writes it: `{"error": {"message", "type", "param", "code"}}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub kind: &'static str,
    pub param: Option<String>,
    pub code: Option<&'static str>,
    /// Seconds, for a 503.
    pub retry_after: Option<u32>,
}

impl ApiError {
    /// A 400 about a request field.
    pub fn invalid(param: &str, message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, message: message.into(), kind: "invalid_request_error", param: Some(param.into()), code: None, retry_after: None }
    }

    pub fn new(status: StatusCode, kind: &'static str, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), kind, param: None, code: Some(code), retry_after: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}});
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            response.headers_mut().insert("retry-after", s.into());
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert("www-authenticate", axum::http::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// What needle takes from a chat-completions request.
#[derive(Debug)]
pub struct ChatRequest {
    /// The text of the last user message.
    pub query: String,
    /// The request's `tools` (OpenAI function format), when it brings any.
    pub tools: Option<Vec<Value>>,
    pub tool_choice: ToolChoice,
    pub stream: bool,
    pub include_usage: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ToolChoice {
    Auto,
    None,
    Required,
    Function(String),
}

/// Reads a chat-completions body. Unknown fields are ignored; fields that ask for something
/// needle does not do (`n` > 1, `logprobs`) are errors naming them.
pub fn parse_chat(body: &Value) -> Result<ChatRequest, ApiError> {
    let Value::Object(obj) = body else {
        return Err(ApiError::invalid("", "the request body must be a JSON object"));
    };
    if let Some(n) = obj.get("n").filter(|v| !v.is_null()) {
        if n.as_u64() != Some(1) {
            return Err(ApiError::invalid("n", format!("n = {n}: needle answers one choice per request (n must be 1)")));
        }
    }
    for field in ["logprobs", "top_logprobs"] {
        if obj.get(field).is_some_and(|v| !(v.is_null() || *v == Value::Bool(false))) {
            return Err(ApiError::invalid(field, format!("{field}: needle does not report log probabilities")));
        }
    }
    let messages = obj
        .get("messages")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::invalid("messages", "messages: an array of messages is required"))?;
    let query = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map(message_text)
        .ok_or_else(|| ApiError::invalid("messages", "messages: there is no user message to answer"))?;
    if query.trim().is_empty() {
        return Err(ApiError::invalid("messages", "messages: the last user message is empty"));
    }
    let tools = match obj.get("tools") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) if list.is_empty() => None,
        Some(Value::Array(list)) => Some(list.clone()),
        Some(_) => return Err(ApiError::invalid("tools", "tools: must be an array of tools")),
    };
    let tool_choice = match obj.get("tool_choice") {
        None | Some(Value::Null) => ToolChoice::Auto,
        Some(Value::String(s)) => match s.as_str() {
            "auto" => ToolChoice::Auto,
            "none" => ToolChoice::None,
            "required" => ToolChoice::Required,
            other => return Err(ApiError::invalid("tool_choice", format!("tool_choice \"{other}\": expected \"auto\", \"none\", \"required\" or a function"))),
        },
        Some(v) => match v.pointer("/function/name").and_then(Value::as_str) {
            Some(name) => ToolChoice::Function(name.to_string()),
            None => return Err(ApiError::invalid("tool_choice", "tool_choice: expected {\"type\": \"function\", \"function\": {\"name\": ...}}")),
        },
    };
    let stream = match obj.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::invalid("stream", "stream: must be true or false")),
    };
    let include_usage = body.pointer("/stream_options/include_usage").and_then(Value::as_bool).unwrap_or(false);
    Ok(ChatRequest { query, tools, tool_choice, stream, include_usage })
}

/// A message's text: a string, or the text parts of a list of content parts.
fn message_text(message: &Value) -> String {
    match message.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// One answer, ready to be written whole or as chunks.
pub struct Completion {
    pub id: String,
    pub created: u64,
    pub model: String,
    /// `{"name", "arguments"}` as needle prints them.
    pub calls: Vec<Value>,
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
}

impl Completion {
    fn tool_calls(&self) -> Vec<Value> {
        self.calls
            .iter()
            .enumerate()
            .map(|(i, call)| {
                json!({
                    "id": format!("call_{}_{i}", self.id.trim_start_matches("chatcmpl-")),
                    "type": "function",
                    "function": {
                        "name": call["name"],
                        "arguments": call.get("arguments").map_or("{}".into(), Value::to_string),
                    }
                })
            })
            .collect()
    }

    fn finish_reason(&self) -> &'static str {
        if self.calls.is_empty() {
            "stop"
        } else {
            "tool_calls"
        }
    }

    fn usage(&self) -> Value {
        json!({"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
               "total_tokens": self.prompt_tokens + self.completion_tokens})
    }

    /// The `chat.completion` object.
    pub fn to_json(&self) -> Value {
        let mut message = Map::new();
        message.insert("role".into(), json!("assistant"));
        if self.calls.is_empty() {
            message.insert("content".into(), json!(""));
        } else {
            message.insert("content".into(), Value::Null);
            message.insert("tool_calls".into(), Value::Array(self.tool_calls()));
        }
        json!({
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": self.finish_reason()}],
            "usage": self.usage(),
        })
    }

    /// The same answer as `chat.completion.chunk` objects: the role, one chunk per call (or an
    /// empty content), the finish reason, and the usage when asked for.
    pub fn chunks(&self, include_usage: bool) -> Vec<Value> {
        let chunk = |delta: Value, finish: Value| {
            json!({"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                   "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]})
        };
        let mut out = vec![chunk(json!({"role": "assistant", "content": if self.calls.is_empty() { json!("") } else { Value::Null }}), Value::Null)];
        for (i, mut call) in self.tool_calls().into_iter().enumerate() {
            call["index"] = json!(i);
            out.push(chunk(json!({"tool_calls": [call]}), Value::Null));
        }
        out.push(chunk(json!({}), json!(self.finish_reason())));
        if include_usage {
            out.push(json!({"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                            "choices": [], "usage": self.usage()}));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_user_message_is_the_request_and_unsupported_fields_are_named() {
        let body = json!({"model": "x", "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": [{"type": "text", "text": "dim the kitchen"}]}],
            "tool_choice": {"type": "function", "function": {"name": "set_lights"}}, "temperature": 0.2});
        let req = parse_chat(&body).unwrap();
        assert_eq!(req.query, "dim the kitchen");
        assert_eq!(req.tool_choice, ToolChoice::Function("set_lights".into()));
        let err = parse_chat(&json!({"messages": [{"role": "user", "content": "hi"}], "n": 2})).unwrap_err();
        assert_eq!((err.status, err.param.as_deref()), (StatusCode::BAD_REQUEST, Some("n")));
        let err = parse_chat(&json!({"messages": [{"role": "user", "content": "hi"}], "logprobs": true})).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("logprobs"));
        assert!(parse_chat(&json!({"messages": [{"role": "system", "content": "hi"}]})).is_err());
    }

    #[test]
    fn a_completion_carries_arguments_as_a_json_string() {
        let c = Completion { id: "chatcmpl-1".into(), created: 0, model: "m".into(),
                             calls: vec![json!({"name": "f", "arguments": {"a": 1}})], prompt_tokens: 3, completion_tokens: 2 };
        let v = c.to_json();
        assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(v["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], "{\"a\":1}");
        assert_eq!(v["usage"]["total_tokens"], 5);
        let chunks = c.chunks(true);
        assert_eq!(chunks.len(), 4);
        assert_eq!(chunks[1]["choices"][0]["delta"]["tool_calls"][0]["index"], 0);
    }
}
