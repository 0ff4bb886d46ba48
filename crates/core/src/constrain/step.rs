//! The grammar's byte step: how one output byte moves a stack of [`Frame`]s (strings, numbers,
//! keys, values, the call array).

use super::*;

impl Grammar {
    pub(super) fn num_params(&self, node: u32) -> (bool, f64, f64, bool) {
        match self.nodes[node as usize] {
            Node::Num { integer, min, max, exp } => (integer, min, max, exp),
            _ => (false, f64::NEG_INFINITY, f64::INFINITY, true),
        }
    }

    /// Whether some number in magnitude interval `[a, b]` with the sign lies in `[min, max]`.
    pub(super) fn mag_ok(neg: bool, a: f64, b: f64, min: f64, max: f64) -> bool {
        if neg {
            -b <= max && -a >= min
        } else {
            a <= max && b >= min
        }
    }

    pub(super) fn num_complete(&self, f: &Frame) -> bool {
        let Frame::Num { node, at, neg, frac_len, mantissa, .. } = *f else { return false };
        if !matches!(at, NumAt::Zero | NumAt::Int | NumAt::Frac | NumAt::ExpDigits) {
            return false;
        }
        let (_, min, max, _) = self.num_params(node);
        if at == NumAt::ExpDigits {
            return true; // exponents only when unbounded
        }
        let mut x = mantissa as f64 / pow10(frac_len as i32);
        if neg {
            x = -x;
        }
        x >= min && x <= max
    }

    /// Can the number prefix still be completed within the length cap and the bounds?
    pub(super) fn num_feasible(&self, f: &Frame) -> bool {
        let Frame::Num { node, at, neg, len, frac_len, mantissa, .. } = *f else { return false };
        let cap = self.opts.max_number_chars;
        if len > cap {
            return false;
        }
        let rc = (cap - len) as i32; // characters left
        let need = match at {
            NumAt::Minus | NumAt::Dot | NumAt::Exp | NumAt::ExpSign => 1,
            _ => 0,
        };
        if need > rc {
            return false;
        }
        let (integer, min, max, _) = self.num_params(node);
        if min == f64::NEG_INFINITY && max == f64::INFINITY {
            return true;
        }
        // Bounded numbers keep at most MAX_SIG_DIGITS significant digits, so that their value
        // (mantissa / 10^frac_len) is exactly what a JSON parser computes.
        if mantissa > MAX_SIG_MANT {
            return false;
        }
        let rd = MAX_SIG_DIGITS - mantissa.checked_ilog10().map_or(0, |l| l as i32 + 1); // digits left
        let m = mantissa as f64;
        // fraction digits possible after k more integer digits (and a '.')
        let frac = |k: i32| if integer { 0 } else { (rc - k - 1).min(rd - k).max(0) };
        match at {
            NumAt::Minus => {
                // "-0" + fraction (numbers only)
                let f0 = if integer { 0 } else { (rc - 2).min(rd).max(0) };
                if f0 >= 1 && Self::mag_ok(true, 0.0, 1.0 - pow10(-f0), min, max) {
                    return true;
                }
                (1..=rc.min(rd)).any(|k| {
                    let a = if k == 1 { 1.0 } else { pow10(k - 1) };
                    let f = frac(k);
                    let b = if f >= 1 { pow10(k) - pow10(-f) } else { pow10(k) - 1.0 };
                    Self::mag_ok(true, a, b, min, max)
                })
            }
            NumAt::Zero => {
                let f = if integer { 0 } else { (rc - 1).min(rd).max(0) };
                let b = if f >= 1 { 1.0 - pow10(-f) } else { 0.0 };
                Self::mag_ok(neg, 0.0, b, min, max)
            }
            NumAt::Int => (0..=rc.min(rd)).any(|k| {
                let a = m * pow10(k);
                let f = frac(k);
                let b = if f >= 1 { a + pow10(k) - pow10(-f) } else { a + pow10(k) - 1.0 };
                Self::mag_ok(neg, a, b, min, max)
            }),
            NumAt::Dot => {
                let f = rc.min(rd);
                f >= 1 && Self::mag_ok(neg, m, m + 1.0 - pow10(-f), min, max)
            }
            NumAt::Frac => {
                let f = rc.min(rd).max(0);
                let x = m / pow10(frac_len as i32);
                let b = x + pow10(-(frac_len as i32)) - pow10(-(frac_len as i32 + f));
                Self::mag_ok(neg, x, b, min, max)
            }
            // Exponents are only generated for unbounded numbers; a fed number is never at Start.
            NumAt::Start | NumAt::Exp | NumAt::ExpSign | NumAt::ExpDigits => false,
        }
    }

