//! The byte matcher's states: the pushdown state ([`State`], a stack of [`Frame`]s per
//! alternative), free string content and the key order of objects.

use super::*;

/// Free string content state.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct StringState {
    /// Content bytes still allowed.
    pub(super) rem: u16,
    /// 0 none, 1 after `\`, 2..=5 inside `\uXXXX` after (esc-2) hex digits.
    pub(super) esc: u8,
    /// UTF-8 continuation bytes still needed, and the allowed range of the next one.
    pub(super) need: u8,
    pub(super) lo: u8,
    pub(super) hi: u8,
}

impl StringState {
    pub(super) fn new(rem: u16) -> StringState {
        StringState { rem, esc: 0, need: 0, lo: 0, hi: 0 }
    }

    /// Bytes needed to finish the escape / UTF-8 sequence in progress.
    pub(super) fn pending(&self) -> u16 {
        match self.esc {
            0 => self.need as u16,
            1 => 1,
            e => 6 - e as u16,
        }
    }

    pub(super) fn clean(&self) -> bool {
        self.esc == 0 && self.need == 0
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Out {
    Ok,
    /// Consumed; the value is complete (pop it).
    OkPop,
    Reject,
    /// Not consumed; the value was complete: pop it and give the byte to the parent.
    PopRefeed,
    /// Consumed by the parent's transition: a child value of this node starts with the byte.
    Start(u32),
}

pub(super) fn str_feed(s: &mut StringState, b: u8) -> Out {
    if s.esc == 1 {
        match b {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => s.esc = 0,
            b'u' if s.rem >= 5 => s.esc = 2,
            _ => return Out::Reject,
        }
        s.rem -= 1;
        return Out::Ok;
    }
    if s.esc >= 2 {
        let ok = match b {
            b'0'..=b'9' | b'a'..=b'c' | b'e' | b'f' | b'A'..=b'C' | b'E' | b'F' => true,
            b'd' | b'D' => s.esc != 2, // no surrogates (lone ones do not parse)
            _ => false,
        };
        if !ok {
            return Out::Reject;
        }
        s.esc = if s.esc == 5 { 0 } else { s.esc + 1 };
        s.rem -= 1;
        return Out::Ok;
    }
    if s.need > 0 {
        if b < s.lo || b > s.hi {
            return Out::Reject;
        }
        s.need -= 1;
        s.lo = 0x80;
        s.hi = 0xBF;
        s.rem -= 1;
        return Out::Ok;
    }
    match b {
        b'"' => return Out::OkPop,
        _ if s.rem == 0 => return Out::Reject,
        b'\\' => {
            if s.rem < 2 {
                return Out::Reject;
            }
            s.esc = 1;
        }
        0x00..=0x1F => return Out::Reject,
        0x20..=0x7F => {}
        _ => {
            let (need, lo, hi) = match b {
                0xC2..=0xDF => (1, 0x80, 0xBF),
                0xE0 => (2, 0xA0, 0xBF),
                0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF),
                0xED => (2, 0x80, 0x9F),
                0xF0 => (3, 0x90, 0xBF),
                0xF1..=0xF3 => (3, 0x80, 0xBF),
                0xF4 => (3, 0x80, 0x8F),
                _ => return Out::Reject,
            };
            if s.rem < need as u16 + 1 {
                return Out::Reject;
            }
            s.need = need;
            s.lo = lo;
            s.hi = hi;
        }
    }
    s.rem -= 1;
    Out::Ok
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Frame {
    /// The output's array; `calls` written so far.
    Root {
        at: RootAt,
        calls: u16,
    },
    /// One call object (`tool`: its tool once the name is complete).
    Call {
        at: CallAt,
        node: u32,
        tool: u32,
    },
    Lit {
        node: u32,
    },
    Str(StringState),
    /// A number. `mantissa` holds all digits read (saturating), `frac_len` the fraction digits, `exp_len`
    /// the exponent digits, `len` all characters.
    Num {
        node: u32,
        at: NumAt,
        neg: bool,
        len: u8,
        frac_len: u8,
        exp_len: u8,
        mantissa: u64,
    },
    /// An object of a schema; `key`: the key trie node while in a key; `last`: the index of the
    /// last key written (-1 before any).
    Obj {
        node: u32,
        at: ObjAt,
        last: i8,
        key: u32,
    },
    /// An object of any keys (its keys are strings, never `ObjAt::InKey`).
    FreeObj {
        at: ObjAt,
    },
    /// An array; `count` items so far.
    Arr {
        node: u32,
        at: ArrAt,
        count: u32,
    },
}

/// Where the output's array is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum RootAt {
    /// Nothing written.
    Start,
    /// After `[`.
    Open,
    /// After a call object.
    AfterCall,
    /// After `,`.
    AfterComma,
    /// After `]`.
    Closed,
}

/// Where a call object is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum CallAt {
    /// In the `{"name":..,"arguments":` prefix (the literal trie at `node`).
    Prefix,
    /// The prefix is complete: the arguments object comes next.
    Arguments,
    /// After the arguments: only `}` may follow.
    AfterArguments,
}

