//! Finding the ONNX Runtime shared library (`ort` is built with `load-dynamic`).
//!
//! Search order (first hit wins):
//! 1. `--ort-lib PATH` (a file, or a directory holding the library);
//! 2. the `ORT_DYLIB_PATH` environment variable (same);
//! 3. beside the executable (also `lib/` beside it);
//! 4. the setup folder `.setup/onnxruntime/` made by `scripts/setup`, looked up from the
//!    executable's directory upwards (so `target/release/needle` finds the checkout's) and in
//!    the checkout the binary was built from ([`crate::checkout_dir`]);
//! 5. a Python `onnxruntime` package: `$VIRTUAL_ENV` and `.venv/` of those same directories,
//!    `lib/python3*/site-packages/onnxruntime/capi/`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

#[cfg(target_os = "windows")]
const NAMES: &[&str] = &["onnxruntime.dll"];
#[cfg(target_os = "macos")]
const NAMES: &[&str] = &["libonnxruntime.dylib"];
#[cfg(not(any(target_os = "windows", target_os = "macos")))]
const NAMES: &[&str] = &["libonnxruntime.so", "libonnxruntime.so.1"];

/// Library file in `dir`: the usual names, then any versioned `libonnxruntime.so.X.Y.Z`
/// (or `libonnxruntime.X.Y.Z.dylib`), the highest version first.
fn lib_in_dir(dir: &Path) -> Option<PathBuf> {
    for name in NAMES {
        let p = dir.join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    let mut versioned: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with("libonnxruntime.so.")
                        || (n.starts_with("libonnxruntime.") && n.ends_with(".dylib"))
                })
        })
        .collect();
    versioned.sort();
    versioned.pop()
}

fn from_user(p: &Path, what: &str) -> Result<PathBuf> {
    if p.is_dir() {
        match lib_in_dir(p) {
            Some(lib) => Ok(lib),
            None => bail!(
                "{what} {}: no ONNX Runtime library in this directory",
                p.display()
            ),
        }
    } else if p.is_file() {
        Ok(p.to_path_buf())
    } else {
        bail!("{what} {}: no such file", p.display())
    }
}

fn python_package_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for lib in ["lib", "lib64"] {
        let Ok(entries) = std::fs::read_dir(root.join(lib)) else {
            continue;
        };
        let mut pythons: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("python3"))
            })
            .collect();
        pythons.sort();
        for py in pythons.into_iter().rev() {
            out.push(py.join("site-packages/onnxruntime/capi"));
        }
    }
    out
}

/// The directories searched after the explicit choices, in order (for messages too).
pub fn candidate_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Some(dir) = &exe_dir {
        dirs.push(dir.clone());
        dirs.push(dir.join("lib"));
        roots.extend(dir.ancestors().take(4).map(Path::to_path_buf));
    }
    roots.push(crate::checkout_dir());
    for root in &roots {
        dirs.push(root.join(".setup/onnxruntime"));
    }
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV") {
        dirs.extend(python_package_dirs(Path::new(&venv)));
    }
    for root in &roots {
        dirs.extend(python_package_dirs(&root.join(".venv")));
    }
    dirs.dedup();
    dirs
}

/// Locates the library; a clear error (never a panic) when it is nowhere.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return from_user(p, "--ort-lib");
    }
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        return from_user(Path::new(&p), "ORT_DYLIB_PATH");
    }
    let dirs = candidate_dirs();
    for dir in &dirs {
        if let Some(lib) = lib_in_dir(dir) {
            return Ok(lib);
        }
    }
    let looked: Vec<String> = dirs.iter().map(|d| format!("  {}", d.display())).collect();
    bail!(
        "ONNX Runtime library ({}) not found. Run scripts/setup, or pass --ort-lib PATH, or set ORT_DYLIB_PATH.\nLooked in:\n{}",
        NAMES[0],
        looked.join("\n")
    )
}