    pub(super) fn num_feed(&self, f: &mut Frame, b: u8) -> Out {
        let Frame::Num { node, at, neg, len, frac_len, exp_len, mantissa } = *f else { return Out::Reject };
        let (integer, _, _, exp) = self.num_params(node);
        let (mut at2, mut neg2, mut frac_len2, mut exp_len2, mut mantissa2) = (at, neg, frac_len, exp_len, mantissa);
        let digit = b.is_ascii_digit();
        let d = b.wrapping_sub(b'0') as u64;
        use NumAt::*;
        match (at, b) {
            (Start, b'-') => {
                at2 = Minus;
                neg2 = true;
            }
            (Start | Minus, b'0') => {
                if integer && neg {
                    return Out::Reject; // no "-0" for integers
                }
                at2 = Zero;
            }
            (Start | Minus, b'1'..=b'9') => {
                at2 = Int;
                mantissa2 = d;
            }
            (Int, _) if digit => mantissa2 = mantissa.saturating_mul(10).saturating_add(d),
            (Zero | Int, b'.') if !integer => at2 = Dot,
            (Dot | Frac, _) if digit => {
                at2 = Frac;
                mantissa2 = mantissa.saturating_mul(10).saturating_add(d);
                frac_len2 = frac_len + 1;
            }
            (Zero | Int | Frac, b'e' | b'E') if exp => at2 = Exp,
            (Exp, b'+' | b'-') => at2 = ExpSign,
            (Exp | ExpSign | ExpDigits, _) if digit && exp_len < MAX_EXP_DIGITS => {
                at2 = ExpDigits;
                exp_len2 = exp_len + 1;
            }
            _ => {
                return if at != Start && self.num_complete(f) { Out::PopRefeed } else { Out::Reject };
            }
        }
        let nf = Frame::Num { node, at: at2, neg: neg2, len: len + 1, frac_len: frac_len2, exp_len: exp_len2, mantissa: mantissa2 };
        if !self.num_feasible(&nf) {
            return Out::Reject;
        }
        *f = nf;
        Out::Ok
    }

