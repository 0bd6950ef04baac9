//! `cargo bench --bench serve_load`: load on `vetted serve`.
//!
//! Starts the server in this process on a free loopback port with a
//! temporary data directory and the bundled KB (lexical), uploads the
//! Northwind sample, then runs 50 concurrent clients (threads with `ureq`,
//! keep-alive) for 30 s, each alternating a review page (the full HTML page
//! of all questions) and a decision (an edit, committed to disk with fsync
//! before the response). Prints requests/s, p50/p99 latency per kind and
//! overall, and the errors (any non-2xx or transport error), which must be
//! zero: the bench exits 1 otherwise.
//!
//! `VETTED_LOAD_CLIENTS` and `VETTED_LOAD_SECS` change the defaults.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vetted::matcher::{Matcher, Options};
use vetted::review::Store;
use vetted::web::{self, AppState, Config, Loader};

const BOUNDARY: &str = "XvettedBoundaryX";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .max_idle_connections_per_host(4)
        .build()
        .into()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e3
}

fn report(name: &str, mut times: Vec<Duration>, secs: f64) {
    times.sort();
    println!(
        "{name:<16} {:>7} requests  {:>8.1} req/s   p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms",
        times.len(),
        times.len() as f64 / secs,
        percentile(&times, 0.50),
        percentile(&times, 0.99),
        times.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to filter here.
    let clients = env_or("VETTED_LOAD_CLIENTS", 50) as usize;
    let secs = env_or("VETTED_LOAD_SECS", 30);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let kb_dir = root.join("knowledge_base");
    let data = tempfile::tempdir().expect("temp dir");

    let store = Store::open(data.path()).expect("store");
    let load = |dir: &std::path::Path| {
        vetted::kb::load(dir)
            .map_err(|e| e.to_string())
            .and_then(|k| Matcher::new(k, Options::default()).map_err(|e| e.to_string()))
    };
    let matcher = load(&kb_dir).expect("bundled KB");
    let reload_dir = kb_dir.clone();
    let loader: Loader = Arc::new(move || load(&reload_dir));
    let config = Config {
        token: None,
        max_upload: 20 * 1024 * 1024,
        kb_dir,
    };
    let state = AppState::new(store, matcher, loader, config);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        web::run(state, "127.0.0.1:0".parse().unwrap(), move |addr| {
            let _ = tx.send(addr);
        })
        .expect("server runs");
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("server listening");
    let site = format!("http://{addr}");

    // Upload the sample, as a script would.
    let sample = std::fs::read(root.join("samples/northwind-vendor-assessment.xlsx")).unwrap();
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"northwind-vendor-assessment.xlsx\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&sample);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let mut r = agent()
        .post(&format!("{site}/api/questionnaires"))
        .header(
            "Content-Type",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("X-Vetted-Reviewer", "load")
        .send(&body[..])
        .expect("upload");
    assert_eq!(r.status(), 201);
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    let mut r = agent()
        .get(&format!("{site}/api/questionnaires/{id}"))
        .call()
        .unwrap();
    let q: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    let answers: Arc<Vec<String>> = Arc::new(
        q["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["allowed"][0].as_str().unwrap_or("Yes").to_string())
            .collect(),
    );
    println!(
        "vetted serve at {site}: {} questions, {clients} clients for {secs} s (2 CPUs shared by server and clients: {} available)",
        answers.len(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let (site, id, answers) = (site.clone(), id.clone(), answers.clone());
            std::thread::spawn(move || {
                let agent = agent();
                let (mut pages, mut decisions, mut errors) = (Vec::new(), Vec::new(), 0usize);
                let mut i = c;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let ok = match agent
                        .get(&format!("{site}/questionnaires/{id}"))
                        .header("Cookie", "vetted_reviewer=load")
                        .call()
                    {
                        Ok(mut r) => {
                            r.status() == 200 && r.body_mut().read_to_string().is_ok_and(|b| b.contains("article"))
                        }
                        Err(_) => false,
                    };
                    pages.push(t.elapsed());
                    errors += usize::from(!ok);

                    let index = i % answers.len();
                    i += clients;
                    let body = json!({"action": "edit", "answer": answers[index], "note": format!("client {c}")});
                    let t = Instant::now();
                    let ok = match agent
                        .post(&format!("{site}/api/questionnaires/{id}/questions/{index}/decision"))
                        .header("Content-Type", "application/json")
                        .header("X-Vetted-Reviewer", format!("client {c}"))
                        .send(body.to_string())
                    {
                        Ok(mut r) => r.status() == 200 && r.body_mut().read_to_string().is_ok(),
                        Err(_) => false,
                    };
                    decisions.push(t.elapsed());
                    errors += usize::from(!ok);
                }
                (pages, decisions, errors)
            })
        })
        .collect();
    let (mut pages, mut decisions, mut errors) = (Vec::new(), Vec::new(), 0);
    for h in handles {
        let (p, d, e) = h.join().expect("client");
        pages.extend(p);
        decisions.extend(d);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let all: Vec<Duration> = pages.iter().chain(&decisions).copied().collect();
    report("review page", pages, elapsed);
    report("decision", decisions, elapsed);
    report("all", all, elapsed);
    println!("errors: {errors}");
    if errors > 0 {
        std::process::exit(1);
    }
}
