//! `needle serve`: a local HTTP endpoint that speaks OpenAI's chat-completions API with `tools`
//! (for agent frameworks and apps that already talk to Ollama or llama.cpp's server), plus
//! needle's own `/v1/calls`. docs/serve.md documents the endpoints, limits, errors and security.
//!
//! Layout: `openai` (the wire format), `workers` (the engines, one per worker thread, behind a
//! bounded queue); here the flags, the routes and the middleware (authentication, logging).
//! HTTP is axum on tokio; inference never runs on the async threads.

mod openai;
mod workers;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::Args;
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::cli::EngineArgs;
use needle_core::{tools, InputError};
use openai::{parse_chat, ApiError, Completion, ToolChoice};
use workers::{Answered, CallMode, Job, JobError, Refused, ToolSet, Workers};

/// `needle serve` flags (the model flags are the global ones).
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on. Anything but a loopback address needs an API key.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on (0: any free port; the address is printed on stderr).
    #[arg(long, default_value_t = 8088)]
    pub port: u16,

    /// Tool files or directories: the tools a request that brings none is answered with.
    #[arg(long, short, value_name = "PATH", num_args = 1..)]
    pub tools: Vec<PathBuf>,

    /// Every request must carry `Authorization: Bearer KEY` (401 otherwise).
    #[arg(long, value_name = "KEY", env = "NEEDLE_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,

    /// Inference workers, each with its own copy of the model (default: one per core; each
    /// then runs ONNX Runtime on one thread unless --threads says otherwise).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,

    /// Requests waiting for a worker at most; one more is refused at once with 503 and
    /// Retry-After.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub queue: usize,

    /// Largest request body in bytes (413 beyond).
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_body: usize,

    /// Most tools one request may bring (400 beyond).
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub max_tools: usize,

    /// A request not answered within this many milliseconds (waiting included) gets 504.
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    pub deadline_ms: u64,

    /// Allow browser requests from this origin (CORS). Default: no CORS headers.
    #[arg(long, value_name = "ORIGIN")]
    pub cors: Option<String>,
}

struct AppState {
    workers: Workers,
    default_tools: ToolSet,
    api_key: Option<String>,
    max_tools: usize,
    deadline: Duration,
    verbose: bool,
    next_id: AtomicU64,
    started: u64,
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The address to bind: an IP address or `localhost`; a non-loopback one only with a key.
fn bind_address(args: &ServeArgs) -> Result<SocketAddr> {
    let ip: IpAddr = match args.host.as_str() {
        "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        h => h.parse().map_err(|_| InputError(format!("--host {h}: not an IP address (or localhost)")))?,
    };
    if !ip.is_loopback() && args.api_key.as_deref().is_none_or(str::is_empty) {
        return Err(InputError(format!(
            "--host {ip} is reachable from other machines: set an API key (--api-key or NEEDLE_API_KEY) to serve on it"
        ))
        .into());
    }
    Ok(SocketAddr::new(ip, args.port))
}

pub fn run(args: &ServeArgs, eargs: &EngineArgs) -> Result<()> {
    let addr = bind_address(args)?;
    let tools = if args.tools.is_empty() { Vec::new() } else { tools::load_paths(&args.tools, &[])? };
    let default_tools = ToolSet { key: Arc::from(""), tools: Arc::new(tools) };
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let n = args.workers.map_or(cores, usize::from);
    let mut eargs = eargs.clone();
    if eargs.threads.is_none() && n > 1 {
        eargs.threads = Some(1);
    }
    let started = Instant::now();
    let workers = Workers::start(n, args.queue, &eargs, default_tools.clone())?;
    let model = workers.model_name.clone();
    let state = Arc::new(AppState {
        workers,
        default_tools,
        api_key: args.api_key.clone().filter(|k| !k.is_empty()),
        max_tools: args.max_tools,
        deadline: Duration::from_millis(args.deadline_ms),
        verbose: eargs.verbose,
        next_id: AtomicU64::new(0),
        started: unix_now(),
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| InputError(format!("cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr()?;
        eprintln!(
            "needle serve: listening on http://{local} (model {model}, {n} worker(s), queue {}, {} default tool(s); ready in {:.0} ms)",
            args.queue,
            state.default_tools.tools.len(),
            started.elapsed().as_secs_f64() * 1e3
        );
        let app = router(state.clone(), args)?;
        axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.context("the server failed")
    })?;
    eprintln!("needle serve: shutting down after the requests in flight");
    // The handlers have all returned; the workers finish whatever is left and exit.
    if let Ok(state) = Arc::try_unwrap(state) {
        state.workers.join();
    }
    Ok(())
}

fn router(state: Arc<AppState>, args: &ServeArgs) -> Result<Router> {
    let mut app = Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/calls", post(calls))
        .route("/v1/models", get(models))
        .route("/health", get(health))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "invalid_request_error", "unknown_url", "no such endpoint") })
        .layer(DefaultBodyLimit::max(args.max_body))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .with_state(state.clone());
    if let Some(origin) = &args.cors {
        let origin: HeaderValue = origin.parse().map_err(|_| InputError(format!("--cors {origin}: not a valid origin")))?;
        app = app.layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(origin)
                .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
                .allow_headers([axum::http::header::AUTHORIZATION, axum::http::header::CONTENT_TYPE]),
        );
    }
    Ok(app.layer(middleware::from_fn(log_request)))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Method, path, status and time of every request on stderr (nothing else is logged).
