//! Recall of the tool shortlist (src/shortlist.rs) on held-out data: for every dev row with a
//! call, its tools plus distractor tools from other rows make a 200-tool catalogue, and the
//! row counts when every tool its answer calls is in the query's shortlist.
//!
//! A measurement, not a check (it prints numbers; docs/performance.md quotes them), and it
//! needs the dev files from the pipeline, so it is ignored by default:
//!
//!     cargo test --release --test shortlist_recall -- --ignored --nocapture
//!
//! (`data/eval/dev_unseen.jsonl`, `data/eval/dev_in.jsonl`: `scripts/dev_to_eval.py`.)

mod common;
use common::*;

use std::collections::HashSet;

use needle::shortlist::{Shortlister, SHORTLIST_TOOLS};

const CATALOGUE: usize = 200;

#[test]
#[ignore]
fn shortlist_recall_on_dev_rows() {
    for split in ["dev_unseen", "dev_in"] {
        let Some(rows) = dev_rows(split) else { continue };
        let pool = tool_pool(&rows);
        let ks = [5, 10, SHORTLIST_TOOLS, 40];
        let mut hits = [0usize; 4];
        let mut n = 0;
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for row in &rows {
            let gold = gold_tools(row);
            if gold.is_empty() {
                continue;
            }
            let catalogue = catalogue(row, &pool, CATALOGUE, &mut seed);
            if !gold.iter().all(|g| catalogue.iter().any(|t| &t.name == g)) {
                continue; // a tool the runtime cannot load (name rules)
            }
            let index = Shortlister::new(&catalogue);
            for (j, &k) in ks.iter().enumerate() {
                let top: HashSet<&str> = index.top(&row.query, k).into_iter().map(|i| catalogue[i].name.as_str()).collect();
                hits[j] += usize::from(gold.iter().all(|g| top.contains(g.as_str())));
            }
            n += 1;
        }
        assert!(n > 0, "{split}: no rows with calls");
        let parts: Vec<String> =
            ks.iter().zip(hits).map(|(k, h)| format!("recall@{k} {:.1}%", 100.0 * h as f64 / n as f64)).collect();
        println!("{split}: {n} rows with calls, {CATALOGUE}-tool catalogues: {}", parts.join(", "));
    }
}
