//! Reading tool files: paths and directories, size caps, the document's tools with their
//! origins (`file#/pointer`).

use super::*;

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

pub(super) fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
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

pub(super) fn split_origin(origin: &str) -> (String, String) {
    match origin.rsplit_once('#') {
        Some((f, p)) => (f.to_string(), p.to_string()),
        None => (origin.to_string(), String::new()),
    }
}

/// A tool file larger than this is refused: the model reads at most a few hundred tokens of a
/// tool, and reading without a limit (`--tools /dev/zero`) would never end.
pub const MAX_TOOL_FILE_BYTES: u64 = 16 << 20;

/// The whole file, or an error when it is larger than `max` bytes (read no further than that).
pub(super) fn read_capped(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
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
