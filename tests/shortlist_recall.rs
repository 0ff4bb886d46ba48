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

use needle::eval::read_rows;
use needle::shortlist::{Shortlister, SHORTLIST_TOOLS};
use needle::tools::{normalize, Tool};

const CATALOGUE: usize = 200;

#[test]
#[ignore]
fn shortlist_recall_on_dev_rows() {
    for split in ["dev_unseen", "dev_in"] {
        let path = root().join(format!("data/eval/{split}.jsonl"));
        if !path.is_file() {
            eprintln!("{}: missing, skipped", path.display());
            continue;
        }
        let rows = read_rows(&[path], None).unwrap();
        let tools_of = |row: &needle::eval::Row| -> Vec<Tool> {
            row.tools.iter().filter_map(|t| normalize(t).ok()).collect()
        };
        let mut pool: Vec<Tool> = Vec::new();
        let mut seen = HashSet::new();
        for row in &rows {
            for t in tools_of(row) {
                if seen.insert(t.name.clone()) {
                    pool.push(t);
                }
            }
        }
        let ks = [5, 10, SHORTLIST_TOOLS, 40];
        let mut hits = [0usize; 4];
        let mut n = 0;
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for row in &rows {
            let gold: HashSet<String> = row
                .answers
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_object())
                .flat_map(|a| a.keys().cloned())
                .collect();
            if gold.is_empty() {
                continue;
            }
            let mut catalogue = tools_of(row);
            if !gold.iter().all(|g| catalogue.iter().any(|t| &t.name == g)) {
                continue; // a tool the runtime cannot load (name rules)
            }
            let mut names: HashSet<String> = catalogue.iter().map(|t| t.name.clone()).collect();
            while catalogue.len() < CATALOGUE.min(pool.len()) {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let t = &pool[(seed >> 33) as usize % pool.len()];
                if names.insert(t.name.clone()) {
                    catalogue.push(t.clone());
                }
            }
            // Rows list their own tools first; shuffle so load order gives no hint.
            for i in (1..catalogue.len()).rev() {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                catalogue.swap(i, (seed >> 33) as usize % (i + 1));
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
