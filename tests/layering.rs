//! The shape of the library, checked on its source: every `crate::…` path and every `super::…`
//! path in `src/` (the binary in `src/main.rs` and `src/cli/` is left out) is an import edge
//! between two files, and
//!
//! 1. no two files import each other, directly or around a loop;
//! 2. imports point down the layers below: a module imports only modules of lower layers, or
//!    itself; a sibling of the same layer only through a public named type at the sibling's root
//!    (`crate::forecast::ForecastRun`, never `crate::forecast::history::ALL`). Leaves import
//!    only leaves (and form no loop, by rule 1).
//!
//! The layers (see ARCHITECTURE.md), lowest first:
//!
//! | layer | modules | what they are |
//! |---|---|---|
//! | 0 leaves | time, stats, slots, hashing, parallel, random, errors, schema, timezones, calendar, settings, catalog, checkpoint | shared primitives, configuration, the kill-test hook |
//! | 1 output | output | typed rows → CSV/JSON/Parquet, atomic files |
//! | 2 store | store | the Parquet ticket store |
//! | 3 data | ingest, replay, simulate | what writes the store, the event sweep over a stored day, sample data |
//! | 4 occupancy | occupancy | replayed queue state integrated over the 15-minute slots |
//! | 5 stages | profile, forecast, planning, model | the analyses, siblings of each other |
//! | 6 publish | export | generations of the stages' results |
//! | 7 readers | report, serve | what reads a generation: the planners' report; the HTTP API (also the model file) |
//! | 8 orchestration | nightly | runs the stages in order for the cron job |
//!
//! Paths are found in code only (comments and string literals are skipped). Inside an inline
//! `mod … {` block (unit tests), `super::` names the file's own module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Loops owned by another piece of work, listed so this test can guard everything else now.
/// Each entry must still be a loop (the test says when it is gone, so the entry can go too).
/// None today; the entries' type stays for the next piece of work that needs one.
const KNOWN_CYCLES: &[&[&str]] = &[];

/// Top-level module → layer.
const LAYERS: &[(&str, u32)] = &[
    ("time", 0),
    ("stats", 0),
    ("slots", 0),
    ("hashing", 0),
    ("parallel", 0),
    ("random", 0),
    ("errors", 0),
    ("schema", 0),
    ("timezones", 0),
    ("calendar", 0),
    ("settings", 0),
    ("catalog", 0),
    ("checkpoint", 0),
    ("output", 1),
    ("store", 2),
    ("ingest", 3),
    ("replay", 3),
    ("simulate", 3),
    ("occupancy", 4),
    ("profile", 5),
    ("forecast", 5),
    ("planning", 5),
    ("model", 5),
    ("export", 6),
    ("report", 7),
    ("serve", 7),
    ("nightly", 8),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every library source file and its module path (`planning::sim_day`; `planning` for
/// `planning/mod.rs`; `` for `lib.rs`).
fn library_files() -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(src()).unwrap().to_string_lossy().replace('\\', "/");
            if rel == "main.rs" || rel == "cli" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if rel.ends_with(".rs") {
                let stem = rel.trim_end_matches(".rs");
                let module = stem.trim_end_matches("/mod").trim_end_matches("lib").trim_end_matches('/');
                out.insert(module.replace('/', "::"), path);
            }
        }
    }
    out
}