    pub(super) fn feed(&self, f: &mut Frame, b: u8) -> Out {
        match f {
            Frame::Root { at, calls } => match (*at, b) {
                (RootAt::Start, b'[') => {
                    *at = RootAt::Open;
                    Out::Ok
                }
                (RootAt::Open | RootAt::AfterCall, b']') => {
                    *at = RootAt::Closed;
                    Out::Ok
                }
                (RootAt::AfterCall, b',') if *calls < self.opts.max_calls => {
                    *at = RootAt::AfterComma;
                    Out::Ok
                }
                (RootAt::Open | RootAt::AfterComma, b'{') => {
                    *at = RootAt::AfterCall;
                    *calls += 1;
                    Out::Start(CALLS)
                }
                _ => Out::Reject,
            },
            Frame::Call { at, node, tool } => match *at {
                CallAt::Prefix => {
                    let c = self.lchild(*node, b);
                    if c == NONE {
                        return Out::Reject;
                    }
                    *node = c;
                    let t = self.lits[c as usize].term;
                    if t != NONE {
                        *tool = t;
                        *at = CallAt::Arguments;
                    }
                    Out::Ok
                }
                CallAt::Arguments => {
                    *at = CallAt::AfterArguments;
                    Out::Start(self.tools[*tool as usize].params)
                }
                CallAt::AfterArguments => {
                    if b == b'}' {
                        Out::OkPop
                    } else {
                        Out::Reject
                    }
                }
            },
            Frame::Lit { node } => {
                let c = self.lchild(*node, b);
                if c == NONE {
                    return if self.lits[*node as usize].term != NONE { Out::PopRefeed } else { Out::Reject };
                }
                *node = c;
                let l = &self.lits[c as usize];
                if l.term != NONE && l.children.is_empty() {
                    Out::OkPop
                } else {
                    Out::Ok
                }
            }
            Frame::Str(s) => str_feed(s, b),
            Frame::Num { .. } => self.num_feed(f, b),
            Frame::Obj { node, at, last, key } => {
                let Node::Obj { keys_root, props, required, keymask } = &self.nodes[*node as usize] else {
                    return Out::Reject;
                };
                let allowed = allowed_keys(*keymask, *required, *last);
                match (*at, b) {
                    (ObjAt::Open | ObjAt::AfterComma, b'"') => {
                        let c = self.lchild(*keys_root, b'"');
                        if c == NONE || self.lits[c as usize].mask & allowed == 0 {
                            return Out::Reject;
                        }
                        *key = c;
                        *at = ObjAt::InKey;
                        Out::Ok
                    }
                    (ObjAt::Open | ObjAt::AfterValue, b'}') => {
                        if required & above(*last) == 0 {
                            Out::OkPop
                        } else {
                            Out::Reject
                        }
                    }
                    (ObjAt::InKey, _) => {
                        let c = self.lchild(*key, b);
                        if c == NONE || self.lits[c as usize].mask & allowed == 0 {
                            return Out::Reject;
                        }
                        *key = c;
                        let t = self.lits[c as usize].term;
                        if t != NONE {
                            *last = t as i8;
                            *at = ObjAt::AfterKey;
                        }
                        Out::Ok
                    }
                    (ObjAt::AfterKey, b':') => {
                        *at = ObjAt::AfterColon;
                        Out::Ok
                    }
                    (ObjAt::AfterColon, _) => {
                        *at = ObjAt::AfterValue;
                        Out::Start(props[*last as usize])
                    }
                    (ObjAt::AfterValue, b',') => {
                        if allowed != 0 {
                            *at = ObjAt::AfterComma;
                            Out::Ok
                        } else {
                            Out::Reject
                        }
                    }
                    _ => Out::Reject,
                }
            }
            Frame::FreeObj { at } => match (*at, b) {
                (ObjAt::Open | ObjAt::AfterValue, b'}') => Out::OkPop,
                (ObjAt::Open | ObjAt::AfterComma, b'"') => {
                    *at = ObjAt::AfterKey;
                    Out::Start(STR)
                }
                (ObjAt::AfterKey, b':') => {
                    *at = ObjAt::AfterColon;
                    Out::Ok
                }
                (ObjAt::AfterColon, _) => {
                    *at = ObjAt::AfterValue;
                    Out::Start(ANY)
                }
                (ObjAt::AfterValue, b',') => {
                    *at = ObjAt::AfterComma;
                    Out::Ok
                }
                _ => Out::Reject,
            },
            Frame::Arr { node, at, count } => {
                let Node::Arr { items, min, max } = self.nodes[*node as usize] else { return Out::Reject };
                match (*at, b) {
                    (ArrAt::Open, b']') => {
                        if min == 0 {
                            Out::OkPop
                        } else {
                            Out::Reject
                        }
                    }
                    (ArrAt::AfterItem, b']') => {
                        if *count >= min {
                            Out::OkPop
                        } else {
                            Out::Reject
                        }
                    }
                    (ArrAt::AfterItem, b',') => {
                        if *count < max {
                            *at = ArrAt::AfterComma;
                            Out::Ok
                        } else {
                            Out::Reject
                        }
                    }
                    (ArrAt::Open | ArrAt::AfterComma, _) => {
                        if *count >= max {
                            return Out::Reject;
                        }
                        *count += 1;
                        *at = ArrAt::AfterItem;
                        Out::Start(items)
                    }
                    _ => Out::Reject,
                }
            }
        }
    }