async fn log_request(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let start = Instant::now();
    let response = next.run(request).await;
    eprintln!("needle serve: {method} {path} {} {:.1} ms", response.status().as_u16(), start.elapsed().as_secs_f64() * 1e3);
    response
}

/// With a key set, every request carries `Authorization: Bearer KEY`, compared in constant time.
async fn authenticate(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if let Some(key) = &state.api_key {
        let given = request
            .headers()
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        let ok: bool = subtle::ConstantTimeEq::ct_eq(given.as_bytes(), key.as_bytes()).into();
        if !ok {
            return ApiError::new(StatusCode::UNAUTHORIZED, "invalid_request_error", "invalid_api_key",
                                 "missing or wrong API key (send Authorization: Bearer KEY)")
                .into_response();
        }
    }
    next.run(request).await
}

/// The body as JSON, or the error a client should see (413 past --max-body, 400 otherwise).
fn json_body(body: Result<Bytes, BytesRejection>) -> Result<Value, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request_error", "request_too_large",
                          "the request body is larger than the server's --max-body")
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_request_error", "invalid_body", format!("cannot read the body: {e}"))
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| ApiError::invalid("", format!("the body is not valid JSON: {e}")))
}

/// A request's tools (OpenAI function objects, or any tool form needle reads), or the server's.
fn tool_set(state: &AppState, tools: Option<Vec<Value>>) -> Result<ToolSet, ApiError> {
    let Some(list) = tools else { return Ok(state.default_tools.clone()) };
    if list.len() > state.max_tools {
        return Err(ApiError::invalid("tools", format!("{} tools: at most {} per request (--max-tools)", list.len(), state.max_tools)));
    }
    let doc = Value::Array(list);
    let parsed = tools::tools_from_document(&doc, "request").map_err(|e| ApiError::invalid("tools", e.to_string()))?;
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = parsed.iter().find(|t| !seen.insert(t.name.as_str())) {
        return Err(ApiError::invalid("tools", format!("two tools are named \"{}\"", dup.name)));
    }
    Ok(ToolSet { key: Arc::from(doc.to_string()), tools: Arc::new(parsed) })
}

