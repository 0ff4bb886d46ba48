//! What focused decoding (`Engine::set_focus`, `--focus`) changes, on held-out data: each
//! dev row's tools plus distractors from other rows make a 20-tool catalogue, and the row is
//! decoded with focus on and off. Prints how often the two outputs agree, the score of each
//! (the BFCL checker, as `needle eval`), and the decoding time of each.
//!
//! A measurement, not a check (docs/performance.md quotes it); it needs the shipped model and
//! the dev files from the pipeline, so it is ignored by default:
//!
//!     cargo test --release --test focus_agreement -- --ignored --nocapture
//!
//! `NEEDLE_FOCUS_ROWS` sets the rows per split (default 150).

mod common;
use common::*;

use std::time::Instant;

use needle::engine::{Engine, EngineOptions};
use needle::eval::{score_prediction, Predictor};

const CATALOGUE: usize = 20;

#[test]
#[ignore]
fn focus_agreement_on_dev_rows() {
    let limit: usize = std::env::var("NEEDLE_FOCUS_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(150);
    let cache = scratch("focus-cache");
    let opts = EngineOptions { tool_cache: Some(cache.clone()), ..Default::default() };
    let Some(model) = format2_model() else { return };
    let mut engine = Engine::load(&model, &opts).unwrap();
    for split in ["dev_unseen", "dev_in"] {
        let Some(rows) = dev_rows(split) else { continue };
        let pool = tool_pool(&rows);
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let (mut n, mut same, mut pass_on, mut pass_off) = (0, 0, 0, 0);
        let (mut ms_on, mut ms_off) = (0.0, 0.0);
        for row in rows.iter().take(limit) {
            engine.set_tools(catalogue(row, &pool, CATALOGUE, &mut seed)).unwrap();
            let mut run = |focus: bool| {
                engine.set_focus(focus);
                let start = Instant::now();
                // As `needle eval` scores it: unreadable output is a prediction, not a failure.
                let pred = Predictor::predict(&mut engine, &row.query).unwrap_or_else(|e| panic!("{}: {e:#}", row.id));
                let ms = start.elapsed().as_secs_f64() * 1e3;
                let pass = score_prediction(row, &pred, false).is_ok();
                (pred.raw, pass, ms)
            };
            let (on, ok_on, t_on) = run(true);
            let (off, ok_off, t_off) = run(false);
            n += 1;
            same += usize::from(on == off);
            pass_on += usize::from(ok_on);
            pass_off += usize::from(ok_off);
            ms_on += t_on;
            ms_off += t_off;
        }
        assert!(n > 0, "{split}: no rows");
        let pct = |k: usize| 100.0 * k as f64 / n as f64;
        println!(
            "{split}: {n} rows, {CATALOGUE}-tool catalogues: same output {same} ({:.1}%); correct with focus {pass_on} ({:.1}%), without {pass_off} ({:.1}%); mean decode {:.1} ms with focus, {:.1} ms without",
            pct(same),
            pct(pass_on),
            pct(pass_off),
            ms_on / n as f64,
            ms_off / n as f64
        );
    }
    let _ = std::fs::remove_dir_all(cache);
}