/// The code of a file without comments and string or char literals (each replaced by a space,
/// so line structure survives).
fn code_only(text: &str) -> String {
    fn at(c: &[char], i: usize) -> char {
        c.get(i).copied().unwrap_or('\0')
    }
    let c: Vec<char> = text.chars().collect();
    let (mut out, mut i) = (String::with_capacity(text.len()), 0);
    while i < c.len() {
        if c[i] == '/' && at(&c, i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && at(&c, i + 1) == '*' {
            i += 2;
            while i < c.len() && !(c[i] == '*' && at(&c, i + 1) == '/') {
                i += 1;
            }
            i += 2;
        } else if c[i] == 'r'
            && (at(&c, i + 1) == '"' || at(&c, i + 1) == '#')
            && !c[i.saturating_sub(1)].is_alphanumeric()
        {
            let hashes = (1..).take_while(|&k| at(&c, i + k) == '#').count();
            if at(&c, i + 1 + hashes) != '"' {
                out.push(c[i]);
                i += 1;
                continue;
            }
            i += 2 + hashes;
            while i < c.len() && !(c[i] == '"' && (1..=hashes).all(|k| at(&c, i + k) == '#')) {
                i += 1;
            }
            i += 1 + hashes;
            out.push(' ');
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else if c[i] == '\'' && (at(&c, i + 1) == '\\' || at(&c, i + 2) == '\'') {
            i += 1;
            while i < c.len() && c[i] != '\'' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The `a::b::C` paths that follow `prefix` in `line`, with `{…}` groups expanded.
fn paths_after(line: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|b| b.is_alphanumeric() || b == '_') {
            continue;
        }
        expand(rest, &mut Vec::new(), &mut out);
    }
    out
}

/// Expands one use-tree at the start of `text` into full paths.
fn expand(text: &str, base: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let ident: String = text.chars().take_while(|ch| ch.is_alphanumeric() || *ch == '_').collect();
    let after = &text[ident.len()..];
    if ident.is_empty() && after.starts_with('{') {
        let mut depth = 0;
        let mut start = 1;
        for (k, ch) in after.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' if depth == 1 => {
                    expand(after[start..k].trim_start(), base, out);
                    return;
                }
                '}' => depth -= 1,
                ',' if depth == 1 => {
                    expand(after[start..k].trim_start(), base, out);
                    start = k + 1;
                }
                _ => {}
            }
        }
        return;
    }
    if ident.is_empty() {
        return;
    }
    base.push(ident);
    match after.strip_prefix("::") {
        Some(more) => expand(more, base, out),
        None => out.push(base.clone()),
    }
    base.pop();
}

/// An import edge: from a file's module to a path (module segments, then maybe an item).
struct Edge {
    from: String,
    path: Vec<String>,
    line: usize,
}

fn edges(files: &BTreeMap<String, PathBuf>) -> Vec<Edge> {
    let mut out = Vec::new();
    for (module, path) in files {
        let code = code_only(&std::fs::read_to_string(path).unwrap());
        let own: Vec<String> = module.split("::").filter(|s| !s.is_empty()).map(String::from).collect();
        let mut inline_mod = false;
        for (n, line) in code.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with("mod ") && t.trim_end().ends_with('{')
                || t.starts_with("pub mod ") && t.trim_end().ends_with('{')
            {
                inline_mod = true;
            }
            for p in paths_after(line, "crate::") {
                out.push(Edge { from: module.clone(), path: p, line: n + 1 });
            }
            for p in paths_after(line, "super::") {
                // `super::super::x` shows up as a path starting with "super".
                let ups = 1 + p.iter().take_while(|s| *s == "super").count();
                let rest: Vec<String> = p.into_iter().skip_while(|s| s == "super").collect();
                // In an inline module, the first `super` is the file's own module.
                let ups = if inline_mod { ups - 1 } else { ups };
                // A `mod.rs` file is its directory's module: its `super` is one level up.
                let base: Vec<String> = own[..own.len().saturating_sub(ups)].to_vec();
                let mut full = base;
                full.extend(rest);
                out.push(Edge { from: module.clone(), path: full, line: n + 1 });
            }
        }
    }
    out
}

/// The file module a path lands in: its longest prefix that is a file.
fn target_file(path: &[String], files: &BTreeMap<String, PathBuf>) -> String {
    (0..=path.len()).rev().map(|k| path[..k].join("::")).find(|m| files.contains_key(m)).unwrap_or_default()
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or("")
}

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == top(module)).map(|(_, l)| *l)
}

