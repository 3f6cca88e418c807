//! The citizens' web app in headless Chromium against the real `queuecast serve` on
//! loopback: six weeks of the sample's three offices ingested, a model trained and an export
//! published (~40 s in a debug build), the server started with its clock on the sample day
//! after them (`QUEUECAST_SERVE_CLOCK`), and `tests/webapp/browser.py` (Selenium with Debian's
//! chromium and chromedriver) posting that day's events and checking every view; see the
//! script's header for the checks. Screenshots go to `$WEBAPP_SCREENSHOTS` when set
//! (`scripts/webapp_screenshots.sh` sets `docs/screenshots/app`), else to a temp directory.
//!
//! Needs what `.ci/run` installs: `chromium`, `chromium-driver`, and Selenium in the virtual
//! environment `<target>/ci-venv` (or the Python named by `QUEUECAST_PYTHON`). Missing, the
//! test fails and says what to install; it never skips.

#[path = "../util/mod.rs"]
mod util;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const DAY: &str = "2025-02-24";
const TOKEN: &str = "token-of-the-browser-test";

/// The Python with Selenium: `QUEUECAST_PYTHON`, else the CI's virtual environment.
fn python() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("ci-venv/bin/python");
    let python = std::env::var_os("QUEUECAST_PYTHON").map(PathBuf::from).unwrap_or(venv);
    let hint = "run .ci/run once, or: python3 -m venv target/ci-venv && target/ci-venv/bin/pip install -r \
                notebooks/requirements-report.txt (selenium), and apt-get install chromium chromium-driver";
    let ok = Command::new(&python).args(["-c", "import selenium"]).output().is_ok_and(|o| o.status.success());
    assert!(ok, "{} cannot import selenium; {hint}", python.display());
    for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
        assert!(Path::new(tool).exists(), "{tool} is missing; {hint}");
    }
    python
}

/// The server process, stopped when dropped.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Six weeks of the three sample offices for training, and the day after as a log.
fn split_sample(work: &util::Workdir) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = String::new();
    let gz = fs::File::open(root.join("data/sample/tickets-2025.csv.gz")).unwrap();
    flate2::read::GzDecoder::new(gz).read_to_string(&mut text).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (mut train, mut day) = (vec![header], vec![header]);
    for line in lines {
        let date = &line.split(',').nth(4).unwrap()[..10];
        if ("2025-01-13"..="2025-02-23").contains(&date) {
            train.push(line);
        } else if date == DAY {
            day.push(line);
        }
    }
    fs::write(work.path("train.csv"), train.join("\n") + "\n").unwrap();
    fs::write(work.path("day.csv"), day.join("\n") + "\n").unwrap();
}

fn settings() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(TOKEN.as_bytes()));
    let mut s = format!(
        "[store]\npath = \"store\"\n[model]\ngbm_max_rows = 5000\n[catalog]\npath = {:?}\n[serve]\nday_log_dir = \"live\"\n",
        root.join("data/services.toml").display().to_string()
    );
    for (id, name, address) in [
        ("neuss-mitte", "Bürgerbüro Neuss-Mitte", "Markt 2, 41460 Neuss"),
        ("grevenbroich", "Straßenverkehrsamt Grevenbroich", "Auf der Schanze 4, 41515 Grevenbroich"),
        ("dormagen", "Bürgerbüro Dormagen", "Paul-Wierich-Platz 2, 41539 Dormagen"),
    ] {
        s += &format!("[offices.{id}]\nname = {name:?}\naddress = {address:?}\ntoken_sha256 = \"{hash}\"\n");
    }
    s
}

#[test]
fn the_web_app_in_headless_chromium_against_queuecast_serve() {
    let python = python();
    let work = util::Workdir::new();
    split_sample(&work);
    fs::write(work.path("app.toml"), settings()).unwrap();
    let run = |args: &[&str]| work.run_ok(&[&["--config", "app.toml"], args].concat());
    run(&["ingest", "train.csv"]);
    run(&["train", "--out", "model.json"]);
    run(&[
        "export",
        "--out",
        "exports",
        "--days",
        "7",
        "--model",
        "model.json",
        "--at",
        "2025-02-23T03:00:00Z",
    ]);

    let mut child = Command::new(env!("CARGO_BIN_EXE_queuecast"))
        .args(["--config", "app.toml", "serve", "--exports", "exports", "--model", "model.json"])
        .args(["--addr", "127.0.0.1:0"])
        .current_dir(work.dir.path())
        .env("QUEUECAST_SERVE_CLOCK", format!("{DAY}T10:00:00+01:00"))
        .env("QUEUECAST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Serve(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let base = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");

    let shots =
        std::env::var_os("WEBAPP_SCREENSHOTS").map_or_else(|| work.path("screenshots"), PathBuf::from);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/webapp/browser.py");
    let out = Command::new(&python)
        .arg(&script)
        .args([&base, TOKEN, &work.path("day.csv").display().to_string(), &shots.display().to_string()])
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{stdout}");
    assert!(out.status.success(), "browser checks failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("all browser checks passed"));
    for view in ["offices", "ticket", "best", "services"] {
        for width in ["phone", "desktop"] {
            let png = shots.join(format!("{view}-{width}.png"));
            assert!(fs::metadata(&png).is_ok_and(|m| m.len() > 10_000), "{} missing", png.display());
        }
    }
    drop(server);
}
