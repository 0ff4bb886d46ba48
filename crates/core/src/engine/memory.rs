//! Format 2's decoder memory: the encoder's K/V of every loaded tool and of the current query, laid
//! out as the decoder graph reads it (docs/model-format.md section 5), and the per-query gather of
//! shortlisted tools' rows.

/// The decoder's memory: per decoder layer one K and one V buffer `[1, H, cap, D]`, with
/// `cap = tool_rows + query_rows`: tool rows first, then the query area; and the mask `[cap]`
/// (1 on tool rows and on the rows of the current query).
#[derive(Default)]
pub(super) struct Memory {
    pub(super) k: Vec<Vec<f32>>,
    pub(super) v: Vec<Vec<f32>>,
    pub(super) mask: Vec<i64>,
    pub(super) cap: usize,
    pub(super) tool_rows: usize,
    pub(super) heads: usize,
    pub(super) head_dim: usize,
}

impl Memory {
    pub(super) fn new(layers: usize, heads: usize, head_dim: usize, tool_rows: usize, query_rows: usize) -> Memory {
        let mut m = Memory { heads, head_dim, ..Memory::default() };
        m.k = vec![Vec::new(); layers];
        m.v = vec![Vec::new(); layers];
        m.reset(tool_rows, query_rows);
        m
    }

    /// Resizes for `tool_rows` + `query_rows`, keeping the allocations and not clearing old
    /// values: every tool row is written next, and query-area rows are either written or
    /// masked out (old rows are finite, so a masked row adds exactly nothing). This saves
    /// rewriting the whole buffer for each shortlisted request.
    pub(super) fn reset(&mut self, tool_rows: usize, query_rows: usize) {
        self.tool_rows = tool_rows;
        self.cap = tool_rows + query_rows;
        let size = self.heads * self.cap * self.head_dim;
        for buf in self.k.iter_mut().chain(self.v.iter_mut()) {
            buf.resize(size, 0.0);
        }
        self.mask.clear();
        self.mask.resize(self.cap, 0);
        self.mask[..tool_rows].fill(1);
    }

    /// Takes the layer count, heads and head size of `other` (a buffer filled from it).
    pub(super) fn shape_like(&mut self, other: &Memory) {
        (self.heads, self.head_dim) = (other.heads, other.head_dim);
        self.k.resize_with(other.k.len(), Vec::new);
        self.v.resize_with(other.v.len(), Vec::new);
    }

    /// Copies rows `src_row..src_row + len` of `src` to rows starting at `dst_row`.
    pub(super) fn copy_rows(&mut self, dst_row: usize, src: &Memory, src_row: usize, len: usize) {
        let (d, n) = (self.head_dim, len * self.head_dim);
        for l in 0..self.k.len() {
            for h in 0..self.heads {
                let (s, t) = ((h * src.cap + src_row) * d, (h * self.cap + dst_row) * d);
                self.k[l][t..t + n].copy_from_slice(&src.k[l][s..s + n]);
                self.v[l][t..t + n].copy_from_slice(&src.v[l][s..s + n]);
            }
        }
    }

    /// Writes an encoder output for one segment (`k`, `v`: `[L, H, len, D]`) at `dst_row`.
    pub(super) fn write_encoded(&mut self, dst_row: usize, k: &[f32], v: &[f32], len: usize) {
        let (d, n) = (self.head_dim, len * self.head_dim);
        for l in 0..self.k.len() {
            for h in 0..self.heads {
                let (s, t) = ((l * self.heads + h) * n, (h * self.cap + dst_row) * d);
                self.k[l][t..t + n].copy_from_slice(&k[s..s + n]);
                self.v[l][t..t + n].copy_from_slice(&v[s..s + n]);
            }
        }
    }

    /// Becomes the rows `spans` (`(row, len)` pairs) of `full`, plus an empty query area.
    pub(super) fn gather(&mut self, full: &Memory, spans: &[(usize, usize)], query_rows: usize) {
        self.shape_like(full);
        self.reset(spans.iter().map(|s| s.1).sum(), query_rows);
        let mut row = 0;
        for &(src_row, len) in spans {
            self.copy_rows(row, full, src_row, len);
            row += len;
        }
    }

    /// Writes the query's encoder output into the query area and masks the rest of it.
    pub(super) fn set_query(&mut self, k: &[f32], v: &[f32], len: usize) {
        self.write_encoded(self.tool_rows, k, v, len);
        self.mask[self.tool_rows..].fill(0);
        self.mask[self.tool_rows..self.tool_rows + len].fill(1);
    }
}
