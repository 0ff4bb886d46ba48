//! The vocabulary as bytes: a byte trie of every token ([`VocabTrie`]) and each token's
//! classification as string content.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StrInfo {
    /// Not valid as string content from a clean state (control byte, bad escape or UTF-8).
    Bad,
    /// Entirely string content: `len` bytes, then `pend` more are needed to finish a sequence.
    Inside { len: u16, pend: u16 },
    /// Contains the closing quote (the rest goes to the enclosing value).
    Close,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct TrieNode {
    pub(super) first_edge: u32,
    pub(super) n_edges: u32,
    pub(super) first_tok: u32,
    pub(super) n_toks: u32,
}

/// The tokenizer vocabulary as bytes, in a byte trie.
#[derive(Clone, Debug)]
pub struct VocabTrie {
    pub(super) nodes: Vec<TrieNode>,
    pub(super) edge_byte: Vec<u8>,
    pub(super) edge_to: Vec<u32>,
    pub(super) node_toks: Vec<u32>,
    pub(super) tokens: Vec<Option<Vec<u8>>>,
    pub(super) str_info: Vec<StrInfo>,
    pub(super) eos: Option<u32>,
    pub(super) max_len: usize,
}

/// GPT-2 byte-level table: char -> byte.
pub fn byte_level_decoder() -> HashMap<char, u8> {
    let mut bs: Vec<u32> = (b'!' as u32..=b'~' as u32).chain(0xA1..=0xAC).chain(0xAE..=0xFF).collect();
    let mut cs: Vec<u32> = bs.clone();
    let mut n = 0;
    for b in 0..256u32 {
        if !bs.contains(&b) {
            bs.push(b);
            cs.push(256 + n);
            n += 1;
        }
    }
    bs.iter().zip(cs.iter()).map(|(&b, &c)| (char::from_u32(c).unwrap(), b as u8)).collect()
}

impl VocabTrie {
    /// From token bytes by id (`None`: never allowed, e.g. special tokens). `eos` is allowed
    /// exactly when the output is complete.
    pub fn new(tokens: Vec<Option<Vec<u8>>>, eos: Option<u32>) -> VocabTrie {
        let mut children: Vec<Vec<(u8, u32)>> = vec![Vec::new()];
        let mut toks: Vec<Vec<u32>> = vec![Vec::new()];
        let mut max_len = 0;
        for (id, t) in tokens.iter().enumerate() {
            let Some(t) = t else { continue };
            if t.is_empty() || Some(id as u32) == eos {
                continue;
            }
            max_len = max_len.max(t.len());
            let mut n = 0usize;
            for &b in t {
                let c = match children[n].iter().find(|(cb, _)| *cb == b) {
                    Some(&(_, c)) => c as usize,
                    None => {
                        children.push(Vec::new());
                        toks.push(Vec::new());
                        let c = children.len() - 1;
                        children[n].push((b, c as u32));
                        c
                    }
                };
                n = c;
            }
            toks[n].push(id as u32);
        }
        let mut v = VocabTrie {
            nodes: Vec::with_capacity(children.len()),
            edge_byte: Vec::new(),
            edge_to: Vec::new(),
            node_toks: Vec::new(),
            tokens: Vec::new(),
            str_info: Vec::new(),
            eos,
            max_len,
        };
        for (ch, tk) in children.iter_mut().zip(toks.iter()) {
            ch.sort();
            v.nodes.push(TrieNode {
                first_edge: v.edge_byte.len() as u32,
                n_edges: ch.len() as u32,
                first_tok: v.node_toks.len() as u32,
                n_toks: tk.len() as u32,
            });
            for &(b, c) in ch.iter() {
                v.edge_byte.push(b);
                v.edge_to.push(c);
            }
            v.node_toks.extend(tk);
        }
        v.str_info = tokens
            .iter()
            .enumerate()
            .map(|(id, t)| match t {
                Some(t) if !t.is_empty() && Some(id as u32) != eos => {
                    let mut s = StringState::new(u16::MAX);
                    for &b in t {
                        match str_feed(&mut s, b) {
                            Out::Ok => {}
                            Out::OkPop => return StrInfo::Close,
                            _ => return StrInfo::Bad,
                        }
                    }
                    StrInfo::Inside { len: t.len().min(u16::MAX as usize) as u16, pend: s.pending() }
                }
                _ => StrInfo::Bad,
            })
            .collect();
        v.tokens = tokens;
        v
    }

    /// From a byte-level BPE vocabulary (token string -> id, as `Tokenizer::get_vocab`).
    /// `exclude` lists ids never allowed (pad, bos, tool, query, added tokens).
    pub fn from_byte_level_vocab<'a>(
        vocab: impl IntoIterator<Item = (&'a str, u32)>,
        vocab_size: usize,
        eos: Option<u32>,
        exclude: &[u32],
    ) -> VocabTrie {
        let table = byte_level_decoder();
        let mut tokens: Vec<Option<Vec<u8>>> = vec![None; vocab_size];
        for (s, id) in vocab {
            if id as usize >= vocab_size || exclude.contains(&id) || Some(id) == eos {
                continue;
            }
            let bytes: Option<Vec<u8>> = s.chars().map(|c| table.get(&c).copied()).collect();
            tokens[id as usize] = bytes;
        }
        VocabTrie::new(tokens, eos)
    }

    /// From a `tokenizers` tokenizer: every added token (special tokens included) is excluded,
    /// `eos` is allowed when the output is complete.
    pub fn from_tokenizer(tok: &tokenizers::Tokenizer, vocab_size: usize, eos: u32) -> VocabTrie {
        let vocab = tok.get_vocab(true);
        let added: Vec<u32> = tok.get_added_tokens_decoder().keys().copied().collect();
        VocabTrie::from_byte_level_vocab(vocab.iter().map(|(s, &i)| (s.as_str(), i)), vocab_size, Some(eos), &added)
    }

    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    pub fn eos(&self) -> Option<u32> {
        self.eos
    }

    pub fn token_bytes(&self, id: u32) -> Option<&[u8]> {
        self.tokens.get(id as usize).and_then(|t| t.as_deref())
    }

    pub(super) fn edges(&self, n: u32) -> (&[u8], &[u32]) {
        let v = self.nodes[n as usize];
        let (a, b) = (v.first_edge as usize, (v.first_edge + v.n_edges) as usize);
        (&self.edge_byte[a..b], &self.edge_to[a..b])
    }

    pub(super) fn toks(&self, n: u32) -> &[u32] {
        let v = self.nodes[n as usize];
        &self.node_toks[v.first_tok as usize..(v.first_tok + v.n_toks) as usize]
    }

    /// Greedy longest-match tokenization of `bytes` (for feeding forced bytes). `None` if some
    /// byte has no token.
    pub fn tokenize_greedy(&self, bytes: &[u8]) -> Option<Vec<u32>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let mut n = 0u32;
            let mut best: Option<(usize, u32)> = None;
            let mut j = i;
            while j < bytes.len() {
                let (eb, et) = self.edges(n);
                match eb.binary_search(&bytes[j]) {
                    Ok(k) => n = et[k],
                    Err(_) => break,
                }
                j += 1;
                if let Some(&t) = self.toks(n).first() {
                    best = Some((j, t));
                }
            }
            let (end, t) = best?;
            out.push(t);
            i = end;
        }
        Some(out)
    }
}
