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

/// The body of a GET, as bytes.
fn http_bytes(url: &str) -> Vec<u8> {
    let mut r = ureq::get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    r.body_mut()
        .with_config()
        .limit(50 * 1024 * 1024)
        .read_to_vec()
        .unwrap()
}

/// `C12` as 0-based (column, row).
fn split_cell(cell: &str) -> (u32, u32) {
    let letters: String = cell.chars().take_while(char::is_ascii_alphabetic).collect();
    (
        vetted::sheet::parse_column(&letters).unwrap(),
        cell[letters.len()..].parse::<u32>().unwrap() - 1,
    )
}

struct Browser {
    base: String,
    _driver: Guard,
    /// Chromium's temporary files (profile, scoped dirs), removed after the
    /// driver (fields drop in order).
    _tmp: tempfile::TempDir,
}

impl Browser {
    fn start() -> Browser {
        let port = free_port();
        let tmp = tempfile::tempdir().expect("temp dir");
        let driver = Command::new(
            std::env::var("VETTED_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()),
        )
        .arg(format!("--port={port}"))
        .env("TMPDIR", tmp.path())
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
            _tmp: tmp,
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
        self.screenshot_to(&std::path::Path::new(&dir).join(format!("{name}.png")));
    }

    /// Saves a screenshot (a PNG) to `path`.
    fn screenshot_to(&self, path: &std::path::Path) {
        let png = self.cmd("GET", "/screenshot", None);
        let b64 = path.with_extension("b64");
        std::fs::write(&b64, png.as_str().unwrap()).unwrap();
        let script = "import base64,sys; open(sys.argv[1],'wb').write(base64.b64decode(open(sys.argv[2]).read()))";
        let status = Command::new("python3")
            .args(["-c", script, path.to_str().unwrap(), b64.to_str().unwrap()])
            .status();
        let _ = std::fs::remove_file(b64);
        assert!(
            status.is_ok_and(|s| s.success()),
            "cannot decode the screenshot"
        );
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
    serve_with_kb(data, &repo().join("knowledge_base"))
}

/// [`serve`] with the KB in `kb`.
pub fn serve_with_kb(data: &std::path::Path, kb: &std::path::Path) -> (Guard, String) {
    let (guard, url, _) = serve_saying(data, kb);
    (guard, url)
}

/// [`serve_with_kb`], also returning what the server said on stderr before
/// it said where it listens (warnings, hints).
pub fn serve_saying(data: &std::path::Path, kb: &std::path::Path) -> (Guard, String, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vetted"))
        .args(["serve", "--lexical", "--bind", "127.0.0.1:0", "--kb"])
        .arg(kb)
        .arg("--data")
        .arg(data)
        .env_remove("VETTED_TOKEN")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start vetted serve");
    let stderr = child.stderr.take().unwrap();
    let guard = Guard(child);
    let mut said = Vec::new();
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("vetted serve said where it listens")
            .unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break format!("http://{}", rest.split('/').next().unwrap());
        }
        said.push(line);
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (guard, url, said)
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

    // A reload shows the same decisions: they come from the server.
    b.go(&format!("{site}/questionnaires/{id}"));
    b.wait_for(
        "the reloaded review page",
        "return !!document.querySelector('#review article.q')",
    );
    assert_eq!(
        b.js("return [document.querySelector('#q-0').dataset.action, \
                     document.querySelector('#q-1').dataset.action, \
                     document.querySelector('#q-2').classList.contains('flagged'), \
                     document.querySelector('#q-3').classList.contains('decided'), \
                     document.querySelector('#progress-text').textContent]"),
        json!(["accept", "edit", true, false, format!("2/{total} reviewed")])
    );

    // Export: the link on the page gives the finished questionnaire (a csv
    // here, like the upload), whose cells hold the decisions.
    let href = b
        .js("return document.querySelector('a[href$=\"/export\"]').href")
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(href, format!("{site}/api/questionnaires/{id}/export"));
    let workbook = dir.path().join("vendor-security-review.csv");
    std::fs::write(&workbook, http_bytes(&href)).unwrap();
    let wb = vetted::sheet::read(&workbook).expect("the export is a workbook");
    let cell = |i: usize, which: &str| {
        let question = &q["questions"][i];
        let sheet = wb
            .sheets
            .iter()
            .find(|s| s.name == question["sheet"].as_str().unwrap())
            .expect("the question's sheet");
        let (col, row) = split_cell(question[which].as_str().unwrap());
        sheet.get(row, col).display()
    };
    assert_eq!(
        cell(0, "answer_cell"),
        q["questions"][0]["decision"]["answer"].as_str().unwrap()
    );
    assert_eq!(cell(1, "answer_cell"), "No");
    // The flagged question's draft is not written: nobody vouched for it.
    assert_eq!(cell(2, "answer_cell"), "");

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

/// Logs the browser in as `name` on `site`.
fn log_in(b: &Browser, site: &str, name: &str) {
    b.go(&format!("{site}/login"));
    b.type_into("input[name=name]", name);
    b.click("form button[type=submit]");
    b.wait_for(
        "the home page",
        "return !!document.querySelector('#upload')",
    );
}

/// Whether a JavaScript dialog (an `alert`) is open.
fn alert_open(b: &Browser) -> bool {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let r = agent
        .get(&format!("{}/alert/text", b.base))
        .call()
        .expect("chromedriver answers");
    r.status() == 200
}

#[test]
fn hostile_questionnaire_text_renders_as_text() {
    if std::env::var_os("VETTED_BROWSER_TESTS").is_none() {
        eprintln!("notice: skipping: set VETTED_BROWSER_TESTS=1 to run the browser test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_server, site) = serve(&dir.path().join("data"));
    let script = "<script>alert(1)</script> Do you encrypt data at rest?";
    let img = "\"><img src=x onerror=alert(1)> Do you enforce MFA?";
    let csv = format!(
        "Question,Answer\n\"{}\",\n\"{}\",\nDo you have a firewall?,\n",
        script.replace('"', "\"\""),
        img.replace('"', "\"\"")
    );
    let id = crate::serve::upload(&site, "<img src=x onerror=alert(1)>.csv", csv.as_bytes());
    let b = Browser::start();
    log_in(&b, &site, "<script>alert(1)</script>");

    for page in [format!("{site}/"), format!("{site}/questionnaires/{id}")] {
        b.go(&page);
        std::thread::sleep(Duration::from_millis(300));
        assert!(!alert_open(&b), "an alert opened on {page}");
        assert_eq!(
            b.js("return document.querySelectorAll('img[src=x], img[src=\"x\"]').length"),
            json!(0),
            "an injected element on {page}"
        );
        assert_eq!(
            b.js("return Array.from(document.scripts).filter(s => !s.src).length"),
            json!(0),
            "an inline script on {page}"
        );
    }
    // On the review page the questions read as the text they are, visibly.
    let text = b.js("return document.body.innerText");
    let text = text.as_str().unwrap();
    assert!(text.contains(script), "{text}");
    assert!(text.contains(img), "{text}");
    let visible = b.js(
        "const a = document.querySelector('#q-1'); \
         const r = a.getBoundingClientRect(); \
         return r.width > 0 && r.height > 0 && a.innerText.includes('<img src=x onerror=alert(1)>')",
    );
    assert_eq!(visible, json!(true));
    // Opening the question (its fragment is fetched and inserted) injects nothing either.
    b.click("#q-1");
    std::thread::sleep(Duration::from_millis(500));
    assert!(!alert_open(&b));
    assert_eq!(
        b.js("return document.querySelectorAll('img[src=x]').length"),
        json!(0)
    );
}

/// Regenerates `docs/screenshots/home.png` and `review.png` from the
/// Northwind sample, only with `VETTED_SCREENSHOTS=1` (and the browser).
#[test]
fn screenshots_for_the_docs() {
    if std::env::var_os("VETTED_BROWSER_TESTS").is_none()
        || std::env::var_os("VETTED_SCREENSHOTS").is_none()
    {
        eprintln!(
            "notice: skipping: set VETTED_BROWSER_TESTS=1 VETTED_SCREENSHOTS=1 to regenerate docs/screenshots"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_server, site) = serve(&dir.path().join("data"));
    let sample = std::fs::read(repo().join("samples/northwind-vendor-assessment.xlsx")).unwrap();
    let id = crate::serve::upload(&site, "northwind-vendor-assessment.xlsx", &sample);
    // A review under way: all auto answers accepted, one flagged.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let post = |path: &str, body: Value| {
        agent
            .post(&format!("{site}/api/questionnaires/{id}{path}"))
            .header("Content-Type", "application/json")
            .header("X-Vetted-Reviewer", "Ann")
            .send(body.to_string())
            .unwrap()
            .status()
    };
    let patched = agent
        .patch(&format!("{site}/api/questionnaires/{id}"))
        .header("Content-Type", "application/json")
        .send(json!({"customer": "Northwind Traders"}).to_string())
        .unwrap();
    assert_eq!(patched.status(), 200);
    assert_eq!(post("/accept-auto", json!({})), 200);
    let q = crate::serve::get_json(&site, &format!("/api/questionnaires/{id}"));
    let review: Vec<usize> = q["questions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["status"] == "review" && x["decision"].is_null())
        .map(|x| x["index"].as_u64().unwrap() as usize)
        .collect();
    for i in review.iter().take(4) {
        assert_eq!(
            post(
                &format!("/questions/{i}/decision"),
                json!({"action": "accept"})
            ),
            200
        );
    }
    if let Some(i) = review.get(4) {
        let body = json!({"action": "flag", "note": "check with legal"});
        assert_eq!(post(&format!("/questions/{i}/decision"), body), 200);
    }

    let b = Browser::start();
    log_in(&b, &site, "Ann");
    let shots = repo().join("docs/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    b.go(&format!("{site}/"));
    b.screenshot_to(&shots.join("home.png"));
    b.go(&format!("{site}/questionnaires/{id}"));
    b.wait_for(
        "the review page",
        "return !!document.querySelector('#review article.q')",
    );
    b.screenshot_to(&shots.join("review.png"));
}

#[test]
fn learn_into_the_kb_from_the_review_page() {
    if std::env::var_os("VETTED_BROWSER_TESTS").is_none() {
        eprintln!("notice: skipping: set VETTED_BROWSER_TESTS=1 to run the browser test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("kb");
    std::fs::create_dir(&kb).unwrap();
    let file = kb.join("a.toml");
    std::fs::write(
        &file,
        format!(
            "{}{}",
            crate::support::entry("firewall", "Do you have a network firewall?", "Yes"),
            crate::support::entry("mfa", "Do you enforce multi-factor authentication?", "Yes"),
        ),
    )
    .unwrap();
    let (_server, site) = serve_with_kb(&dir.path().join("data"), &kb);
    let csv = "Question,Answer\nDo you operate network firewalls?,\n\
               Is multi-factor authentication enforced for all staff?,\n";
    let id = crate::serve::upload(&site, "acme.csv", csv.as_bytes());
    let b = Browser::start();
    log_in(&b, &site, "Ann");
    b.go(&format!("{site}/questionnaires/{id}"));
    b.wait_for(
        "the review page",
        "return !!document.querySelector('#review article.q')",
    );
    b.click("#q-0 button[data-act=accept]");
    b.wait_for(
        "the acceptance",
        "return document.querySelector('#q-0').classList.contains('decided')",
    );
    b.click("#q-1 button[data-act=edit]");
    let answer = "#q-1 form.edit-form [name=answer]";
    b.js(&format!(
        "document.querySelector('{answer}').value = ''; return true"
    ));
    b.type_into(answer, "Yes, with hardware keys for admins");
    b.click("#q-1 form.edit-form button[type=submit]");
    b.wait_for(
        "the edit",
        "return document.querySelector('#q-1').dataset.action === 'edit'",
    );

    b.click("#learn");
    b.wait_for(
        "the learning summary",
        "return document.querySelector('#review-status').textContent.includes('alternates')",
    );
    let said = b.js("return document.querySelector('#review-status').textContent");
    let said = said.as_str().unwrap();
    assert!(
        said.starts_with(
            "1 wording(s) added as alternates, 1 marked as not answered by their entry, 1 proposed entry"
        ),
        "{said}"
    );
    assert!(said.contains("_inbox/"), "{said}");
    let toml = std::fs::read_to_string(&file).unwrap();
    assert!(toml.contains("Do you operate network firewalls?"), "{toml}");
    // The edited entry as it stands did not answer that wording.
    assert!(
        toml.contains(
            "does_not_answer = [\"Is multi-factor authentication enforced for all staff?\"]"
        ),
        "{toml}"
    );
    let inbox: Vec<_> = std::fs::read_dir(kb.join("_inbox"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(inbox.len(), 1);
    let proposal = std::fs::read_to_string(inbox[0].path()).unwrap();
    assert!(proposal.contains("hardware keys"), "{proposal}");

    // Answers already given, imported from the home page.
    let past = dir.path().join("past.csv");
    std::fs::write(
        &past,
        "Question,Answer\nDo you have a network firewall?,Yes\nDo you run a bug bounty program?,No\n",
    )
    .unwrap();
    b.go(&format!("{site}/"));
    b.wait_for(
        "the home page",
        "return !!document.querySelector('#kb-import')",
    );
    b.type_into("#kb-import input[type=file]", past.to_str().unwrap());
    b.click("#kb-import button[type=submit]");
    b.wait_for(
        "the import summary",
        "return document.querySelector('#kb-import-status').textContent.includes('proposed')",
    );
    let said = b.js("return document.querySelector('#kb-import-status').textContent");
    let said = said.as_str().unwrap();
    assert!(
        said.starts_with("2 answered question(s): 1 proposed in _inbox/")
            && said.contains("1 already in the knowledge base"),
        "{said}"
    );

    // The security team approves the edited answer and rejects the import.
    b.go(&format!("{site}/inbox"));
    b.wait_for(
        "the inbox",
        "return document.querySelectorAll('article.proposal').length === 2",
    );
    b.click("article.proposal[data-id='mfa-proposed'] button.approve");
    b.wait_for(
        "the approval",
        "return document.querySelector(\"article.proposal[data-id='mfa-proposed']\").classList.contains('done')",
    );
    let said = b.js(
        "return document.querySelector(\"article.proposal[data-id='mfa-proposed'] .status\").textContent",
    );
    assert_eq!(
        said.as_str().unwrap(),
        "Updated mfa (it answered \u{201c}Yes\u{201d})."
    );
    b.click("article.proposal[data-id='run-bug-bounty-program'] button.reject");
    b.wait_for(
        "the rejection",
        "return document.querySelector('#inbox-count').textContent === '0 proposed.'",
    );
    let toml = std::fs::read_to_string(&file).unwrap();
    assert!(
        toml.contains("answer = \"Yes, with hardware keys for admins\""),
        "{toml}"
    );
    assert_eq!(std::fs::read_dir(kb.join("_inbox")).unwrap().count(), 0);
}
