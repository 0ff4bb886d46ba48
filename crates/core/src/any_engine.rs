//! The engine the CLI drives: a model of format 2 (`engine/`, the encoder-decoder with its own
//! BPE tokenizer) or of format 3 (`copy_engine.rs`, MiniLM and the copy decoder), chosen by the
//! model directory's manifest. The run modes (one-shot, pipe, REPL, eval) use only what both
//! formats have (`needle bench` measures each in its own way); `--force-output` needs format 2
//! and says so.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::copy_engine::CopyEngine;
use crate::extract::ExtractEngine;
use crate::decode::{EncodeStats, Prediction};
use crate::engine::{Engine, EngineOptions};
use crate::model::Device;
use crate::tools::Tool;

pub enum AnyEngine {
    Seq2Seq(Box<Engine>),
    Copy(Box<CopyEngine>),
    Extract(Box<ExtractEngine>),
}

/// The `format_version` of a model directory's manifest (0 when it has none).
pub fn format_version(dir: &Path) -> Result<u64> {
    let path = dir.join("needle.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let v: Value = serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    Ok(v.get("format_version").and_then(Value::as_u64).unwrap_or(0))
}

impl AnyEngine {
    pub fn load(dir: &Path, opts: &EngineOptions) -> Result<AnyEngine> {
        Ok(match format_version(dir)? {
            crate::extract::FORMAT_VERSION => {
                let context = crate::values::Context::from_env().map_err(|e| crate::InputError(format!("NEEDLE_TODAY: {e}")))?;
                AnyEngine::Extract(Box::new(ExtractEngine::load(dir, &opts.model, context)?))
            }
            crate::copy_model::FORMAT_VERSION => {
                let mut e = CopyEngine::load(dir, &opts.model)?;
                e.set_constrained(!opts.no_constrain);
                if let Some(n) = opts.max_output_tokens {
                    e.set_max_actions(n);
                }
                AnyEngine::Copy(Box::new(e))
            }
            _ => AnyEngine::Seq2Seq(Box::new(Engine::load(dir, opts)?)),
        })
    }

    pub fn name(&self) -> &str {
        match self {
            AnyEngine::Seq2Seq(e) => &e.model.manifest.name,
            AnyEngine::Copy(e) => &e.model.manifest.name,
            AnyEngine::Extract(e) => &e.model.manifest.name,
        }
    }

    /// How many tokens the model's tokenizer makes of `text` (OpenAI-style `usage`).
    pub fn count_tokens(&self, text: &str) -> usize {
        let tokenizer = match self {
            AnyEngine::Seq2Seq(e) => &e.model.tokenizer,
            AnyEngine::Copy(e) => &e.model.tokenizer,
            AnyEngine::Extract(e) => &e.model.tokenizer,
        };
        tokenizer.encode(text, false).map_or(0, |enc| enc.len())
    }

    pub fn device(&self) -> Device {
        match self {
            AnyEngine::Seq2Seq(e) => e.model.device,
            AnyEngine::Copy(e) => e.model.device,
            AnyEngine::Extract(e) => e.model.device,
        }
    }

    pub fn last_encode(&self) -> EncodeStats {
        match self {
            AnyEngine::Seq2Seq(e) => e.last_encode,
            AnyEngine::Copy(e) => e.last_encode,
            AnyEngine::Extract(e) => e.last_encode,
        }
    }

    /// Why the tool cache is not used, when it is not (format 3 has none yet).
    pub fn tool_cache_problem(&self) -> Option<String> {
        match self {
            AnyEngine::Seq2Seq(e) => e.tool_cache.as_ref().and_then(|c| c.problem.clone()),
            AnyEngine::Copy(_) => Some("format 3 models have no tool cache yet".into()),
            AnyEngine::Extract(_) => Some("format 4 models have no tool cache yet".into()),
        }
    }

    pub fn constrained(&self) -> bool {
        match self {
            AnyEngine::Seq2Seq(e) => e.constrained(),
            AnyEngine::Copy(e) => e.constrained(),
            // Every value is a span, a member or a normalised literal: nothing to constrain.
            AnyEngine::Extract(_) => false,
        }
    }

    pub fn jump_forward(&self) -> bool {
        match self {
            AnyEngine::Seq2Seq(e) => e.jump_forward(),
            AnyEngine::Copy(_) => true,
            AnyEngine::Extract(_) => false,
        }
    }

    pub fn set_jump_forward(&mut self, on: bool) {
        if let AnyEngine::Seq2Seq(e) = self {
            e.set_jump_forward(on);
        }
    }

    pub fn tools(&self) -> Box<dyn Iterator<Item = &Tool> + '_> {
        match self {
            AnyEngine::Seq2Seq(e) => Box::new(e.tools()),
            AnyEngine::Copy(e) => Box::new(e.tools()),
            AnyEngine::Extract(e) => Box::new(e.tools()),
        }
    }

    pub fn set_tools(&mut self, tools: Vec<Tool>) -> Result<()> {
        match self {
            AnyEngine::Seq2Seq(e) => e.set_tools(tools),
            AnyEngine::Copy(e) => e.set_tools(tools),
            AnyEngine::Extract(e) => e.set_tools(tools),
        }
    }

    pub fn add_tools(&mut self, tools: Vec<Tool>) -> Result<()> {
        if let AnyEngine::Seq2Seq(e) = self {
            return e.add_tools(tools);
        }
        // Formats 3 and 4 encode each tool once and keep a tool already loaded as it is.
        let mut all: Vec<Tool> = self.tools().cloned().collect();
        all.extend(tools);
        self.set_tools(all)
    }

    pub fn remove_tool(&mut self, name: &str) -> Result<bool> {
        if let AnyEngine::Seq2Seq(e) = self {
            return e.remove_tool(name);
        }
        let rest: Vec<Tool> = self.tools().filter(|t| t.name != name).cloned().collect();
        if rest.len() == self.tools().count() {
            return Ok(false);
        }
        self.set_tools(rest)?;
        Ok(true)
    }

    pub fn predict(&mut self, query: &str) -> Result<Prediction> {
        match self {
            AnyEngine::Seq2Seq(e) => e.predict(query),
            AnyEngine::Copy(e) => e.predict(query),
            AnyEngine::Extract(e) => e.predict(query),
        }
    }

    /// A prediction that never answers `[]` while a tool is loaded (`tool_choice: "required"`).
    /// Formats 3 and 4; a format 2 model says it cannot.
    pub fn predict_required(&mut self, query: &str) -> Result<Prediction> {
        match self {
            AnyEngine::Seq2Seq(_) => bail!("a call cannot be required of a format 2 model (formats 3 and 4 can)"),
            AnyEngine::Copy(e) => {
                e.require_call = true;
                let p = e.predict(query);
                e.require_call = false;
                p
            }
            AnyEngine::Extract(e) => {
                e.require_call = true;
                let p = e.predict(query);
                e.require_call = false;
                p
            }
        }
    }

    /// `--force-output` (teacher forcing through the format 2 engine's filter).
    pub fn predict_forced(&mut self, query: &str, text: &str) -> Result<Prediction> {
        match self {
            AnyEngine::Seq2Seq(e) => {
                let mut filter = crate::engine::ForcedOutput::new(e, text)?;
                e.predict_with(query, &mut filter)
            }
            AnyEngine::Copy(_) => bail!("--force-output needs a format 2 model (this one is format 3)"),
            AnyEngine::Extract(_) => bail!("--force-output needs a format 2 model (this one is format 4)"),
        }
    }
}
