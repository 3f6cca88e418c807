//! Helpers for integration tests: run the real binary in an isolated temp directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temp working directory with the repository's test fixtures at hand.
pub struct Workdir {
    pub dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir { dir: tempfile::tempdir().expect("temp dir") }
    }

    /// A working directory for a fixture that the tests of one file share (kept in a static,
    /// so never dropped): under the target directory, named `prefix…`; copies older than an hour
    /// that earlier runs left behind are removed first.
    pub fn shared(prefix: &str) -> Workdir {
        let parent = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let hour = std::time::Duration::from_secs(3600);
        for e in std::fs::read_dir(parent).expect("target tmp dir").map_while(Result::ok) {
            let old =
                e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|a| a > hour));
            if e.file_name().to_string_lossy().starts_with(prefix) && old {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        Workdir { dir: tempfile::Builder::new().prefix(prefix).tempdir_in(parent).expect("temp dir") }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs `queuecast ARGS` with the temp dir as working directory.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_queuecast"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run queuecast")
    }

    /// Runs and requires exit code `code`; returns stdout.
    pub fn run_code(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "queuecast {args:?}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn run_ok(&self, args: &[&str]) -> String {
        self.run_code(args, 0)
    }
}

/// Absolute path of a fixture in `tests/data/`.
pub fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name).display().to_string()
}

/// The number after `label` in a summary line such as `  stored   3`.
pub fn count(stdout: &str, label: &str) -> u64 {
    stdout
        .lines()
        .find_map(|l| l.trim_start().strip_prefix(label).and_then(|r| r.split_whitespace().next()))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no '{label}' in:\n{stdout}"))
}

/// Fails (never skips) when the checker's Python packages are not installed.
pub fn require_pandas() {
    let hint = "install the checker's packages: python3 -m pip install -r notebooks/requirements.txt";
    match std::process::Command::new("python3").args(["-c", "import pandas, pyarrow"]).output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "python3 cannot import pandas and pyarrow; {hint}\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("python3 cannot be run ({e}); install Python 3.11, then {hint}"),
    }
}

/// Validates `instance` against a schema file of the repository's `schemas/`; Err carries
/// boon's explanation.
pub fn validate_schema(schema: &str, instance: &serde_json::Value) -> Result<(), String> {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").join(schema);
    let index = compiler.compile(path.to_str().unwrap(), &mut schemas).map_err(|e| format!("{e:#}"))?;
    schemas.validate(instance, index).map_err(|e| format!("{e:#}"))
}

/// SIGKILLs `child` once a line of `output` (its piped stdout or stderr) contains `marker`, or
/// after `timeout`. Returns whether the marker was seen, and the exit status. The output is read
/// on a thread, so a child that never gets there cannot hang the test.
pub fn kill_at_marker(
    child: &mut std::process::Child,
    output: impl std::io::Read + Send + 'static,
    marker: &'static str,
    timeout: std::time::Duration,
) -> (bool, std::process::ExitStatus) {
    use std::io::{BufRead, BufReader};
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let seen = BufReader::new(output).lines().map_while(Result::ok).any(|l| l.contains(marker));
        let _ = tx.send(seen);
    });
    let seen = rx.recv_timeout(timeout).unwrap_or(false);
    child.kill().unwrap(); // SIGKILL: no destructor, no cleanup
    (seen, child.wait().unwrap())
}
