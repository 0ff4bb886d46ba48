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
        let Frame::Num { node, ph, neg, flen, mant, .. } = *f else { return false };
        if !matches!(ph, 2 | 3 | 5 | 8) {
            return false;
        }
        let (_, min, max, _) = self.num_params(node);
        if ph == 8 {
            return true; // exponents only when unbounded
        }
        let mut x = mant as f64 / pow10(flen as i32);
        if neg {
            x = -x;
        }
        x >= min && x <= max
    }

    /// Can the number prefix still be completed within the length cap and the bounds?
    pub(super) fn num_feasible(&self, f: &Frame) -> bool {
        let Frame::Num { node, ph, neg, len, flen, mant, .. } = *f else { return false };
        let cap = self.opts.max_number_chars;
        if len > cap {
            return false;
        }
        let rc = (cap - len) as i32; // characters left
        let need = match ph {
            1 | 4 | 6 | 7 => 1,
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
        // (mant / 10^flen) is exactly what a JSON parser computes.
        if mant > MAX_SIG_MANT {
            return false;
        }
        let rd = MAX_SIG_DIGITS - mant.checked_ilog10().map_or(0, |l| l as i32 + 1); // digits left
        let m = mant as f64;
        // fraction digits possible after k more integer digits (and a '.')
        let frac = |k: i32| if integer { 0 } else { (rc - k - 1).min(rd - k).max(0) };
        match ph {
            1 => {
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
            2 => {
                let f = if integer { 0 } else { (rc - 1).min(rd).max(0) };
                let b = if f >= 1 { 1.0 - pow10(-f) } else { 0.0 };
                Self::mag_ok(neg, 0.0, b, min, max)
            }
            3 => (0..=rc.min(rd)).any(|k| {
                let a = m * pow10(k);
                let f = frac(k);
                let b = if f >= 1 { a + pow10(k) - pow10(-f) } else { a + pow10(k) - 1.0 };
                Self::mag_ok(neg, a, b, min, max)
            }),
            4 => {
                let f = rc.min(rd);
                f >= 1 && Self::mag_ok(neg, m, m + 1.0 - pow10(-f), min, max)
            }
            5 => {
                let f = rc.min(rd).max(0);
                let x = m / pow10(flen as i32);
                let b = x + pow10(-(flen as i32)) - pow10(-(flen as i32 + f));
                Self::mag_ok(neg, x, b, min, max)
            }
            _ => false, // exponents are only generated for unbounded numbers
        }
    }

    pub(super) fn num_feed(&self, f: &mut Frame, b: u8) -> Out {
        let Frame::Num { node, ph, neg, len, flen, elen, mant } = *f else { return Out::Reject };
        let (integer, _, _, exp) = self.num_params(node);
        let (mut ph2, mut neg2, mut flen2, mut elen2, mut mant2) = (ph, neg, flen, elen, mant);
        let digit = b.is_ascii_digit();
        let d = b.wrapping_sub(b'0') as u64;
        match (ph, b) {
            (0, b'-') => {
                ph2 = 1;
                neg2 = true;
            }
            (0 | 1, b'0') => {
                if integer && neg {
                    return Out::Reject; // no "-0" for integers
                }
                ph2 = 2;
            }
            (0 | 1, b'1'..=b'9') => {
                ph2 = 3;
                mant2 = d;
            }
            (3, _) if digit => mant2 = mant.saturating_mul(10).saturating_add(d),
            (2 | 3, b'.') if !integer => ph2 = 4,
            (4 | 5, _) if digit => {
                ph2 = 5;
                mant2 = mant.saturating_mul(10).saturating_add(d);
                flen2 = flen + 1;
            }
            (2 | 3 | 5, b'e' | b'E') if exp => ph2 = 6,
            (6, b'+' | b'-') => ph2 = 7,
            (6..=8, _) if digit && elen < MAX_EXP_DIGITS => {
                ph2 = 8;
                elen2 = elen + 1;
            }
            _ => {
                return if ph != 0 && self.num_complete(f) { Out::PopRefeed } else { Out::Reject };
            }
        }
        let nf = Frame::Num { node, ph: ph2, neg: neg2, len: len + 1, flen: flen2, elen: elen2, mant: mant2 };
        if !self.num_feasible(&nf) {
            return Out::Reject;
        }
        *f = nf;
        Out::Ok
    }

    pub(super) fn feed(&self, f: &mut Frame, b: u8) -> Out {
        match f {
            Frame::Root { ph, calls } => match (*ph, b) {
                (0, b'[') => {
                    *ph = 1;
                    Out::Ok
                }
                (1 | 2, b']') => {
                    *ph = 4;
                    Out::Ok
                }
                (2, b',') if *calls < self.opts.max_calls => {
                    *ph = 3;
                    Out::Ok
                }
                (1 | 3, b'{') => {
                    *ph = 2;
                    *calls += 1;
                    Out::Start(CALLS)
                }
                _ => Out::Reject,
            },
            Frame::Call { ph, node, tool } => match *ph {
                0 => {
                    let c = self.lchild(*node, b);
                    if c == NONE {
                        return Out::Reject;
                    }
                    *node = c;
                    let t = self.lits[c as usize].term;
                    if t != NONE {
                        *tool = t;
                        *ph = 5;
                    }
                    Out::Ok
                }
                5 => {
                    *ph = 1;
                    Out::Start(self.tools[*tool as usize].params)
                }
                _ => {
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
            Frame::Obj { node, ph, last, key } => {
                let Node::Obj { keys_root, props, required, keymask } = &self.nodes[*node as usize] else {
                    return Out::Reject;
                };
                let allowed = allowed_keys(*keymask, *required, *last);
                match (*ph, b) {
                    (0 | 4, b'"') => {
                        let c = self.lchild(*keys_root, b'"');
                        if c == NONE || self.lits[c as usize].mask & allowed == 0 {
                            return Out::Reject;
                        }
                        *key = c;
                        *ph = 1;
                        Out::Ok
                    }
                    (0 | 3, b'}') => {
                        if required & above(*last) == 0 {
                            Out::OkPop
                        } else {
                            Out::Reject
                        }
                    }
                    (1, _) => {
                        let c = self.lchild(*key, b);
                        if c == NONE || self.lits[c as usize].mask & allowed == 0 {
                            return Out::Reject;
                        }
                        *key = c;
                        let t = self.lits[c as usize].term;
                        if t != NONE {
                            *last = t as i8;
                            *ph = 2;
                        }
                        Out::Ok
                    }
                    (2, b':') => {
                        *ph = 5;
                        Out::Ok
                    }
                    (5, _) => {
                        *ph = 3;
                        Out::Start(props[*last as usize])
                    }
                    (3, b',') => {
                        if allowed != 0 {
                            *ph = 4;
                            Out::Ok
                        } else {
                            Out::Reject
                        }
                    }
                    _ => Out::Reject,
                }
            }
            Frame::FreeObj { ph } => match (*ph, b) {
                (0 | 3, b'}') => Out::OkPop,
                (0 | 4, b'"') => {
                    *ph = 2;
                    Out::Start(STR)
                }
                (2, b':') => {
                    *ph = 5;
                    Out::Ok
                }
                (5, _) => {
                    *ph = 3;
                    Out::Start(ANY)
                }
                (3, b',') => {
                    *ph = 4;
                    Out::Ok
                }
                _ => Out::Reject,
            },
            Frame::Arr { node, ph, count } => {
                let Node::Arr { items, min, max } = self.nodes[*node as usize] else { return Out::Reject };
                match (*ph, b) {
                    (0, b']') => {
                        if min == 0 {
                            Out::OkPop
                        } else {
                            Out::Reject
                        }
                    }
                    (1, b']') => {
                        if *count >= min {
                            Out::OkPop
                        } else {
                            Out::Reject
                        }
                    }
                    (1, b',') => {
                        if *count < max {
                            *ph = 2;
                            Out::Ok
                        } else {
                            Out::Reject
                        }
                    }
                    (0 | 2, _) => {
                        if *count >= max {
                            return Out::Reject;
                        }
                        *count += 1;
                        *ph = 1;
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
        let mut f = Frame::Num { node, ph: 0, neg: false, len: 0, flen: 0, elen: 0, mant: 0 };
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
                    st.push(Frame::Str(StrS::new(self.opts.max_string_bytes)));
                    true
                }
                b'{' if !deep => {
                    st.push(Frame::FreeObj { ph: 0 });
                    true
                }
                b'[' if !deep => {
                    st.push(Frame::Arr { node: ANY_ARR, ph: 0, count: 0 });
                    true
                }
                b'-' | b'0'..=b'9' => self.push_num(st, ANY_NUM, b),
                _ => {
                    let Node::Lit { root } = self.nodes[TFN as usize] else { return false };
                    self.push_lit(st, root, b)
                }
            },
            Node::Str => {
                if b == b'"' {
                    st.push(Frame::Str(StrS::new(self.opts.max_string_bytes)));
                    true
                } else {
                    false
                }
            }
            Node::Lit { root } => self.push_lit(st, *root, b),
            Node::Num { .. } => self.push_num(st, node, b),
            Node::Obj { .. } => {
                if b == b'{' && !deep {
                    st.push(Frame::Obj { node, ph: 0, last: -1, key: NONE });
                    true
                } else {
                    false
                }
            }
            Node::FreeObj => {
                if b == b'{' && !deep {
                    st.push(Frame::FreeObj { ph: 0 });
                    true
                } else {
                    false
                }
            }
            Node::Arr { .. } => {
                if b == b'[' && !deep {
                    st.push(Frame::Arr { node, ph: 0, count: 0 });
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
                st.push(Frame::Call { ph: 0, node: c, tool: NONE });
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