/// Where a number is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum NumAt {
    /// Nothing read yet.
    Start,
    /// After `-`.
    Minus,
    /// After a leading `0`.
    Zero,
    /// In the integer digits.
    Int,
    /// After `.`.
    Dot,
    /// In the fraction digits.
    Frac,
    /// After `e` / `E`.
    Exp,
    /// After the exponent's sign.
    ExpSign,
    /// In the exponent digits.
    ExpDigits,
}

/// Where an object is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum ObjAt {
    /// After `{`.
    Open,
    /// In a key (schema objects only).
    InKey,
    /// After a key.
    AfterKey,
    /// After `:`.
    AfterColon,
    /// After a value.
    AfterValue,
    /// After `,`.
    AfterComma,
}

/// Where an array is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum ArrAt {
    /// After `[`.
    Open,
    /// After an item.
    AfterItem,
    /// After `,`.
    AfterComma,
}

pub(super) fn above(last: i8) -> u64 {
    let s = (last as i32 + 1) as u32;
    if s >= 64 {
        0
    } else {
        !0u64 << s
    }
}

/// Keys that may come next after key `last` (keys are written in property order, and a
/// required key cannot be skipped).
pub(super) fn allowed_keys(keymask: u64, required: u64, last: i8) -> u64 {
    let ab = above(last);
    let req = required & ab;
    let upto = if req == 0 {
        !0
    } else {
        let i = req.trailing_zeros();
        if i == 63 {
            !0
        } else {
            (1u64 << (i + 1)) - 1
        }
    };
    keymask & ab & upto
}

pub(super) fn pow10(k: i32) -> f64 {
    10f64.powi(k)
}

/// Grammar state for one output line: one or more alternative stacks.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct State {
    pub(super) stacks: Vec<Vec<Frame>>,
}

impl Clone for State {
    fn clone(&self) -> Self {
        State { stacks: self.stacks.clone() }
    }
    fn clone_from(&mut self, other: &Self) {
        self.stacks.clone_from(&other.stacks);
    }
}

impl State {
    pub(super) fn new() -> State {
        State { stacks: vec![vec![Frame::Root { at: RootAt::Start, calls: 0 }]] }
    }

    /// Advances by one byte. On `false` the state is garbage (callers keep a copy).
    pub(super) fn step(&mut self, g: &Grammar, b: u8) -> bool {
        if self.stacks.len() == 1 {
            let mut forks = Vec::new();
            if !g.step_stack(&mut self.stacks[0], b, &mut forks) {
                return false;
            }
            if !forks.is_empty() {
                self.stacks.extend(forks);
                self.dedup();
            }
            return true;
        }
        let mut forks = Vec::new();
        let mut i = 0;
        while i < self.stacks.len() {
            if g.step_stack(&mut self.stacks[i], b, &mut forks) {
                i += 1;
            } else {
                self.stacks.swap_remove(i);
            }
        }
        self.stacks.extend(forks);
        self.dedup();
        !self.stacks.is_empty()
    }

    pub(super) fn dedup(&mut self) {
        let mut i = 1;
        while i < self.stacks.len() {
            if self.stacks[..i].contains(&self.stacks[i]) {
                self.stacks.swap_remove(i);
            } else {
                i += 1;
            }
        }
        self.stacks.truncate(MAX_STACKS);
    }

    pub(super) fn is_complete(&self) -> bool {
        self.stacks.iter().any(|s| matches!(s.as_slice(), [Frame::Root { at: RootAt::Closed, .. }]))
    }

    /// When every alternative is inside free string content at a clean point: the largest
    /// content budget left.
    pub(super) fn free_string_top(&self) -> Option<StringState> {
        let mut best: Option<StringState> = None;
        for st in &self.stacks {
            match st.last() {
                Some(Frame::Str(s)) if s.clean() => {
                    if best.is_none_or(|b| s.rem > b.rem) {
                        best = Some(*s);
                    }
                }
                _ => return None,
            }
        }
        best
    }
}
