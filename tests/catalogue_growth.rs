//! Per-line time with 20 and with 200 distinct tools, on held-out requests: each dev row's own
//! tools plus the same fixed distractor tools (other rows' tools) make a 20-tool and a 200-tool
//! catalogue (the 200 contain the 20), and the row's request is answered over both, alternately
//! in one process, with the default settings (shortlist of 20 above 20 tools). `needle bench`
//! measures the same growth over renamed copies of the example tools, which are near-duplicates
//! of each other; this is the realistic case.
//!
//! A measurement, not a check (docs/performance.md quotes it); it needs the shipped model and
//! the dev files from the pipeline, so it is ignored by default:
//!
//!     cargo test --release --test catalogue_growth -- --ignored --nocapture
//!
//! `NEEDLE_GROWTH_ROWS` sets the rows (default 250, from dev_unseen).

mod common;
use common::*;

use needle::decode::Prediction;
use needle::engine::{Engine, EngineOptions};
use needle::tools::Tool;

const SMALL: usize = 20;
const LARGE: usize = 200;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// `own` tools plus distractors (in order, skipping names already present) up to `size`,
/// shuffled so load order gives no hint.
fn with_distractors(own: &[Tool], distractors: &[Tool], size: usize, seed: &mut u64) -> Vec<Tool> {
    let mut out = own.to_vec();
    for t in distractors {
        if out.len() >= size {
            break;
        }
        if !out.iter().any(|o| o.name == t.name) {
            out.push(t.clone());
        }
    }
    shuffle(&mut out, seed);
    out
}

fn answer(engine: &mut Engine, query: &str) -> Prediction {
    engine.predict(query).unwrap_or_else(|e| panic!("{query}: {e:#}"))
}

#[test]
#[ignore]
fn per_line_time_from_20_to_200_distinct_tools() {
    let limit: usize = std::env::var("NEEDLE_GROWTH_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(250);
    let Some(rows) = dev_rows("dev_unseen") else { return };
    let pool = tool_pool(&rows);
    // Distractors: every 7th pool tool from the end (tools of rows after the ones measured).
    let distractors: Vec<Tool> = pool.iter().rev().step_by(7).take(LARGE).cloned().collect();
    assert_eq!(distractors.len(), LARGE, "pool too small");
    let cache = scratch("growth-cache");
    let opts = EngineOptions { tool_cache: Some(cache.clone()), ..Default::default() };
    let Some(assets) = format2_model() else { return };
    let (mut small, mut large) = (Engine::load(&assets, &opts).unwrap(), Engine::load(&assets, &opts).unwrap());
    let mut seed = 0x853c_49e6_748f_ea9bu64;
    let (mut ms, mut tokens, mut calls, mut same) = ([vec![], vec![]], [0usize; 2], [0usize; 2], 0);
    for row in rows.iter().take(limit) {
        let own = row_tools(row);
        if own.is_empty() || own.len() > SMALL {
            continue;
        }
        small.set_tools(with_distractors(&own, &distractors, SMALL, &mut seed)).unwrap();
        large.set_tools(with_distractors(&own, &distractors, LARGE, &mut seed)).unwrap();
        let a = answer(&mut small, &row.query);
        let b = answer(&mut large, &row.query);
        assert_eq!(b.tools_seen, SMALL);
        same += usize::from(a.raw_text == b.raw_text);
        for (i, p) in [a, b].into_iter().enumerate() {
            ms[i].push(p.ms);
            tokens[i] += p.tokens.len() + 1;
            calls[i] += p.steps;
        }
    }
    let n = ms[0].len();
    assert!(n > 0, "no rows");
    let [m20, m200] = ms.map(median);
    println!(
        "dev_unseen, {n} requests: median per line {m20:.1} ms with {SMALL} tools, {m200:.1} ms with {LARGE} (shortlist of {}): {:+.1}%; tokens/line {:.1} vs {:.1}, decoder calls/line {:.1} vs {:.1}; same output {same} of {n}",
        needle::shortlist::SHORTLIST_TOOLS,
        100.0 * (m200 / m20 - 1.0),
        tokens[0] as f64 / n as f64,
        tokens[1] as f64 / n as f64,
        calls[0] as f64 / n as f64,
        calls[1] as f64 / n as f64,
    );
    let _ = std::fs::remove_dir_all(cache);
}
