//! The review UI in a real browser: `vetted serve` (the real binary) driven
//! by headless Chromium through chromedriver, speaking the W3C WebDriver
//! protocol with `ureq`. Runs only with `VETTED_BROWSER_TESTS=1` (CI sets it
//! after `apt-get install -y chromium chromium-driver`).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::repo;

/// Kills the child process when dropped.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http(method: &str, url: &str, body: Option<Value>) -> Value {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let response = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        (_, body) => agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body.unwrap_or(json!({})).to_string()),
    };
    let mut response = response.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status();
    let text = response.body_mut().read_to_string().unwrap();
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    assert!(status.is_success(), "{method} {url}: {status}: {value}");
    value
}

struct Browser {
    base: String,
    _driver: Guard,
}

impl Browser {
    fn start() -> Browser {
        let port = free_port();
        let driver = Command::new(
            std::env::var("VETTED_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()),
        )
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver: install chromium-driver");
        let driver = Guard(driver);
        let root = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!("{root}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut options = json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]
        });
        if let Ok(binary) = std::env::var("VETTED_CHROMIUM") {
            options["binary"] = json!(binary);
        }
        let session = http(
            "POST",
            &format!("{root}/session"),
            Some(json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome", "goog:chromeOptions": options }}})),
        );
        let id = session["value"]["sessionId"].as_str().unwrap().to_string();
        Browser {
            base: format!("{root}/session/{id}"),
            _driver: driver,
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        http(method, &format!("{}{path}", self.base), body)["value"].take()
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    fn url(&self) -> String {
        self.cmd("GET", "/url", None).as_str().unwrap().to_string()
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element `{css}`"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Real key presses on whatever has the focus.
    fn keys(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                [
                    json!({"type": "keyDown", "value": c.to_string()}),
                    json!({"type": "keyUp", "value": c.to_string()}),
                ]
            })
            .collect();
        self.cmd(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        );
    }

    fn js(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// Saves a screenshot as `NAME.png` in `$VETTED_BROWSER_SCREENSHOTS`, when set.
    fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("VETTED_BROWSER_SCREENSHOTS") else {
            return;
        };
        let png = self.cmd("GET", "/screenshot", None);
        let path = std::path::Path::new(&dir).join(format!("{name}.png"));
        let b64 = path.with_extension("b64");
        std::fs::write(&b64, png.as_str().unwrap()).unwrap();
        let script = "import base64,sys; open(sys.argv[1],'wb').write(base64.b64decode(open(sys.argv[2]).read()))";
        let _ = Command::new("python3")
            .args(["-c", script, path.to_str().unwrap(), b64.to_str().unwrap()])
            .status();
        let _ = std::fs::remove_file(b64);
    }

    /// Waits until `script` returns true.
    fn wait_for(&self, what: &str, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.js(script) != json!(true) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(|| http("DELETE", &self.base, None));
    }
}

/// Starts `vetted serve` (lexical, the repository's KB) on a free loopback
/// port with `data` as its data directory; returns it and its base URL.
pub fn serve(data: &std::path::Path) -> (Guard, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vetted"))
        .args(["serve", "--lexical", "--bind", "127.0.0.1:0", "--kb"])
        .arg(repo().join("knowledge_base"))
        .arg("--data")
        .arg(data)
        .env_remove("VETTED_TOKEN")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vetted serve");
    let stderr = child.stderr.take().unwrap();
    let guard = Guard(child);
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("vetted serve said where it listens")
            .unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break format!("http://{}", rest.split('/').next().unwrap());
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (guard, url)
}

#[test]
fn review_in_a_real_browser() {
    if std::env::var_os("VETTED_BROWSER_TESTS").is_none() {
        eprintln!("notice: skipping: set VETTED_BROWSER_TESTS=1 to run the browser test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_server, site) = serve(&dir.path().join("data"));
    let b = Browser::start();

    // The first visit asks for a name.
    b.go(&format!("{site}/"));
    assert!(b.url().contains("/login"), "{}", b.url());
    b.type_into("input[name=name]", "Ann Browser");
    b.click("form button[type=submit]");
    b.wait_for(
        "the home page",
        "return !!document.querySelector('#upload')",
    );

    // Upload through the file picker.
    let sample = repo().join("samples/vendor-security-review.csv");
    b.type_into("input[type=file]", sample.to_str().unwrap());
    b.type_into("input[name=customer]", "Acme <Corp>");
    b.click("#upload button[type=submit]");
    b.wait_for(
        "the review page",
        "return !!document.querySelector('#review article.q')",
    );
    let id = b
        .js("return document.querySelector('#review').dataset.id")
        .as_str()
        .unwrap()
        .to_string();
    let total = b
        .js("return document.querySelectorAll('article.q').length")
        .as_u64()
        .unwrap();
    assert!(total > 30);

    // j selects the first question, a accepts its drafted answer.
    b.keys("j");
    b.wait_for(
        "the first question selected",
        "return document.querySelector('#q-0').classList.contains('current')",
    );
    b.keys("a");
    b.wait_for(
        "the acceptance",
        "return document.querySelector('#q-0').classList.contains('decided')",
    );
    let progress = b.js("return document.querySelector('#progress-text').textContent");
    assert_eq!(progress, json!(format!("1/{total} reviewed")));

    // j, e, type, Enter: an edited answer.
    b.keys("je");
    b.wait_for(
        "the edit form",
        "return !document.querySelector('#q-1 form.edit-form').hidden",
    );
    b.keys("No\u{E007}");
    b.wait_for(
        "the edit",
        "return document.querySelector('#q-1').dataset.action === 'edit'",
    );

    // Flag with a note through the button.
    b.click("#q-2 button[data-act=flag]");
    b.type_into("#q-2 form.flag-form input[name=note]", "ask legal");
    b.click("#q-2 form.flag-form button[type=submit]");
    b.wait_for(
        "the flag",
        "return document.querySelector('#q-2').classList.contains('flagged')",
    );

    b.keys("j");
    b.screenshot("review");

    // The decisions are in the API, by the name given once.
    let q = http("GET", &format!("{site}/api/questionnaires/{id}"), None);
    assert_eq!(q["customer"], "Acme <Corp>");
    assert_eq!(q["questions"][0]["decision"]["action"], "accept");
    assert_eq!(q["questions"][0]["decision"]["by"], "Ann Browser");
    assert_eq!(q["questions"][1]["decision"]["answer"], "No");
    assert_eq!(q["questions"][2]["decision"]["note"], "ask legal");

    // Filters: undecided only hides the two decided ones; search narrows.
    b.click("#f-undecided");
    let hidden = b.js("return document.querySelectorAll('article.q[hidden]').length");
    assert_eq!(hidden, json!(2));
    b.type_into("#f-search", "encrypt");
    let shown = b
        .js("return document.querySelectorAll('article.q:not([hidden])').length")
        .as_u64()
        .unwrap();
    assert!(shown > 0 && shown < total - 2, "{shown}");

    // ? opens the shortcuts.
    b.js("document.activeElement.blur(); return true");
    b.keys("?");
    b.wait_for("the help", "return document.querySelector('#help').open");
    b.screenshot("help");
    b.go(&format!("{site}/"));
    b.screenshot("home");
}
