//! What the cross-encoder reads for one (request, tool) pair (docs/model-format.md), piece for
//! piece as `scripts/pipeline/sequence.py` builds it (goldens: `tests/golden/sequence.jsonl`):
//!
//! `[CLS] request [SEP] name : description [SEP] [P] param 1 text [P] param 2 text ... [SEP]`

use anyhow::{anyhow, Result};
use serde_json::Value;
use tokenizers::Tokenizer;

pub const CLS: u32 = 101;
pub const SEP: u32 = 102;
/// `[unused0]`: the parameter marker.
pub const PARAM: u32 = 1;
pub const MAX_REQUEST: usize = 96;
pub const MAX_HEADER: usize = 40;
pub const MAX_PARAM_TEXT: usize = 28;
pub const MAX_MEMBERS: usize = 24;
pub const MAX_MEMBER: usize = 6;
pub const MAX_PARAMS: usize = 24;
pub const MAX_DEFAULT: usize = 6;
pub const MAX_LEN: usize = 384;
pub const MAX_TOOL_LINE: usize = 62;

/// One fillable parameter: a top-level property, or a nested object's property (dotted path).
#[derive(Debug, Clone)]
pub struct Param {
    pub path: String,
    pub schema: Value,
    pub required: bool,
    pub kind: String,
    /// Enum members (of the items, for an array), at most `MAX_MEMBERS`.
    pub members: Vec<Value>,
}

/// The schema's type: the first that is not "null" of a list; "any" without one.
pub fn kind_of(schema: &Value) -> String {
    match schema.get("type") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("any").to_string(),
        Some(other) if !other.is_null() => other.to_string(),
        _ => "any".to_string(),
    }
}

/// Parameters in property order, a nested object's properties in its place (depth first); an
/// object with properties is not itself a parameter.
pub fn params_of(parameters: &Value) -> Vec<Param> {
    fn walk(schema: &Value, prefix: &str, out: &mut Vec<Param>) {
        let required: Vec<&str> =
            schema.get("required").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let Some(props) = schema.get("properties").and_then(Value::as_object) else { return };
        for (key, sub) in props {
            if !sub.is_object() {
                continue;
            }
            let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            let kind = kind_of(sub);
            if kind == "object" && sub.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty()) {
                walk(sub, &path, out);
                continue;
            }
            let items = sub.get("items").filter(|i| i.is_object());
            let enumeration = match sub.get("enum") {
                Some(Value::Array(a)) => Some(a),
                _ => items.and_then(|i| i.get("enum")).and_then(Value::as_array),
            };
            let members = enumeration.map(|a| a.iter().take(MAX_MEMBERS).cloned().collect()).unwrap_or_default();
            out.push(Param { path, schema: sub.clone(), required: required.contains(&key.as_str()), kind, members });
        }
    }
    let mut out = Vec::new();
    walk(parameters, "", &mut out);
    out.truncate(MAX_PARAMS);
    out
}

