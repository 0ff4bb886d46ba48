//! The machine's own rates and the floors they set on a line (format 2: the FLOPs and bytes of a
//! line come from the manifest config).

use std::time::Instant;

use crate::model::Config;

/// FLOPs (multiply-add = 2) of one line: the query's encoder pass (attention-only blocks,
/// projections + attention within the segment, then the cross K/V projections for every decoder
/// layer), then `positions` decoder positions (self-attention over the cache, cross-attention
/// over `memory` rows, the tied LM head). RMSNorm, RoPE and softmax are not counted.
pub fn line_flops(c: &Config, query_len: usize, memory: usize, positions: usize) -> f64 {
    let d = c.d_model as f64;
    let q_dim = (c.n_heads * c.head_dim) as f64;
    let kv_dim = (c.n_kv_heads * c.head_dim) as f64;
    let proj = 2.0 * d * (2.0 * q_dim + 2.0 * kv_dim); // q, k, v, o
    let attn = |keys: f64| 2.0 * 2.0 * keys * q_dim; // QK^T and AV for one query position
    let t = query_len as f64;
    let enc = c.n_encoder_layers as f64 * t * (proj + attn(t)) + c.n_decoder_layers as f64 * t * 2.0 * d * 2.0 * kv_dim;
    let mut dec = 0.0;
    for p in 0..positions {
        let self_attn = proj + attn((p + 1) as f64);
        let cross = 2.0 * d * 2.0 * q_dim + attn(memory as f64); // q and o projections; K/V cached
        dec += c.n_decoder_layers as f64 * (self_attn + cross) + 2.0 * d * c.vocab_size as f64;
    }
    enc + dec
}

/// Bytes one line reads at least: the encoder's weights once (the query's pass), then per
/// decoder call the decoder's weights and the memory's K and V (f32). `weights`: the encoder and
/// decoder file sizes (int8 weights). Neither fits this machine's caches (8 MiB L3 here), so a
/// line cannot take less than these bytes over the memory bandwidth, whatever the FLOPs.
pub fn line_bytes(c: &Config, weights: (f64, f64), memory: usize, calls: usize) -> f64 {
    let kv = 2.0 * (c.n_decoder_layers * c.n_kv_heads * c.head_dim * memory * 4) as f64;
    weights.0 + calls as f64 * (weights.1 + kv)
}

/// Memory read bandwidth (GB/s): `threads` threads side by side, each summing its own 256 MiB.
pub fn read_gbps(threads: usize) -> f64 {
    const LEN: usize = 64 << 20; // f32s
    let run = move || {
        let buf: Vec<f32> = (0..LEN).map(|i| (i % 7) as f32).collect();
        let mut acc = 0.0f32;
        acc += buf.iter().step_by(16).sum::<f32>(); // touch every page first
        let t = Instant::now();
        for _ in 0..4 {
            // Eight independent sums: the loop is limited by memory, not by one add chain.
            let mut lanes = [0.0f32; 8];
            for chunk in buf.chunks_exact(8) {
                for (l, x) in lanes.iter_mut().zip(chunk) {
                    *l += x;
                }
            }
            acc += lanes.iter().sum::<f32>();
        }
        (t.elapsed().as_secs_f64(), acc)
    };
    threads as f64 * 4.0 * (LEN * 4) as f64 / slowest_thread(threads, run) / 1e9
}

/// Runs `run` on `threads` threads side by side and returns the slowest one's seconds (`run`
/// returns its seconds and a result, kept so the work cannot be optimised away).
fn slowest_thread(threads: usize, run: impl Fn() -> (f64, f32) + Send + Copy + 'static) -> f64 {
    let handles: Vec<_> = (0..threads).map(|_| std::thread::spawn(run)).collect();
    let mut worst = 0.0f64;
    for h in handles {
        let (s, acc) = h.join().expect("benchmark thread");
        std::hint::black_box(acc);
        worst = worst.max(s);
    }
    worst
}

/// f32 matmul rate (GFLOP/s) of ndarray (matrixmultiply) on `threads` threads side by side,
/// each multiplying its own `m x k` by `k x n`.
pub fn matmul_gflops(m: usize, k: usize, n: usize, threads: usize) -> f64 {
    use ndarray::Array2;
    let reps = (1.5e9 / (2.0 * (m * k * n) as f64)).ceil().max(3.0) as usize;
    let run = move || {
        let a = Array2::<f32>::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 13) as f32 * 0.01);
        let b = Array2::<f32>::from_shape_fn((k, n), |(i, j)| ((i * 5 + j * 11) % 17) as f32 * 0.01);
        let mut acc = 0.0f32;
        for _ in 0..2 {
            acc += a.dot(&b)[[0, 0]];
        }
        let t = Instant::now();
        for _ in 0..reps {
            acc += a.dot(&b)[[0, 0]];
        }
        (t.elapsed().as_secs_f64(), acc)
    };
    threads as f64 * reps as f64 * 2.0 * (m * k * n) as f64 / slowest_thread(threads, run) / 1e9
}
