//! Schema-constrained decoding: every call valid by construction.
//!
//! A [`Grammar`] is compiled once per tool set from the normalised tools
//! (`{name, description, parameters}`). It describes the output language of
//! `docs/model-format.md` §4 — one compact JSON array of `{"name":..,"arguments":{..}}` objects —
//! restricted so that every name is a loaded tool and every `arguments` object follows its
//! tool's `parameters` schema (see `docs/constrained-decoding.md` for what is and is not
//! enforced).
//!
//! A [`ConstraintState`] is created per query. It is a pushdown matcher advanced byte by byte:
//! a small stack of [`Frame`]s (one per open JSON value), or several stacks while an
//! `anyOf`/`oneOf` is still ambiguous. States are cheap to clone (`clone_from` reuses buffers),
//! which is what the vocabulary walk relies on.
//!
//! A [`VocabTrie`] holds the decoded bytes of every (non-special) token in a byte trie, built
//! once per tokenizer. [`ConstraintState::allowed_tokens`] walks the trie with the grammar
//! state, pruning every subtree whose prefix the grammar rejects; inside free string content it
//! instead uses a per-token precomputed classification (almost every token is allowed there),
//! stepping the grammar only for tokens that close the string.
//!
//! [`ConstraintState::forced_bytes`] returns the continuation the grammar forces (the rest of
//! a unique tool name, `","arguments":{"`, closing sequences), for jump-forward decoding.
//!
//! Files: `grammar` (compiler), `matcher` (string, number and stack states), `vocab` (token trie),
//! `step` (the byte step of a stack), `filter` (per-line state and the logits filter).

mod filter;
mod grammar;
mod matcher;
mod step;
#[cfg(test)]
mod tests;
mod vocab;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value};

use grammar::*;
use matcher::*;
use vocab::*;

pub use filter::{ConstraintState, RootPhase, SchemaFilter};
pub use grammar::{uncallable, Grammar, GrammarOptions, MAX_MINIMAL_CALL_BYTES, MAX_SCHEMA_DEPTH};
pub use vocab::{byte_level_decoder, VocabTrie};

/// Default cap on a string's content, in bytes as written in JSON (escapes count in full).
pub const MAX_STRING_BYTES: u16 = 256;
/// Default cap on a number literal's length in characters (sign, digits, `.`, exponent).
pub const MAX_NUMBER_CHARS: u8 = 20;
/// Exponent digits are capped so that every number parses as a finite f64.
const MAX_EXP_DIGITS: u8 = 2;
/// Frames in one stack; deeper free-form (`Any`) objects/arrays are refused.
const MAX_DEPTH: usize = 32;
/// Alternative stacks kept while a union is ambiguous (extra ones are dropped; what is kept
/// stays valid).
const MAX_STACKS: usize = 16;
/// Properties tracked per object schema (the first 64 are usable).
const MAX_PROPS: usize = 64;
const NONE: u32 = u32::MAX;
/// Significant digits of a bounded number (its value is then exact in f64 arithmetic).
const MAX_SIG_DIGITS: i32 = 15;
const MAX_SIG_MANT: u64 = 999_999_999_999_999;

// Fixed node ids.
const NEVER: u32 = 0;
const ANY: u32 = 1;
const STR: u32 = 2;
const BOOL: u32 = 3;
const NULL: u32 = 4;
const ANY_NUM: u32 = 5;
const ANY_ARR: u32 = 6;
const FREE_OBJ: u32 = 7;
const TRUE_FALSE_NULL: u32 = 8; // true / false / null (scalars of Any other than strings and numbers)
const CALLS: u32 = 9; // one call object of the output array