fn dumps(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

pub fn member_text(m: &Value) -> String {
    m.as_str().map(str::to_string).unwrap_or_else(|| dumps(m))
}

/// `name (type, required): description`.
pub fn param_text(p: &Param) -> String {
    let mut kind = p.kind.clone();
    if let Some(items) = p.schema.get("items").filter(|i| i.is_object()) {
        if kind == "array" && items.get("type").is_some_and(|t| !t.is_null()) {
            kind = format!("array of {}", kind_of(items));
        }
    }
    let mut text = format!("{} ({kind}{})", p.path, if p.required { ", required" } else { "" });
    if let Some(d) = p.schema.get("description").and_then(Value::as_str).map(str::trim).filter(|d| !d.is_empty()) {
        text.push_str(": ");
        text.push_str(d);
    }
    text
}

/// One encoded (request, tool) pair.
#[derive(Debug, Clone)]
pub struct Pair {
    pub ids: Vec<u32>,
    /// Byte offsets in the request of its pieces (the first `MAX_REQUEST`).
    pub request_offsets: Vec<(usize, usize)>,
    /// Sequence position of the request's first piece.
    pub request_start: usize,
    /// Sequence position of each shown parameter's marker.
    pub param_pos: Vec<usize>,
    /// The shown parameters (`param_pos`'s order).
    pub params: Vec<Param>,
    /// Per shown parameter: each enum member's sequence span `[start, end)`.
    pub member_spans: Vec<Vec<(usize, usize)>>,
}

/// Text handed to the tokenizer is cut to this many bytes first: the model reads at most a few
/// hundred pieces of any text, and tokenizing a 10 MB description or a 1 MiB pipe line whole
/// took gigabytes (docs/reliability.md). WordPiece splits at whitespace and punctuation, so the
/// pieces before the cut are the same as the whole text's.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

/// The first `MAX_TEXT_BYTES` of `text`, cut back to a character boundary.
fn capped(text: &str) -> &str {
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    let mut cut = MAX_TEXT_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

fn pieces(tok: &Tokenizer, text: &str, cap: usize) -> Result<Vec<u32>> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let enc = tok.encode(capped(text), false).map_err(|e| anyhow!("tokenizer: {e}"))?;
    Ok(enc.get_ids().iter().take(cap).copied().collect())
}

/// The request's pieces and their byte offsets (at most `MAX_REQUEST`), and whether it was cut.
pub fn request_pieces(tok: &Tokenizer, request: &str) -> Result<(Vec<u32>, Vec<(usize, usize)>, bool)> {
    let enc = tok.encode(capped(request), false).map_err(|e| anyhow!("tokenizer: {e}"))?;
    let n = enc.get_ids().len().min(MAX_REQUEST);
    let cut = enc.get_ids().len() > n || request.len() > MAX_TEXT_BYTES;
    Ok((enc.get_ids()[..n].to_vec(), enc.get_offsets()[..n].to_vec(), cut))
}

/// The tool's part of the sequence (everything after the request's `[SEP]`), with positions
/// in the whole sequence (they depend on the request's length).
#[derive(Debug, Clone)]
pub struct ToolSegment {
    pub ids: Vec<u32>,
    pub params: Vec<Param>,
    pub param_pos: Vec<usize>,
    pub member_spans: Vec<Vec<(usize, usize)>>,
}

/// A tool's segment tokenized once, before it is laid after a request: the header and, per
/// parameter, its marker and text with its members' spans relative to the marker. A tool is
/// read again for every request it is shortlisted for (pipe, REPL); tokenizing it each time
/// cost about 0.4 ms of a 14.5 ms line at 20 tools (`needle bench`, docs/performance.md).
#[derive(Debug, Clone)]
pub struct ToolPieces {
    /// `name: description` and its `[SEP]`.
    header: Vec<u32>,
    /// (parameter, `[P]` + its text, its members' spans within that).
    params: Vec<(Param, Vec<u32>, Vec<(usize, usize)>)>,
}

impl ToolPieces {
    pub fn new(tok: &Tokenizer, name: &str, description: &str, parameters: &Value) -> Result<ToolPieces> {
        let header_text = format!("{name}: {}", description.trim());
        let mut header = pieces(tok, &header_text, MAX_HEADER)?;
        header.push(SEP);
        let mut params = Vec::new();
        for p in params_of(parameters) {
            let mut seg = vec![PARAM];
            seg.extend(pieces(tok, &param_text(&p), MAX_PARAM_TEXT)?);
            let mut spans = Vec::new();
            if !p.members.is_empty() {
                seg.extend(pieces(tok, "; one of:", 8)?);
                for (i, m) in p.members.iter().enumerate() {
                    if i > 0 {
                        seg.extend(pieces(tok, ",", 1)?);
                    }
                    let mut piece = pieces(tok, &member_text(m), MAX_MEMBER)?;
                    if piece.is_empty() {
                        piece = pieces(tok, "empty", 1)?;
                    }
                    spans.push((seg.len(), seg.len() + piece.len()));
                    seg.extend(piece);
                }
            }
            if let Some(d) = p.schema.get("default") {
                seg.extend(pieces(tok, "; default", 4)?);
                seg.extend(pieces(tok, &dumps(d), MAX_DEFAULT)?);
            }
            params.push((p, seg, spans));
        }
        Ok(ToolPieces { header, params })
    }

    /// The segment as it follows a request of `request_len` pieces (the length decides how
    /// many parameters fit in `MAX_LEN`).
    pub fn segment(&self, request_len: usize) -> ToolSegment {
        let base_len = 1 + request_len + 1; // [CLS] request [SEP]
        let mut ids = self.header.clone();
        let (mut params, mut param_pos, mut member_spans) = (Vec::new(), Vec::new(), Vec::new());
        for (p, seg, spans) in &self.params {
            if base_len + ids.len() + seg.len() + 1 > MAX_LEN {
                break;
            }
            let at = base_len + ids.len();
            param_pos.push(at);
            member_spans.push(spans.iter().map(|(a, b)| (at + a, at + b)).collect());
            params.push(p.clone());
            ids.extend(seg);
        }
        ids.push(SEP);
        ToolSegment { ids, params, param_pos, member_spans }
    }
}

/// The tool's segment as it follows a request of `request_len` pieces.
pub fn tool_segment(tok: &Tokenizer, name: &str, description: &str, parameters: &Value, request_len: usize) -> Result<ToolSegment> {
    Ok(ToolPieces::new(tok, name, description, parameters)?.segment(request_len))
}

/// The whole pair (the Python side's `encode_pair`).
pub fn encode_pair(tok: &Tokenizer, request: &str, name: &str, description: &str, parameters: &Value) -> Result<Pair> {
    let (req, offsets, _) = request_pieces(tok, request)?;
    let seg = tool_segment(tok, name, description, parameters, req.len())?;
    let mut ids = Vec::with_capacity(2 + req.len() + seg.ids.len());
    ids.push(CLS);
    ids.extend(&req);
    ids.push(SEP);
    ids.extend(&seg.ids);
    Ok(Pair {
        ids,
        request_offsets: offsets,
        request_start: 1,
        param_pos: seg.param_pos,
        params: seg.params,
        member_spans: seg.member_spans,
    })
}

/// A tool for the bi-encoder: `name: description | param, param, ...`.
pub fn tool_line(name: &str, description: &str, parameters: &Value) -> String {
    let names: Vec<String> = params_of(parameters).into_iter().map(|p| p.path).collect();
    format!("{name}: {} | {}", description.trim(), names.join(", "))
}

pub fn request_ids(tok: &Tokenizer, request: &str) -> Result<Vec<u32>> {
    let mut ids = vec![CLS];
    ids.extend(pieces(tok, request, MAX_REQUEST)?);
    ids.push(SEP);
    Ok(ids)
}

pub fn tool_line_ids(tok: &Tokenizer, name: &str, description: &str, parameters: &Value) -> Result<Vec<u32>> {
    let mut ids = vec![CLS];
    ids.extend(pieces(tok, &tool_line(name, description, parameters), MAX_TOOL_LINE)?);
    ids.push(SEP);
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_at_a_character_boundary() {
        assert_eq!(capped("short"), "short");
        // A two-byte character straddling the cut: cut before it.
        let text = format!("{}é{}", "a".repeat(MAX_TEXT_BYTES - 1), "b".repeat(100));
        let cut = capped(&text);
        assert_eq!(cut.len(), MAX_TEXT_BYTES - 1);
        assert!(cut.chars().all(|c| c == 'a'));
    }
}
