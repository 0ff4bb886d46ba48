//! The inference workers: a fixed pool of threads, each with its own engine, behind one bounded
//! queue. A full queue refuses at once (the handler answers 503); a job whose deadline passed
//! while it waited is skipped, not run.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::{Context, Result};
use tokio::sync::oneshot;

use crate::cli::EngineArgs;
use needle_core::calls::Prediction;
use needle_core::tools::Tool;

/// A set of tools as a request brings it: `key` is its exact JSON text, so a worker whose engine
/// already holds the set (or whose engine remembers the tools' encodings) encodes nothing.
#[derive(Clone)]
pub struct ToolSet {
    pub key: Arc<str>,
    pub tools: Arc<Vec<Tool>>,
}

/// Whether the answer may be `[]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallMode {
    /// The model decides (`tool_choice: "auto"`).
    Auto,
    /// At least one call while a tool is loaded (`"required"`, or a named function).
    Required,
}

pub struct Job {
    pub query: String,
    pub tools: ToolSet,
    pub mode: CallMode,
    pub deadline: Instant,
    pub reply: oneshot::Sender<Result<Answered, JobError>>,
}

/// A worker's answer: the prediction and the token counts for `usage`.
pub struct Answered {
    pub prediction: Prediction,
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
}

#[derive(Debug)]
pub enum JobError {
    /// The deadline passed while the job waited in the queue.
    Expired,
    /// The engine failed (the message is for the client).
    Engine(String),
}

/// The pool: hand jobs to [`Workers::submit`]; dropping it lets the threads finish what is
/// queued and exit ([`Workers::join`] waits for them).
pub struct Workers {
    queue: Option<SyncSender<Job>>,
    threads: Vec<JoinHandle<()>>,
    pub model_name: String,
}

/// Why a job was not queued.
pub enum Refused {
    Full,
    Closed,
}

impl Workers {
    /// Starts `n` workers, each loading its own engine with `tools` (the server's `--tools`),
    /// behind a queue of `queue` jobs. Fails when any engine fails to load.
    pub fn start(n: usize, queue: usize, eargs: &EngineArgs, tools: ToolSet) -> Result<Workers> {
        let (tx, rx) = sync_channel::<Job>(queue);
        let rx = Arc::new(Mutex::new(rx));
        let mut threads = Vec::new();
        let mut names = Vec::new();
        for i in 0..n {
            let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<String, String>>();
            let (rx, eargs, tools) = (rx.clone(), eargs.clone(), tools.clone());
            let handle = std::thread::Builder::new()
                .name(format!("needle-worker-{i}"))
                .spawn(move || worker(rx, &eargs, tools, ready_tx))
                .context("cannot start a worker thread")?;
            threads.push(handle);
            // One at a time: engines load faster than they would fighting for the cores.
            match ready_rx.recv() {
                Ok(Ok(name)) => names.push(name),
                Ok(Err(e)) => anyhow::bail!("{e}"),
                Err(_) => anyhow::bail!("worker {i} stopped while loading the model"),
            }
        }
        Ok(Workers { queue: Some(tx), threads, model_name: names.pop().unwrap_or_default() })
    }

    /// Queues a job, or says at once why not.
    pub fn submit(&self, job: Job) -> Result<(), Refused> {
        let Some(queue) = &self.queue else { return Err(Refused::Closed) };
        queue.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => Refused::Full,
            TrySendError::Disconnected(_) => Refused::Closed,
        })
    }

    /// Stops taking jobs and waits for the workers to finish the queued ones.
    pub fn join(mut self) {
        self.queue = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn worker(jobs: Arc<Mutex<Receiver<Job>>>, eargs: &EngineArgs, tools: ToolSet, ready: std::sync::mpsc::Sender<Result<String, String>>) {
    let mut engine = match crate::load_engine(eargs, (*tools.tools).clone(), false) {
        Ok(e) => e,
        Err(e) => {
            let _ = ready.send(Err(crate::error_text(&e)));
            return;
        }
    };
    let _ = ready.send(Ok(engine.name().to_string()));
    let mut loaded = tools.key;
    loop {
        // The lock is held only while waiting for the next job, never while running one.
        let job = match jobs.lock().map(|rx| rx.recv()) {
            Ok(Ok(job)) => job,
            _ => return,
        };
        if Instant::now() >= job.deadline {
            let _ = job.reply.send(Err(JobError::Expired));
            continue;
        }
        let result = (|| -> Result<Answered> {
            if job.tools.key != loaded {
                engine.set_tools((*job.tools.tools).clone()).context("cannot encode the tools")?;
                loaded = job.tools.key.clone();
            }
            let prediction = match job.mode {
                CallMode::Auto => engine.predict(&job.query)?,
                CallMode::Required => engine.predict_required(&job.query)?,
            };
            let calls = serde_json::to_string(&prediction.calls)?;
            Ok(Answered {
                prompt_tokens: engine.count_tokens(&job.query),
                completion_tokens: if prediction.calls.is_empty() { 0 } else { engine.count_tokens(&calls) },
                prediction,
            })
        })();
        let _ = job.reply.send(result.map_err(|e| JobError::Engine(crate::error_text(&e))));
    }
}
