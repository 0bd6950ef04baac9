//! The real `vetted serve` over HTTP: durability of decisions when the
//! process is killed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::browser::serve;
use crate::support::repo;

const BOUNDARY: &str = "XvettedBoundaryX";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Uploads a file as a script would (no Origin header); returns its id.
pub fn upload(site: &str, name: &str, bytes: &[u8]) -> String {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let mut r = agent()
        .post(&format!("{site}/api/questionnaires"))
        .header(
            "Content-Type",
            &format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("X-Vetted-Reviewer", "Loader")
        .send(&body[..])
        .expect("upload");
    let text = r.body_mut().read_to_string().unwrap();
    assert_eq!(r.status(), 201, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    v["id"].as_str().unwrap().to_string()
}

pub fn get_json(site: &str, path: &str) -> Value {
    let mut r = agent().get(&format!("{site}{path}")).call().expect("GET");
    assert_eq!(r.status(), 200);
    serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap()
}

#[test]
fn decisions_acknowledged_before_a_kill_9_survive_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut server, site) = serve(&data);
    let sample = std::fs::read(repo().join("samples/northwind-vendor-assessment.xlsx")).unwrap();
    let id = upload(&site, "northwind-vendor-assessment.xlsx", &sample);
    let q = get_json(&site, &format!("/api/questionnaires/{id}"));
    let questions = q["questions"].as_array().unwrap().clone();
    let n = questions.len();
    assert!(n >= 20, "{n}");

    // Four clients edit their share of the questions round after round,
    // each edit's note naming its round; the server is killed mid-burst.
    let acked: Arc<Mutex<HashMap<usize, u64>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|t| {
            let (site, id, acked, stop) = (site.clone(), id.clone(), acked.clone(), stop.clone());
            let answers: Vec<String> = questions
                .iter()
                .map(|q| q["allowed"][0].as_str().unwrap_or("Yes, see policy").to_string())
                .collect();
            std::thread::spawn(move || {
                let agent = agent();
                for round in 0u64.. {
                    for (i, answer) in answers.iter().enumerate().filter(|(i, _)| i % 4 == t) {
                        if stop.load(Ordering::SeqCst) {
                            return;
                        }
                        let body = json!({"action": "edit", "answer": answer, "note": format!("round {round}")});
                        let sent = agent
                            .post(&format!("{site}/api/questionnaires/{id}/questions/{i}/decision"))
                            .header("Content-Type", "application/json")
                            .header("X-Vetted-Reviewer", format!("client {t}"))
                            .send(body.to_string());
                        match sent {
                            Ok(r) if r.status() == 200 => {
                                acked.lock().unwrap().insert(i, round);
                            }
                            Ok(r) => panic!("question {i}: status {}", r.status()),
                            // The server is gone.
                            Err(_) => return,
                        }
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    // SIGKILL: no graceful shutdown, no chance to flush anything.
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    eprintln!(
        "{} questions had acknowledged decisions ({} rounds at most) when killed",
        acked.len(),
        acked.values().max().map_or(0, |r| r + 1)
    );
    assert!(
        acked.len() >= n.min(20),
        "only {} decisions acknowledged",
        acked.len()
    );

    // Restarted on the same data: every acknowledged decision is there (or
    // a later one, whose response the kill cut off).
    let (_server, site) = serve(&data);
    let q = get_json(&site, &format!("/api/questionnaires/{id}"));
    for (i, round) in &acked {
        let d = &q["questions"][*i]["decision"];
        assert_eq!(d["action"], "edit", "question {i}: {d}");
        let stored: u64 = d["note"]
            .as_str()
            .and_then(|n| n.strip_prefix("round "))
            .and_then(|r| r.parse().ok())
            .unwrap_or_else(|| panic!("question {i}: {d}"));
        assert!(
            stored == *round || stored == round + 1,
            "question {i}: acknowledged round {round}, stored {stored}"
        );
    }
    // And the server still takes decisions.
    let r = agent()
        .post(&format!(
            "{site}/api/questionnaires/{id}/questions/0/decision"
        ))
        .header("Content-Type", "application/json")
        .header("X-Vetted-Reviewer", "after")
        .send(json!({"action": "clear"}).to_string())
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// An empty KB folder is served, with a warning on how to start it.
#[test]
fn an_empty_kb_is_served_with_a_hint_to_start_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("kb")).unwrap();
    let (_server, site, said) =
        crate::browser::serve_saying(&dir.path().join("data"), &dir.path().join("kb"));
    let said = said.join("\n");
    assert!(said.contains("warning: knowledge base `"), "{said}");
    assert!(said.contains("has no entries yet"), "{said}");
    assert!(said.contains("hint: import questionnaires"), "{said}");
    assert_eq!(get_json(&site, "/api/kb")["entries"], 0);
    // A questionnaire uploaded meanwhile is read, and nothing drafted.
    let sample = std::fs::read(repo().join("samples/northwind-vendor-assessment.xlsx")).unwrap();
    let id = upload(&site, "northwind-vendor-assessment.xlsx", &sample);
    let summary = &get_json(&site, &format!("/api/questionnaires/{id}"))["summary"];
    assert!(summary["questions"].as_u64().unwrap() > 50, "{summary}");
    assert_eq!(summary["auto"], 0, "{summary}");
    assert_eq!(summary["review"], 0, "{summary}");
}
