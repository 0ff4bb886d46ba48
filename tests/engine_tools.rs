//! The engine's tool list: what a tool keeps when the list changes around it.

mod common;
use common::*;

use needle::engine::Engine;
use needle::onnx::ModelOptions;
use needle::tools::load_file;
use needle::values::Context;

#[test]
fn a_tool_keeps_its_tokenized_segment_when_tools_are_added_or_removed() {
    let mut engine = Engine::load(&model(), &ModelOptions::default(), Context::on("2026-12-07").unwrap()).unwrap();
    let tools = load_file(&example("assistant-20.json")).unwrap();
    let (first, rest) = tools.split_at(10);
    engine.set_tools(first.to_vec()).unwrap();
    assert_eq!(engine.tokenized_tools(), 0, "nothing is tokenized before a request shortlists it");
    engine.predict("turn off the kitchen lights").unwrap();
    let read = engine.tokenized_tools();
    assert!(read > 0 && read <= engine.model.manifest.k, "the shortlisted tools are tokenized: {read}");
    // Adding tools (the REPL's :load) keeps what was tokenized.
    engine.add_tools(rest.to_vec()).unwrap();
    assert_eq!(engine.tokenized_tools(), read);
    // Removing a tool that was never read keeps the others' too.
    let unread = rest.last().unwrap().name.clone();
    assert!(engine.remove_tool(&unread).unwrap());
    assert_eq!(engine.tokenized_tools(), read);
    // A tool whose definition changed under the same name is tokenized again when read.
    let mut changed = first.to_vec();
    for t in &mut changed {
        t.description.push_str(" (changed)");
    }
    engine.set_tools(changed).unwrap();
    assert_eq!(engine.tokenized_tools(), 0);
}
