//! ONNX Runtime allows one environment per process. Threads that load models at the same
//! moment (the test harness runs tests on parallel threads) must share the one the first of
//! them creates, not fail with "only one environment is allowed per process" (CI failed on
//! exactly that race). This file is its own process, so the environment starts uncreated.
//! A race test cannot fail every time: without the fix, 16 threads failed it in 2 of 10 runs
//! here; with it, 20 of 20 passed.

mod common;
use common::*;

use needle::engine::Engine;
use needle::onnx::ModelOptions;
use needle::values::Context;
use std::sync::{Arc, Barrier};

#[test]
fn threads_loading_at_once_share_one_environment() {
    let threads = 16;
    let start = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                Engine::load(&model(), &ModelOptions::default(), Context::on("2026-12-07").unwrap()).map(|_| ()).map_err(|e| format!("{e:#}"))
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        h.join().expect("loading thread panicked").unwrap_or_else(|e| panic!("thread {i}: {e}"));
    }
}