/// Queues the request for a worker and waits for its answer, within the deadline.
async fn ask(state: &AppState, query: String, tools: ToolSet, mode: CallMode) -> Result<Answered, ApiError> {
    let (reply, answer) = oneshot::channel();
    let job = Job { query, tools, mode, deadline: Instant::now() + state.deadline, reply };
    match state.workers.submit(job) {
        Ok(()) => {}
        Err(Refused::Full) => {
            let mut e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "server_error", "overloaded",
                                      "every worker is busy and the queue is full: retry shortly");
            e.retry_after = Some(1);
            return Err(e);
        }
        Err(Refused::Closed) => {
            return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "server_error", "shutting_down", "the server is shutting down"))
        }
    }
    let timeout = || {
        ApiError::new(StatusCode::GATEWAY_TIMEOUT, "server_error", "timeout",
                      format!("no answer within the server's deadline of {} ms", state.deadline.as_millis()))
    };
    match tokio::time::timeout(state.deadline, answer).await {
        Ok(Ok(Ok(answered))) => Ok(answered),
        Ok(Ok(Err(JobError::Expired))) | Err(_) => Err(timeout()),
        Ok(Ok(Err(JobError::Engine(e)))) => Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "engine_error", e)),
        Ok(Err(_)) => Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "worker_stopped", "the worker stopped")),
    }
}

async fn chat_completions(State(state): State<Arc<AppState>>, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let request = parse_chat(&json_body(body)?)?;
    let mut tools = tool_set(&state, request.tools)?;
    let mode = match &request.tool_choice {
        ToolChoice::Auto => Some(CallMode::Auto),
        ToolChoice::None => None,
        ToolChoice::Required => Some(CallMode::Required),
        ToolChoice::Function(name) => {
            let Some(tool) = tools.tools.iter().find(|t| &t.name == name) else {
                return Err(ApiError::invalid("tool_choice", format!("tool_choice names \"{name}\", which is not among the tools")));
            };
            tools = ToolSet { key: Arc::from(format!("{}\u{0}{name}", tools.key)), tools: Arc::new(vec![tool.clone()]) };
            Some(CallMode::Required)
        }
    };
    if mode == Some(CallMode::Required) && tools.tools.is_empty() {
        return Err(ApiError::invalid("tool_choice", "a call is required but there are no tools (send tools, or start the server with --tools)"));
    }
    let id = format!("chatcmpl-{:x}{:06x}", state.started, state.next_id.fetch_add(1, Ordering::Relaxed));
    let mut completion = Completion { id, created: unix_now(), model: state.workers.model_name.clone(), calls: Vec::new(),
                                      prompt_tokens: 0, completion_tokens: 0 };
    // tool_choice "none": the model is not asked; the answer is no call.
    if let Some(mode) = mode {
        let verbose_query = state.verbose.then(|| request.query.clone());
        let answered = ask(&state, request.query, tools, mode).await?;
        if let Some(q) = verbose_query {
            eprintln!("needle serve: {q:?} -> {} ({:.1} ms)", Value::Array(answered.prediction.calls.clone()), answered.prediction.ms);
        }
        completion.calls = answered.prediction.calls;
        completion.prompt_tokens = answered.prompt_tokens;
        completion.completion_tokens = answered.completion_tokens;
    }
    if !request.stream {
        return Ok(Json(completion.to_json()).into_response());
    }
    let events: Vec<Result<Event, std::convert::Infallible>> = completion
        .chunks(request.include_usage)
        .into_iter()
        .map(|c| Ok(Event::default().data(c.to_string())))
        .chain(std::iter::once(Ok(Event::default().data("[DONE]"))))
        .collect();
    Ok(Sse::new(futures_util::stream::iter(events)).into_response())
}

/// needle's own shape: `{"query", "tools"?}` -> the object `--meta` prints.
async fn calls(State(state): State<Arc<AppState>>, body: Result<Bytes, BytesRejection>) -> Result<Json<Value>, ApiError> {
    let body = json_body(body)?;
    let query = body
        .get("query")
        .and_then(Value::as_str)
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("query", "query: a non-empty string is required"))?
        .to_string();
    let tools = match body.get("tools") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => Some(list.clone()),
        Some(_) => return Err(ApiError::invalid("tools", "tools: must be an array of tools")),
    };
    let tools = tool_set(&state, tools)?;
    let answered = ask(&state, query.clone(), tools, CallMode::Auto).await?;
    Ok(Json(crate::output::meta_object(&query, &answered.prediction)))
}

async fn models(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({"object": "list", "data": [
        {"id": state.workers.model_name, "object": "model", "created": state.started, "owned_by": "needle"}]}))
}

async fn health(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({"status": "ok", "model": state.workers.model_name, "tools": state.default_tools.tools.len()}))
}