    pub(super) fn push_lit(&self, st: &mut Vec<Frame>, root: u32, b: u8) -> bool {
        let c = self.lchild(root, b);
        if c == NONE {
            return false;
        }
        let l = &self.lits[c as usize];
        if !(l.term != NONE && l.children.is_empty()) {
            st.push(Frame::Lit { node: c });
        }
        true
    }

    pub(super) fn push_num(&self, st: &mut Vec<Frame>, node: u32, b: u8) -> bool {
        let mut f = Frame::Num { node, at: NumAt::Start, neg: false, len: 0, frac_len: 0, exp_len: 0, mantissa: 0 };
        if self.num_feed(&mut f, b) == Out::Ok {
            st.push(f);
            true
        } else {
            false
        }
    }

    /// Starts a value of schema `node` with its first byte `b` on top of `st`. Ambiguous unions
    /// leave extra alternatives in `forks`.
    pub(super) fn start_value(&self, st: &mut Vec<Frame>, node: u32, b: u8, forks: &mut Vec<Vec<Frame>>) -> bool {
        let deep = st.len() >= MAX_DEPTH;
        match &self.nodes[node as usize] {
            Node::Never => false,
            Node::Any => match b {
                b'"' => {
                    st.push(Frame::Str(StringState::new(self.opts.max_string_bytes)));
                    true
                }
                b'{' if !deep => {
                    st.push(Frame::FreeObj { at: ObjAt::Open });
                    true
                }
                b'[' if !deep => {
                    st.push(Frame::Arr { node: ANY_ARR, at: ArrAt::Open, count: 0 });
                    true
                }
                b'-' | b'0'..=b'9' => self.push_num(st, ANY_NUM, b),
                _ => {
                    let Node::Lit { root } = self.nodes[TRUE_FALSE_NULL as usize] else { return false };
                    self.push_lit(st, root, b)
                }
            },
            Node::Str => {
                if b == b'"' {
                    st.push(Frame::Str(StringState::new(self.opts.max_string_bytes)));
                    true
                } else {
                    false
                }
            }
            Node::Lit { root } => self.push_lit(st, *root, b),
            Node::Num { .. } => self.push_num(st, node, b),
            Node::Obj { .. } => {
                if b == b'{' && !deep {
                    st.push(Frame::Obj { node, at: ObjAt::Open, last: -1, key: NONE });
                    true
                } else {
                    false
                }
            }
            Node::FreeObj => {
                if b == b'{' && !deep {
                    st.push(Frame::FreeObj { at: ObjAt::Open });
                    true
                } else {
                    false
                }
            }
            Node::Arr { .. } => {
                if b == b'[' && !deep {
                    st.push(Frame::Arr { node, at: ArrAt::Open, count: 0 });
                    true
                } else {
                    false
                }
            }
            Node::Calls => {
                let c = self.lchild(self.call_root, b);
                if c == NONE {
                    return false;
                }
                st.push(Frame::Call { at: CallAt::Prefix, node: c, tool: NONE });
                true
            }
            Node::Union(alts) => {
                let base = st.clone();
                let mut ok = false;
                for &a in alts {
                    let mut s = base.clone();
                    if self.start_value(&mut s, a, b, forks) {
                        if !ok {
                            *st = s;
                            ok = true;
                        } else {
                            forks.push(s);
                        }
                    }
                }
                ok
            }
        }
    }

    pub(super) fn step_stack(&self, st: &mut Vec<Frame>, b: u8, forks: &mut Vec<Vec<Frame>>) -> bool {
        loop {
            let Some(top) = st.last_mut() else { return false };
            match self.feed(top, b) {
                Out::Ok => return true,
                Out::OkPop => {
                    st.pop();
                    return true;
                }
                Out::Reject => return false,
                Out::PopRefeed => {
                    st.pop();
                }
                Out::Start(node) => return self.start_value(st, node, b, forks),
            }
        }
    }
}
