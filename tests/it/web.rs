//! The review web UI and JSON API, driven through `web::router` without
//! sockets; and `vetted serve`'s refusal to start, through the real binary.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;
use vetted::matcher::{Matcher, Options};
use vetted::review::Store;
use vetted::web::{self, AppState, Config, Loader};

use crate::support::{Test, changed_entries, repo};

const TOKEN: &str = "correct-horse-battery";
const BOUNDARY: &str = "XvettedBoundaryX";

struct App {
    router: axum::Router,
    dir: tempfile::TempDir,
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The KB's matcher as `vetted serve` builds it (an empty folder is an
/// empty KB).
fn matcher(kb: &std::path::Path) -> Matcher {
    let loaded = vetted::kb::allow_empty(kb, vetted::kb::load(kb)).expect("KB loads");
    Matcher::new(loaded, Options::default()).expect("matcher")
}

impl App {
    fn new(token: Option<&str>) -> App {
        App::with_kb(token, &repo().join("knowledge_base"))
    }

    fn with_kb(token: Option<&str>, kb: &std::path::Path) -> App {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data")).unwrap();
        let kb_dir = kb.to_path_buf();
        let reload_dir = kb_dir.clone();
        let loader: Loader = Arc::new(move || {
            vetted::kb::allow_empty(&reload_dir, vetted::kb::load(&reload_dir))
                .map_err(|e| e.to_string())
                .and_then(|k| Matcher::new(k, Options::default()).map_err(|e| e.to_string()))
        });
        let config = Config {
            token: token.map(str::to_string),
            max_upload: 1024 * 1024,
            kb_dir: kb_dir.clone(),
        };
        let state = AppState::new(store, matcher(&kb_dir), loader, config);
        App {
            router: web::router(state),
            dir,
        }
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A request as the browser of reviewer Ann sends it.
    fn req(method: &str, uri: &str) -> axum::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::COOKIE, "vetted_reviewer=Ann")
    }

    async fn get(&self, uri: &str) -> Reply {
        self.send(App::req("GET", uri).body(Body::empty()).unwrap())
            .await
    }

