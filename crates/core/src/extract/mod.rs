//! Model format 4: arguments by extraction (docs/model-format.md §8). A fine-tuned MiniLM reads
//! the request with one tool and its parameters (`sequence`), and its heads point: how many
//! calls, per parameter a status, spans of the request, enum members (`model`); the engine turns
//! what they point at into calls through the value normaliser (`engine`, `crate::values`).

pub mod engine;
pub mod model;
pub mod sequence;

pub use engine::ExtractEngine;
pub use model::FORMAT_VERSION;