/// Loops in the file graph (each as a list of files), found by depth-first search.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut Vec<Vec<String>>,
    ) {
        if let Some(at) = stack.iter().position(|s| s == node) {
            found.push(stack[at..].to_vec());
            return;
        }
        if done.contains(node) {
            return;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, stack, done, found);
        }
        stack.pop();
        done.insert(node.to_string());
    }
    let (mut done, mut found) = (BTreeSet::new(), Vec::new());
    for node in graph.keys() {
        visit(node, graph, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

#[test]
fn no_import_cycle_between_files_and_imports_follow_the_layers() {
    let files = library_files();
    assert!(files.len() > 80, "found only {} source files", files.len());
    let all = edges(&files);
    assert!(all.len() > 300, "found only {} import paths", all.len());
    let mut problems = Vec::new();
    for m in files.keys().filter(|m| !m.is_empty()) {
        if layer(m).is_none() {
            problems.push(format!("module {m} has no layer in LAYERS: add it (and to ARCHITECTURE.md)"));
        }
    }
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in &all {
        let to = target_file(&e.path, &files);
        if to != e.from && !to.is_empty() {
            graph.entry(e.from.clone()).or_default().insert(to.clone());
        }
        let (Some(from_layer), Some(to_layer)) = (layer(&e.from), layer(&to)) else { continue };
        // Leaves may use each other (rule 1 keeps them free of loops).
        if top(&e.from) == top(&to) || to_layer < from_layer || to_layer == 0 && from_layer == 0 {
            continue;
        }
        let named_type_at_root =
            e.path.len() == 2 && e.path[1].chars().next().is_some_and(|ch| ch.is_ascii_uppercase());
        if to_layer == from_layer && named_type_at_root {
            continue;
        }
        problems.push(format!(
            "{} (layer {from_layer}, line {}) imports {} (layer {to_layer})",
            files[&e.from].strip_prefix(src()).unwrap().display(),
            e.line,
            e.path.join("::")
        ));
    }
    let found = cycles(&graph);
    for c in &found {
        if !KNOWN_CYCLES.iter().any(|k| k.iter().copied().eq(c.iter().map(String::as_str))) {
            problems.push(format!("import cycle: {} → {}", c.join(" → "), c[0]));
        }
    }
    for k in KNOWN_CYCLES {
        if !found.iter().any(|c| k.iter().copied().eq(c.iter().map(String::as_str))) {
            problems.push(format!("known cycle {} is gone: remove it from KNOWN_CYCLES", k.join(" → ")));
        }
    }
    assert!(problems.is_empty(), "layering problems:\n{}", problems.join("\n"));
}

#[test]
fn the_checker_sees_paths_groups_super_and_cycles() {
    let code = code_only(
        "use crate::a::{b::C, d}; // crate::x::Y\nlet s = \"crate::q\"; let c = '\"'; crate::e::f();",
    );
    let found: Vec<String> =
        code.lines().flat_map(|l| paths_after(l, "crate::")).map(|p| p.join("::")).collect();
    assert_eq!(found, ["a::b::C", "a::d", "e::f"]);
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
    ]
    .into_iter()
    .collect();
    assert_eq!(cycles(&graph), [["a", "b", "c"]]);
    let mut files = BTreeMap::new();
    files.insert("planning".to_string(), PathBuf::new());
    files.insert("planning::sim_day".to_string(), PathBuf::new());
    let to = |p: &str| target_file(&p.split("::").map(String::from).collect::<Vec<_>>(), &files);
    assert_eq!(
        (to("planning::sim_day::ReplayedDays"), to("planning::PlanningError")),
        ("planning::sim_day".into(), "planning".into())
    );
    assert_eq!((layer("store::columns"), layer("export::run"), layer("cli")), (Some(2), Some(6), None));
}