    async fn delete(&self, uri: &str) -> Reply {
        self.send(
            App::req("DELETE", uri)
                .header(header::ORIGIN, "http://127.0.0.1:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    async fn post_json(&self, uri: &str, body: Value) -> Reply {
        self.send(
            App::req("POST", uri)
                .header(header::ORIGIN, "http://127.0.0.1:8080")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    async fn upload(&self, name: &str, bytes: &[u8], customer: Option<&str>) -> Reply {
        self.post_file("/api/questionnaires", name, bytes, customer)
            .await
    }

    async fn post_file(
        &self,
        uri: &str,
        name: &str,
        bytes: &[u8],
        customer: Option<&str>,
    ) -> Reply {
        self.send(
            App::req("POST", uri)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(Body::from(multipart(name, bytes, customer)))
                .unwrap(),
        )
        .await
    }

    async fn upload_sample(&self) -> (String, usize) {
        let bytes = std::fs::read(repo().join("samples/northwind-vendor-assessment.xlsx")).unwrap();
        let r = self
            .upload(
                "northwind-vendor-assessment.xlsx",
                &bytes,
                Some("Northwind"),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let v = r.json();
        (
            v["id"].as_str().unwrap().to_string(),
            v["questions"].as_u64().unwrap() as usize,
        )
    }
}

fn multipart(name: &str, bytes: &[u8], customer: Option<&str>) -> Vec<u8> {
    let mut body = Vec::new();
    if let Some(c) = customer {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"customer\"\r\n\r\n{c}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn question_where(q: &Value, f: impl Fn(&Value) -> bool) -> &Value {
    q["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| f(x))
        .expect("a matching question")
}

#[tokio::test]
async fn upload_list_get_decide_and_export() {
    let app = App::new(None);
    let (id, n) = app.upload_sample().await;
    assert!(n > 50);

    let list = app.get("/api/questionnaires").await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.json();
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["file_name"], "northwind-vendor-assessment.xlsx");
    assert_eq!(list[0]["customer"], "Northwind");
    assert_eq!(list[0]["counts"]["questions"], n);
    assert_eq!(list[0]["progress"], 0);

    let q = app.get(&format!("/api/questionnaires/{id}")).await.json();
    assert_eq!(q["version"], 1);
    assert_eq!(q["input"], "northwind-vendor-assessment.xlsx");
    assert_eq!(q["questions"].as_array().unwrap().len(), n);
    assert_eq!(q["questions"][0]["index"], 0);
    assert_eq!(q["questions"][0]["decision"], Value::Null);

    // Accept a drafted answer.
    // (One the cell's dropdown allows: accepting any other is a 422.)
    let drafted = question_where(&q, |x| {
        x["status"] == "review"
            && x["answer"].is_string()
            && (x["allowed"].is_null() || x["allowed"].as_array().unwrap().contains(&x["answer"]))
    });
    let i = drafted["index"].as_u64().unwrap();
    let url = format!("/api/questionnaires/{id}/questions/{i}/decision");
    let r = app.post_json(&url, json!({"action": "accept"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let d = r.json();
    assert_eq!(d["index"], i);
    assert_eq!(d["decision"]["action"], "accept");
    assert_eq!(d["decision"]["answer"], drafted["answer"]);
    assert_eq!(d["decision"]["by"], "Ann");
    assert!(d["decision"]["at"].as_str().unwrap().ends_with('Z'));

    // Edit an unmatched one.
    let unmatched = question_where(&q, |x| x["status"] == "unmatched");
    let j = unmatched["index"].as_u64().unwrap();
    let answer_cell = unmatched["answer_cell"].as_str().unwrap().to_string();
    let sheet_name = unmatched["sheet"].as_str().unwrap().to_string();
    let r = app
        .post_json(
            &format!("/api/questionnaires/{id}/questions/{j}/decision"),
            json!({"action": "edit", "answer": "No", "details": "=HYPERLINK(\"x\") stays text"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["decision"]["answer"], "No");

    // Flag without a note: 422.
    let r = app
        .post_json(
            &format!("/api/questionnaires/{id}/questions/{j}/decision"),
            json!({"action": "flag"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"].as_str().unwrap().contains("note"));
    // Unknown entry: 422. Unknown action, malformed index: a JSON 400.
    // Unknown question: 404.
    for (question, body, status) in [
        (
            i.to_string(),
            json!({"action": "choose", "entry": "no-such-entry"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            i.to_string(),
            json!({"action": "approve"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "first".to_string(),
            json!({"action": "clear"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "9999".to_string(),
            json!({"action": "clear"}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let r = app
            .post_json(
                &format!("/api/questionnaires/{id}/questions/{question}/decision"),
                body.clone(),
            )
            .await;
        assert_eq!(r.status, status, "{question}: {body}");
        if status == StatusCode::BAD_REQUEST {
            assert!(r.json()["error"].is_string(), "{question}: {body}");
        }
    }
    assert_eq!(
        app.get("/api/questionnaires/nope").await.status,
        StatusCode::NOT_FOUND
    );

    // Flag another with a note; it is not counted as reviewed.
    let k = (0..n as u64).find(|x| *x != i && *x != j).unwrap();
    let r = app
        .post_json(
            &format!("/api/questionnaires/{id}/questions/{k}/decision"),
            json!({"action": "flag", "note": "ask legal"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let list = app.get("/api/questionnaires").await.json();
    assert_eq!(list[0]["counts"]["reviewed"], 2);
    assert_eq!(list[0]["counts"]["flagged"], 1);

    // The decisions are in the questionnaire.
    let q = app.get(&format!("/api/questionnaires/{id}")).await.json();
    assert_eq!(q["questions"][i as usize]["decision"]["action"], "accept");
    assert_eq!(q["questions"][k as usize]["decision"]["note"], "ask legal");

    // The finished workbook has the edited answer in its cell.
    let r = app.get(&format!("/api/questionnaires/{id}/export")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("northwind-vendor-assessment.reviewed.xlsx")
    );
    let wb = vetted::sheet::read_bytes(std::path::Path::new("out.xlsx"), r.body.clone())
        .expect("the export is a workbook");
    let sheet = wb.sheets.iter().find(|s| s.name == sheet_name).unwrap();
    let (col, row) = split_cell(&answer_cell);
    assert_eq!(sheet.get(row, col).display(), "No");
    // It is the uploaded file itself: only the answered sheet's XML changed.
    let upload = std::fs::read(repo().join("samples/northwind-vendor-assessment.xlsx")).unwrap();
    let changed = changed_entries(&upload, &r.body);
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].starts_with("xl/worksheets/"), "{changed:?}");
    // Only decided and `auto` answers are in it: an undecided `review`
    // answer is not.
    let undecided = question_where(&q, |x| {
        x["status"] == "review" && x["index"] != i && x["index"] != j && x["index"] != k
    });
    let (col, row) = split_cell(undecided["answer_cell"].as_str().unwrap());
    let sheet_of = |name: &str| wb.sheets.iter().find(|s| s.name == name).unwrap();
    assert_eq!(
        sheet_of(undecided["sheet"].as_str().unwrap())
            .get(row, col)
            .display(),
        ""
    );
    let (col, row) = split_cell(drafted["answer_cell"].as_str().unwrap());
    assert_eq!(
        sheet_of(drafted["sheet"].as_str().unwrap())
            .get(row, col)
            .display(),
        drafted["answer"].as_str().unwrap()
    );

    // The review draft, with the decisions applied.
    let r = app
        .get(&format!("/api/questionnaires/{id}/export?format=draft"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("northwind-vendor-assessment.reviewed.draft.xlsx")
    );
    let draft = vetted::sheet::read_bytes(std::path::Path::new("d.xlsx"), r.body).unwrap();
    assert_eq!(draft.sheets[0].name, "Summary");

    // The finished report: the edited question is `auto` now.
    let r = app.get(&format!("/api/questionnaires/{id}/report")).await;
    assert_eq!(r.status, StatusCode::OK);
    let report = r.json();
    assert_eq!(report["questions"][j as usize]["status"], "auto");
    assert_eq!(report["questions"][j as usize]["answer"], "No");

    // Undo, then delete.
    let r = app
        .send(
            App::req(
                "DELETE",
                &format!("/api/questionnaires/{id}/questions/{i}/decision"),
            )
            .body(Body::empty())
            .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["decision"], Value::Null);
    let r = app
        .send(
            App::req("DELETE", &format!("/api/questionnaires/{id}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/questionnaires").await.json(), json!([]));
}

fn split_cell(cell: &str) -> (u32, u32) {
    let letters: String = cell.chars().take_while(char::is_ascii_alphabetic).collect();
    let digits = &cell[letters.len()..];
    (
        vetted::sheet::parse_column(&letters).unwrap(),
        digits.parse::<u32>().unwrap() - 1,
    )
}

#[tokio::test]
async fn decisions_survive_a_restart() {
    let app = App::new(None);
    let (id, _) = app.upload_sample().await;
    let r = app
        .post_json(
            &format!("/api/questionnaires/{id}/questions/0/decision"),
            json!({"action": "edit", "answer": "Yes"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // A second server on the same data directory sees the decision.
    let store = Store::open(&app.dir.path().join("data")).unwrap();
    let q = store.get(&id).unwrap();
    assert_eq!(q.decisions[0].as_ref().unwrap().by, "Ann");
}

#[tokio::test]
async fn accept_all_auto() {
    let app = App::new(None);
    let (id, _) = app.upload_sample().await;
    let q = app.get(&format!("/api/questionnaires/{id}")).await.json();
    let autos = q["questions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["status"] == "auto")
        .count();
    let r = app
        .post_json(&format!("/api/questionnaires/{id}/accept-auto"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["accepted"], autos);
    let list = app.get("/api/questionnaires").await.json();
    assert_eq!(list[0]["counts"]["reviewed"], autos);
}

#[tokio::test]
async fn hostile_uploads_get_clear_errors() {
    let app = App::new(None);
    let r = app.upload("report.pdf", b"%PDF-1.7 hello", None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = r.json()["error"].as_str().unwrap().to_string();
    assert!(e.contains("not a spreadsheet"), "{e}");
    assert!(!e.contains(app.dir.path().to_str().unwrap()));

    let r = app.upload("fake.xlsx", b"PK\x03\x04garbage", None).await;
    assert!(r.status.is_client_error(), "{}", r.status);

    let r = app.upload("../../../etc/passwd", b"", None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.json()["error"].as_str().unwrap().contains(".."));

    let big = vec![b'a'; 2 * 1024 * 1024];
    let r = app.upload("big.csv", &big, None).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    assert!(r.json()["error"].is_string());

    // Small, but more questions than a questionnaire has: refused before
    // any matching.
    let mut many = String::from("Question,Answer\n");
    for i in 0..=vetted::web::MAX_UPLOAD_QUESTIONS {
        many.push_str(&format!(
            "Do you rotate encryption key number {i} every year?,\n"
        ));
    }
    let r = app.upload("many.csv", many.as_bytes(), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        r.json()["error"],
        "`many.csv` has 5001 questions, more than the 5000 allowed here"
    );

    let r = app
        .send(
            App::req("POST", "/api/questionnaires")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Still serving.
    assert_eq!(app.get("/api/questionnaires").await.status, StatusCode::OK);
    assert_eq!(app.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn questionnaire_text_is_escaped() {
    let app = App::new(None);
    let csv = "ID,Question,Answer\nQ-1,<script>alert(1)</script> Do you encrypt data at rest?,\nQ-2,\"Do you have a firewall? <img src=x onerror=alert(2)>\",\nQ-3,Do you \u{202E}ton\u{202C} keep access logs?,\n";
    let r = app
        .upload("<b>evil</b>.csv", csv.as_bytes(), Some("<i>Acme</i>"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let page = app.get(&format!("/questionnaires/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img src=x"));
    // A direction override would show the question reversed: dropped.
    assert!(html.contains("Do you ton keep access logs?"), "{html}");
    assert!(!html.contains('\u{202E}'));
    let home = app.get("/").await.text();
    assert!(home.contains("&#60;i&#62;Acme&#60;/i&#62;"), "{home}");
    assert!(!home.contains("<i>Acme"));
    let fragment = app.get(&format!("/questionnaires/{id}/questions/0")).await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(fragment.text().starts_with("<article"));
}

#[tokio::test]
async fn pages_render_with_security_headers() {
    let app = App::new(None);
    let (id, _) = app.upload_sample().await;
    for uri in [
        "/".to_string(),
        format!("/questionnaires/{id}"),
        "/entries/encryption-at-rest".to_string(),
        "/static/app.js".to_string(),
        "/static/app.css".to_string(),
    ] {
        let r = app.get(&uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
        let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("script-src 'self'"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
    let page = app.get(&format!("/questionnaires/{id}")).await.text();
    // A question's line of sources opens with what it has: an unmatched
    // question shows its dropdown's values without a separator before them.
    for meta in page.split("<p class=\"meta\">").skip(1) {
        let meta = meta.trim_start();
        assert!(!meta.starts_with('·'), "{}", &meta[..meta.len().min(200)]);
    }
    assert!(page.contains("Suggested: <code>Yes</code>"), "{page}");
    assert!(!page.contains("<script>"), "no inline script");
    assert!(!page.contains("style=\""), "no inline style");
    assert!(!page.contains(" onclick="));
    let r = app.get("/entries/no-such-entry").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("no entry"));
    let r = app
        .send(
            App::req("PUT", "/api/questionnaires")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.json()["error"].is_string());
    let r = app.get("/api/nothing-here").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].is_string());
    // A bad query is a JSON error too, naming what is wrong.
    let r = app
        .get(&format!("/api/questionnaires/{id}/export?format=bogus"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let message = r.json()["error"].as_str().unwrap().to_string();
    assert!(message.contains("unknown variant `bogus`"), "{message}");
    // Pages answer a wrong method with an HTML page.
    let r = app
        .send(App::req("DELETE", "/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
    );
    assert!(r.text().contains("this page does not take that method"));
}

#[tokio::test]
async fn pages_ask_for_a_reviewer_name_once() {
    let app = App::new(None);
    let r = app
        .send(
            Request::builder()
                .uri("/questionnaires/x?y=1")
                .header(header::HOST, "127.0.0.1:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers[header::LOCATION],
        "/login?next=%2Fquestionnaires%2Fx%3Fy%3D1"
    );
    let r = app
        .send(
            Request::builder()
                .method("POST")
                .uri("/login")
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::ORIGIN, "http://127.0.0.1:8080")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("name=Ann+O%27Neil&next=%2F%2Fevil.example"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/", "no open redirect");
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.starts_with("vetted_reviewer=Ann+O%27Neil;"),
        "{cookie}"
    );
    assert!(cookie.contains("SameSite=Strict") && cookie.contains("HttpOnly"));

    // An API decision without a name is refused.
    let (id, _) = app.upload_sample().await;
    let r = app
        .send(
            Request::builder()
                .method("POST")
                .uri(format!("/api/questionnaires/{id}/questions/0/decision"))
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"action":"clear"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("X-Vetted-Reviewer")
    );
}

#[tokio::test]
async fn cross_origin_writes_are_refused() {
    let app = App::new(None);
    for (name, value) in [
        (header::ORIGIN, "http://evil.example"),
        (header::REFERER, "http://evil.example/page"),
    ] {
        let r = app
            .send(
                App::req("POST", "/api/kb/reload")
                    .header(name, value)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.json()["error"].as_str().unwrap().contains("cross-origin"));
    }
    let r = app
        .send(
            App::req("POST", "/login")
                .header(header::ORIGIN, "http://evil.example")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("name=Mallory"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn another_host_name_is_refused_without_a_token() {
    // DNS rebinding: evil.example resolves to 127.0.0.1, and its page
    // calls the server under its own name, with its own Origin.
    let app = App::new(None);
    for (method, uri) in [
        ("GET", "/api/questionnaires"),
        ("GET", "/"),
        ("DELETE", "/api/questionnaires/000000000000000000000000"),
    ] {
        let r = app
            .send(
                Request::builder()
                    .method(method)
                    .uri(uri)
                    .header(header::HOST, "evil.example:8080")
                    .header(header::ORIGIN, "http://evil.example:8080")
                    .header("x-vetted-reviewer", "Mallory")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {uri}");
    }
    for host in ["localhost:8080", "[::1]:8080", "127.0.0.1:8080"] {
        let r = app
            .send(
                Request::builder()
                    .uri("/api/questionnaires")
                    .header(header::HOST, host)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{host}");
    }
    // With a token, any name will do (the token is the guard).
    let app = App::new(Some(TOKEN));
    let r = app
        .send(
            Request::builder()
                .uri("/api/questionnaires")
                .header(header::HOST, "vetted.internal:8080")
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_login_never_redirects_to_another_site() {
    let app = App::new(None);
    for next in [
        "/%09/evil.example",
        "/%0a/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "https://evil.example",
    ] {
        let r = app
            .send(
                Request::builder()
                    .method("POST")
                    .uri("/login")
                    .header(header::HOST, "127.0.0.1:8080")
                    .header(header::ORIGIN, "http://127.0.0.1:8080")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(format!("name=Ann&next={next}")))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(r.headers[header::LOCATION], "/", "{next}");
    }
}

/// An address that sends too many wrong tokens is held off, whether the
/// tokens come through the API or the login form, even with the right one;
/// other addresses are not.
#[tokio::test]
async fn wrong_tokens_are_throttled_per_address() {
    use axum::extract::ConnectInfo;
    let app = App::new(Some(TOKEN));
    let from = |ip: &str, token: &str| {
        let mut req = App::req("GET", "/api/questionnaires")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let addr: std::net::SocketAddr = format!("{ip}:40000").parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        req
    };
    for i in 0..10 {
        let r = app
            .send(from("192.0.2.7", &format!("guess-number-{i}")))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let r = app.send(from("192.0.2.7", TOKEN)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let message = r.json()["error"].as_str().unwrap().to_string();
    assert!(
        message.contains("too many wrong access tokens from this address; try again in 15 minutes"),
        "{message}"
    );
    let mut login = App::req("POST", "/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("name=Ann&token={TOKEN}")))
        .unwrap();
    login.extensions_mut().insert(ConnectInfo(
        "192.0.2.7:40001".parse::<std::net::SocketAddr>().unwrap(),
    ));
    let r = app.send(login).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().contains("too many wrong access tokens"));
    // Another address is not affected.
    let r = app.send(from("192.0.2.8", TOKEN)).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn a_token_guards_everything() {
    let app = App::new(Some(TOKEN));
    let r = app.get("/api/questionnaires").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json()["error"].as_str().unwrap().contains("token"));
    let r = app.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    let r = app.get("/login").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Access token"));
    assert_eq!(app.get("/static/app.css").await.status, StatusCode::OK);

    let r = app
        .send(
            App::req("GET", "/api/questionnaires")
                .header(header::AUTHORIZATION, "Bearer wrong-token-here")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .send(
            App::req("GET", "/api/questionnaires")
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    // The login form checks the token and sets it as a cookie.
    let login = |body: String| {
        Request::builder()
            .method("POST")
            .uri("/login")
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let r = app.send(login("name=Ann&token=nope".into())).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("Wrong access token"));
    let r = app.send(login(format!("name=Ann&token={TOKEN}"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookies: Vec<String> = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect();
    assert_eq!(cookies.len(), 2);
    let r = app
        .send(
            Request::builder()
                .uri("/")
                .header(header::HOST, "127.0.0.1:8080")
                .header(header::COOKIE, cookies.join("; "))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_kb_reloads_without_restart() {
    let kb = tempfile::tempdir().unwrap();
    std::fs::write(
        kb.path().join("a.toml"),
        crate::support::entry("firewall", "Do you have a firewall?", "Yes"),
    )
    .unwrap();
    let app = App::with_kb(None, kb.path());
    let status = app.get("/api/kb").await.json();
    assert_eq!(status["entries"], 1);

    std::fs::write(
        kb.path().join("b.toml"),
        crate::support::entry("mfa", "Do you enforce MFA?", "Yes"),
    )
    .unwrap();
    let r = app.post_json("/api/kb/reload", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["entries"], 2);
    assert_eq!(app.get("/entries/mfa").await.status, StatusCode::OK);

    // A broken KB keeps the previous one, and says why.
    std::fs::write(kb.path().join("c.toml"), "[[entry]]\nid = \"broken\"\n").unwrap();
    let r = app.post_json("/api/kb/reload", json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"].as_str().unwrap().contains("c.toml"));
    let status = app.get("/api/kb").await.json();
    assert_eq!(status["entries"], 2);
    assert!(status["error"].is_string());
    assert!(app.get("/").await.text().contains("does not load"));
}

#[test]
fn serve_refuses_a_network_address_without_a_token() {
    let run = Test::new()
        .env("VETTED_TOKEN", "")
        .args(["serve", "--bind", "0.0.0.0:0", "--kb"])
        .args([repo().join("knowledge_base").to_str().unwrap()])
        .run()
        .expect(1);
    assert!(
        run.stderr().contains("without an access token"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("VETTED_TOKEN"));
}

#[test]
fn serve_refuses_a_short_token() {
    Test::new()
        .args(["serve", "--bind", "0.0.0.0:0", "--token", "short"])
        .run()
        .expect(2);
}

#[tokio::test]
async fn decisions_replace_what_the_file_held() {
    let app = App::new(None);
    let csv = "ID,Question,Answer,Comments\n\
               Q-1,Do you encrypt customer data at rest?,Yes,Old details\n\
               Q-2,Do you run a firewall?,Yes,Kept\n\
               Q-3,Do you enforce multi-factor authentication for employees?,,\n";
    let r = app.upload("answered.csv", csv.as_bytes(), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let q = app.get(&format!("/api/questionnaires/{id}")).await.json();
    assert_eq!(q["questions"][0]["status"], "answered");
    let decide = |i: usize, body: Value| {
        let url = format!("/api/questionnaires/{id}/questions/{i}/decision");
        let app = &app;
        async move {
            let r = app.post_json(&url, body).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        }
    };
    decide(
        0,
        json!({"action": "edit", "answer": "No", "details": "New details"}),
    )
    .await;
    decide(1, json!({"action": "clear"})).await;
    let r = app.get(&format!("/api/questionnaires/{id}/export")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("answered.reviewed.csv")
    );
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(
        text.contains("Q-2,Do you run a firewall?,,Kept\n"),
        "{text}"
    );
    let wb = vetted::sheet::read_bytes(std::path::Path::new("answered.csv"), r.body).unwrap();
    let sheet = wb.sheets.iter().find(|s| s.name == "answered.csv").unwrap();
    let cell = |c: &str| {
        let (col, row) = split_cell(c);
        sheet.get(row, col).display()
    };
    let qs = &q["questions"];
    assert_eq!(cell(qs[0]["answer_cell"].as_str().unwrap()), "No");
    assert_eq!(cell(qs[0]["details_cell"].as_str().unwrap()), "New details");
    assert_eq!(cell(qs[1]["answer_cell"].as_str().unwrap()), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_decisions_are_all_kept() {
    let app = Arc::new(App::new(None));
    let (id, n) = app.upload_sample().await;
    let q = app.get(&format!("/api/questionnaires/{id}")).await.json();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n.min(40) {
        let (app, id) = (app.clone(), id.clone());
        // A dropdown takes only its values; free text elsewhere.
        let answer = q["questions"][i]["allowed"][0]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("answer {i}"));
        tasks.spawn(async move {
            let r = app
                .post_json(
                    &format!("/api/questionnaires/{id}/questions/{i}/decision"),
                    json!({"action": "edit", "answer": answer, "details": format!("answer {i}")}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let q = app.get(&format!("/api/questionnaires/{id}")).await.json();
    for i in 0..n.min(40) {
        assert_eq!(
            q["questions"][i]["decision"]["details"],
            format!("answer {i}")
        );
    }
    assert_eq!(q["counts"]["reviewed"], n.min(40));
}

#[tokio::test]
async fn edits_must_fit_the_answer_cells_dropdown() {
    let app = App::new(None);
    // Excel's default dropdown, which stops any other value.
    let list = rust_xlsxwriter::DataValidation::new()
        .allow_list_strings(&["Yes", "No", "N/A"])
        .unwrap();
    let book = crate::support::dropdown_workbook(
        &[
            "Do you encrypt customer data at rest?",
            "Do you enforce multi-factor authentication for employees?",
        ],
        &[],
        &[(1, 2, &list)],
    );
    let r = app.upload("strict.xlsx", &book, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let q = app.get(&format!("/api/questionnaires/{id}")).await.json();
    let question = question_where(&q, |x| x["allowed_only"] == true && x["allowed"].is_array());
    let index = question["index"].as_u64().unwrap();
    let allowed: Vec<String> = question["allowed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let uri = format!("/api/questionnaires/{id}/questions/{index}/decision");

    let r = app
        .post_json(
            &uri,
            json!({"action": "edit", "answer": "Maybe, <b>ask</b>"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let e = r.json();
    assert_eq!(e["allowed"], json!(allowed));
    let message = e["error"].as_str().unwrap();
    assert!(message.contains("Maybe"), "{message}");
    assert!(message.contains(&allowed.join(", ")), "{message}");
    // Nothing was recorded.
    let q = app.get(&format!("/api/questionnaires/{id}")).await.json();
    assert!(q["questions"][index as usize]["decision"].is_null());

    // Another spelling of an allowed value is recorded as the allowed one.
    let r = app
        .post_json(&uri, json!({"action": "edit", "answer": " yes "}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["decision"]["answer"], "Yes");
}

/// The sample's dropdowns only warn about other values (or say nothing):
/// any answer is taken there, a listed one in its listed spelling.
#[tokio::test]
async fn a_dropdown_that_only_suggests_takes_any_edit() {
    let app = App::new(None);
    let (id, _) = app.upload_sample().await;
    let q = app.get(&format!("/api/questionnaires/{id}")).await.json();
    let question = question_where(&q, |x| {
        x["allowed_only"] == false
            && x["allowed"]
                .as_array()
                .is_some_and(|a| a.iter().any(|v| v == "Yes"))
    });
    let index = question["index"].as_u64().unwrap();
    let uri = format!("/api/questionnaires/{id}/questions/{index}/decision");
    let r = app
        .post_json(
            &uri,
            json!({"action": "edit", "answer": "Northwind Health"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["decision"]["answer"], "Northwind Health");
    let r = app
        .post_json(&uri, json!({"action": "edit", "answer": " yes "}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["decision"]["answer"], "Yes");
}

/// A reviewer who picks `Yes` where the cell's dropdown does not take the
/// entry's answer (`Annually`) makes a choice, learned as such, not a
/// proposed edit.
#[tokio::test]
async fn a_dropdown_value_picked_for_a_fact_answer_is_learned_as_a_choice() {
    let kb = tempfile::tempdir().unwrap();
    let file = kb.path().join("dr.toml");
    std::fs::write(
        &file,
        crate::support::entry(
            "dr-test",
            "Do you test your disaster recovery plan annually?",
            "Annually",
        ),
    )
    .unwrap();
    let app = App::with_kb(None, kb.path());
    let list = rust_xlsxwriter::DataValidation::new()
        .allow_list_strings(&["Yes", "No"])
        .unwrap();
    let question = "Do you test your disaster recovery plan every year?";
    let book = crate::support::dropdown_workbook(&[question], &[], &[(1, 1, &list)]);
    let r = app.upload("dr.xlsx", &book, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let q = app.get(&format!("/api/questionnaires/{id}")).await.json();
    assert_eq!(q["questions"][0]["entry"], "dr-test", "{q:#}");
    let uri = format!("/api/questionnaires/{id}/questions/0/decision");
    let r = app
        .post_json(&uri, json!({"action": "edit", "answer": "Yes"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .post_json(&format!("/api/questionnaires/{id}/learn"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let learned = r.json();
    assert_eq!(
        learned["choices"],
        json!([{"entry": "dr-test", "question": question, "choice": "Yes"}]),
        "{learned:#}"
    );
    assert_eq!(learned["proposals"], json!([]), "{learned:#}");
    let toml = std::fs::read_to_string(&file).unwrap();
    assert!(
        toml.contains("choice = \"Yes\", answer = \"Annually\""),
        "{toml}"
    );
}

#[tokio::test]
async fn decisions_flow_back_into_the_kb() {
    let kb = tempfile::tempdir().unwrap();
    let file = kb.path().join("a.toml");
    std::fs::write(
        &file,
        format!(
            "# Our KB.\n{}{}{}",
            crate::support::entry("firewall", "Do you have a network firewall?", "Yes"),
            crate::support::entry("mfa", "Do you enforce multi-factor authentication?", "Yes"),
            crate::support::entry(
                "encryption-at-rest",
                "Is customer data encrypted at rest?",
                "Yes, with AES-256."
            ),
        ),
    )
    .unwrap();
    let app = App::with_kb(None, kb.path());
    let csv = "Question,Answer\n\
        Do you operate network firewalls?,\n\
        Is multi-factor authentication enforced for all staff?,\n\
        Is customer data encrypted at rest in all data stores?,\n\
        Do you have a network firewall?,\n\
        Do you enforce multi-factor authentication?,\n";
    let r = app.upload("acme.csv", csv.as_bytes(), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let q = app.get(&format!("/api/questionnaires/{id}")).await.json();
    assert_eq!(q["questions"][0]["entry"], "firewall", "{q:#}");
    assert_eq!(q["questions"][2]["entry"], "encryption-at-rest", "{q:#}");
    let decide = |i: usize, body: Value| {
        let uri = format!("/api/questionnaires/{id}/questions/{i}/decision");
        let app = &app;
        async move {
            let r = app.post_json(&uri, body).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        }
    };
    decide(0, json!({"action": "accept"})).await;
    decide(1, json!({"action": "choose", "entry": "mfa"})).await;
    decide(
        2,
        json!({"action": "edit", "answer": "Yes, with AES-256 and customer-managed keys."}),
    )
    .await;
    decide(3, json!({"action": "flag", "note": "ask the network team"})).await;
    decide(4, json!({"action": "clear"})).await;

    let uri = format!("/api/questionnaires/{id}/learn");
    let r = app.post_json(&uri, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let learned = r.json();
    assert_eq!(
        learned["alternates"],
        json!([
            {"entry": "firewall", "question": "Do you operate network firewalls?"},
            {"entry": "mfa", "question": "Is multi-factor authentication enforced for all staff?"},
        ]),
        "{learned:#}"
    );
    // Flagged: nothing to learn. Cleared: its entry does not answer it; here
    // the wording is the entry's own question, so it is held at review for
    // it until a person settles which holds.
    assert_eq!(learned["skipped"], 1);
    assert_eq!(
        learned["contested"],
        json!([{
            "source": "`acme.csv`, sheet `acme.csv`, row 6",
            "entry": "mfa",
            "question": "Do you enforce multi-factor authentication?",
        }]),
        "{learned:#}"
    );
    // Where it was cleared is recorded: after that question, the next fill
    // leaves the entry out for it.
    let asked = learned["asked"].as_array().unwrap();
    assert_eq!(asked.len(), 1, "{learned:#}");
    assert_eq!(asked[0]["entry"], "mfa");
    assert_eq!(
        asked[0]["question"],
        "Do you enforce multi-factor authentication?"
    );
    assert_eq!(asked[0]["answers"], false);
    assert!(!asked[0]["after"].as_str().unwrap().is_empty());
    // The edited entry as it stands does not answer that wording.
    assert_eq!(
        learned["not_answered"],
        json!([
            {"entry": "mfa", "question": "Do you enforce multi-factor authentication?"},
            {"entry": "encryption-at-rest", "question": "Is customer data encrypted at rest in all data stores?"},
        ]),
        "{learned:#}"
    );
    assert_eq!(
        learned["proposals"].as_array().unwrap().len(),
        1,
        "{learned:#}"
    );
    assert_eq!(
        learned["proposals"][0]["based_on"], "encryption-at-rest",
        "{learned:#}"
    );
    let inbox_file = learned["inbox_file"].as_str().unwrap();
    assert!(inbox_file.starts_with("_inbox/"), "{inbox_file}");
    assert!(!inbox_file.contains(&*kb.path().to_string_lossy()));

    // The wordings are alternates in the TOML file, which keeps its comment.
    let toml = std::fs::read_to_string(&file).unwrap();
    assert!(toml.starts_with("# Our KB."), "{toml}");
    assert!(toml.contains("alternates"), "{toml}");
    assert!(toml.contains("Do you operate network firewalls?"), "{toml}");
    assert!(
        toml.contains("Is multi-factor authentication enforced for all staff?"),
        "{toml}"
    );
    assert!(!toml.contains("customer-managed"), "{toml}");
    assert!(
        toml.contains(
            "does_not_answer = [\"Is customer data encrypted at rest in all data stores?\"]"
        ),
        "{toml}"
    );
    // The edited answer is a proposal in the inbox.
    let proposal = std::fs::read_to_string(kb.path().join(inbox_file)).unwrap();
    assert!(proposal.contains("customer-managed keys"), "{proposal}");
    assert!(
        proposal.contains("Is customer data encrypted at rest in all data stores?"),
        "{proposal}"
    );
    // The KB was reloaded and still loads (the inbox is not part of it).
    let status = app.get("/api/kb").await.json();
    assert_eq!(status["entries"], 3);
    assert!(status["error"].is_null(), "{status}");

    // Learning twice adds nothing new.
    let r = app.post_json(&uri, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let again = r.json();
    assert_eq!(again["alternates"], json!([]), "{again:#}");
    assert_eq!(again["proposals"], json!([]), "{again:#}");
    assert_eq!(again["not_answered"], json!([]), "{again:#}");
    assert_eq!(again["duplicates"], 5, "{again:#}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), toml);
    assert_eq!(
        std::fs::read_to_string(kb.path().join(inbox_file)).unwrap(),
        proposal
    );
    let inbox: Vec<_> = std::fs::read_dir(kb.path().join("_inbox"))
        .unwrap()
        .collect();
    assert_eq!(inbox.len(), 1);

    // Unknown questionnaires are 404; learning needs a reviewer name.
    let r = app
        .post_json(
            "/api/questionnaires/000000000000000000000000/learn",
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .send(
            Request::builder()
                .method("POST")
                .uri(&uri)
                .header(header::HOST, "127.0.0.1:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// A KB folder whose `a.toml` holds `entries`, each (id, question, answer).
fn kb_of(entries: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let kb = tempfile::tempdir().unwrap();
    let text: String = entries
        .iter()
        .map(|(id, q, a)| crate::support::entry(id, q, a))
        .collect();
    std::fs::write(kb.path().join("a.toml"), text).unwrap();
    kb
}

/// A KB folder with one entry, `enc` (data at rest encrypted: `Yes`).
fn enc_kb() -> tempfile::TempDir {
    kb_of(&[("enc", "Do you encrypt customer data at rest?", "Yes")])
}

/// A questionnaire the company already answered, uploaded on the home page:
/// the answers the KB does not hold become proposals in `_inbox/`.
#[tokio::test]
async fn answered_questionnaires_import_into_the_inbox() {
    let kb = enc_kb();
    let app = App::with_kb(None, kb.path());
    let home = app.get("/").await.text();
    assert!(home.contains("id=\"kb-import\""), "{home}");
    let past = "Question,Answer,Comments\n\
        Do you encrypt customer data at rest?,Yes,\n\
        Do you run a <b>bug bounty</b> program?,No,Planned for 2027.\n\
        Do you support SAML single sign-on?,,\n";
    let r = app
        .post_file("/api/kb/import", "past.csv", past.as_bytes(), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["answered"], 2, "{v:#}");
    assert_eq!(v["known"], 1, "{v:#}");
    assert_eq!(
        v["proposals"],
        json!([{ "id": "run-bug-bounty-program", "question": "Do you run a <b>bug bounty</b> program?", "based_on": null }]),
        "{v:#}"
    );
    let inbox_file = v["inbox_file"].as_str().unwrap();
    assert!(
        inbox_file.starts_with("_inbox/") && inbox_file.ends_with("-import-past.toml"),
        "{inbox_file}"
    );
    let text = std::fs::read_to_string(kb.path().join(inbox_file)).unwrap();
    assert!(
        text.contains("answer = \"No\"\ndetails = \"Planned for 2027.\""),
        "{text}"
    );
    // Again: nothing new.
    let r = app
        .post_file("/api/kb/import", "past.csv", past.as_bytes(), None)
        .await;
    let v = r.json();
    assert_eq!(
        (v["proposals"].clone(), v["already_proposed"].clone()),
        (json!([]), json!(1)),
        "{v:#}"
    );
    // A blank questionnaire, a damaged file: clear errors, nothing written.
    let blank = "Question,Answer\nDo you run a bug bounty program?,\n";
    let r = app
        .post_file("/api/kb/import", "blank.csv", blank.as_bytes(), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("holds no answered questions")
    );
    let r = app
        .post_file("/api/kb/import", "q.xlsx", b"PK\x03\x04 broken", None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        std::fs::read_dir(kb.path().join("_inbox")).unwrap().count(),
        1
    );
    // Importing needs a reviewer name.
    let r = app
        .send(
            Request::builder()
                .method("POST")
                .uri("/api/kb/import")
                .header(header::HOST, "127.0.0.1:8080")
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(Body::from(multipart("past.csv", past.as_bytes(), None)))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// The inbox page and API: the security team approves proposals (updating
/// the entry one is based on, adding one as a new entry, or as a wording of
/// another) and rejects the rest, with the KB reloaded after each.
#[tokio::test]
async fn proposals_are_approved_and_rejected_from_the_inbox() {
    let kb = kb_of(&[
        ("enc", "Do you encrypt customer data at rest?", "Yes"),
        ("mfa", "Do you enforce MFA for all employees?", "No"),
    ]);
    let app = App::with_kb(None, kb.path());
    let past = "Question,Answer,Comments\n\
        Do you enforce MFA for all employees?,Yes,Since 2026.\n\
        Do you run a <b>bug bounty</b> program?,No,\n\
        Is customer data encrypted in storage?,Yes,\n\
        Do you have a <script>alert(1)</script> SOC 2 report?,Yes,\n";
    let r = app
        .post_file("/api/kb/import", "past.csv", past.as_bytes(), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    let list = app.get("/api/kb/proposals").await.json();
    let ids: Vec<&str> = list["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 4, "{list:#}");
    assert_eq!(list["proposals"][0]["based_on"], "mfa", "{list:#}");
    assert!(
        list["proposals"][0]["note"][0]
            .as_str()
            .unwrap()
            .starts_with("From `past.csv`"),
        "{list:#}"
    );

    // The page escapes what came from the questionnaire.
    let page = app.get("/inbox").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{html}"
    );
    assert!(html.contains("Update <code>mfa</code>"), "{html}");
    assert_eq!(html.matches("<article class=\"proposal\"").count(), 4);
    // Each button says where a new entry would go: encryption in storage
    // to `a.toml`, which holds the KB's encryption entry; a bug bounty and
    // a SOC 2 report, of areas the KB has no entry of, to their areas' files.
    for file in ["a.toml", "vulnerability.toml", "compliance.toml"] {
        assert!(
            html.contains(&format!("Add as a new entry in <code>{file}</code>")),
            "{file}: {html}"
        );
    }

    // Based on `mfa`: approving updates it, and the matcher sees it at once.
    let r = app
        .post_json(&format!("/api/kb/proposals/{}/accept", ids[0]), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({ "proposal": ids[0], "outcome": "updated", "entry": "mfa", "answer_was": "No", "alternates_added": 0 })
    );
    let status = app.get("/api/kb").await.json();
    assert_eq!(status["entries"], 2, "{status:#}");
    let text = std::fs::read_to_string(kb.path().join("a.toml")).unwrap();
    assert!(
        text.contains("answer = \"Yes\"\ndetails = \"Since 2026.\""),
        "{text}"
    );

    // A wording of `enc`; then one whose answer is the opposite is refused.
    let r = app
        .post_json(
            &format!("/api/kb/proposals/{}/accept", ids[2]),
            json!({ "as_alternate_of": "enc" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["alternates_added"], 1);
    let r = app
        .post_json(
            &format!("/api/kb/proposals/{}/accept", ids[1]),
            json!({ "as_alternate_of": "enc" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().contains("answers `No`"));

    // A new entry, with no body at all: asking nothing the KB asks, it goes
    // to the file of its area (a bug bounty: `vulnerability`).
    let r = app
        .send(
            App::req("POST", &format!("/api/kb/proposals/{}/accept", ids[1]))
                .header(header::ORIGIN, "http://127.0.0.1:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["outcome"], "added");
    assert_eq!(r.json()["file"], "vulnerability.toml");

    // Rejected: gone, and the emptied inbox file with it.
    let r = app.delete(&format!("/api/kb/proposals/{}", ids[3])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        std::fs::read_dir(kb.path().join("_inbox")).unwrap().count(),
        0
    );
    assert_eq!(app.get("/api/kb").await.json()["entries"], 3);
    assert!(
        app.get("/inbox")
            .await
            .text()
            .contains("Nothing awaits approval")
    );

    // Unknown ids, bad bodies, no reviewer, another site: refused.
    let r = app
        .post_json("/api/kb/proposals/nope/accept", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let r = app
        .post_json(
            "/api/kb/proposals/nope/accept",
            json!({ "as_new": true, "as_alternate_of": "enc" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let r = app
        .post_json(
            "/api/kb/proposals/nope/accept",
            json!({ "into": "/etc/passwd" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let r = app
        .send(
            Request::builder()
                .method("DELETE")
                .uri("/api/kb/proposals/nope")
                .header(header::HOST, "127.0.0.1:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .send(
            App::req("DELETE", "/api/kb/proposals/nope")
                .header(header::ORIGIN, "https://evil.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// A large inbox shows its first 200 proposals and says how many more wait.
#[tokio::test]
async fn a_large_inbox_is_shown_in_part() {
    let kb = enc_kb();
    std::fs::create_dir(kb.path().join("_inbox")).unwrap();
    let inbox: String = (0..205)
        .map(|i| crate::support::entry(&format!("p{i}"), &format!("Question number {i}?"), "Yes"))
        .collect();
    std::fs::write(kb.path().join("_inbox/big.toml"), inbox).unwrap();
    let app = App::with_kb(None, kb.path());
    let html = app.get("/inbox").await.text();
    assert_eq!(html.matches("<article class=\"proposal\"").count(), 200);
    assert!(html.contains("5 more are not shown"), "{html}");
    assert_eq!(
        app.get("/api/kb/proposals").await.json()["proposals"]
            .as_array()
            .unwrap()
            .len(),
        205
    );
}

/// A company without a KB starts one in the web UI: the home page says
/// so, past answers are imported and approved, each into its area's file.
#[tokio::test]
async fn an_empty_kb_is_started_from_past_answers() {
    let kb = tempfile::tempdir().unwrap();
    let app = App::with_kb(None, kb.path());
    assert_eq!(app.get("/api/kb").await.json()["entries"], 0);
    let home = app.get("/").await.text();
    assert!(
        home.contains("The knowledge base has no entries yet"),
        "{home}"
    );
    // Nothing proposed yet: an empty list, not an error.
    let list = app.get("/api/kb/proposals").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    assert_eq!(list.json()["proposals"], json!([]));

    let past = "Question,Answer,Comments\n\
        Is multi-factor authentication required for all employees?,Yes,Hardware keys.\n\
        Is customer data encrypted at rest?,Yes,AES-256.\n";
    let r = app
        .post_file("/api/kb/import", "past.csv", past.as_bytes(), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let inbox = app.get("/inbox").await.text();
    for file in ["identity.toml", "encryption.toml"] {
        assert!(
            inbox.contains(&format!("Add as a new entry in <code>{file}</code>")),
            "{file}: {inbox}"
        );
    }
    let list = app.get("/api/kb/proposals").await.json();
    for p in list["proposals"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap();
        let r = app
            .post_json(&format!("/api/kb/proposals/{id}/accept"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    assert!(kb.path().join("identity.toml").exists());
    assert!(kb.path().join("encryption.toml").exists());
    assert_eq!(app.get("/api/kb").await.json()["entries"], 2);
    let home = app.get("/").await.text();
    assert!(!home.contains("no entries yet"), "{home}");
}

/// An entry's page lists the wordings reviewers did not take it for,
/// escaped like everything else.
#[tokio::test]
async fn an_entry_page_lists_what_reviewers_did_not_take_it_for() {
    let kb = tempfile::tempdir().unwrap();
    std::fs::write(
        kb.path().join("a.toml"),
        format!(
            "{}does_not_answer = [\"Can <b>staff</b> reach customer systems remotely?\"]\n",
            crate::support::entry("vpn", "Do you require a VPN for remote access?", "Yes")
        ),
    )
    .unwrap();
    let app = App::with_kb(None, kb.path());
    let page = app.get("/entries/vpn").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let page = page.text();
    assert!(page.contains("<dt>Not for</dt>"), "{page}");
    assert!(
        page.contains("Can &#60;b&#62;staff&#60;/b&#62; reach customer systems remotely?"),
        "{page}"
    );
    assert!(!page.contains("<b>staff"), "{page}");
    // Without any, no such heading.
    std::fs::write(
        kb.path().join("a.toml"),
        crate::support::entry("vpn", "Do you require a VPN for remote access?", "Yes"),
    )
    .unwrap();
    app.post_json("/api/kb/reload", json!({})).await;
    assert!(!app.get("/entries/vpn").await.text().contains("Not for"));
}
