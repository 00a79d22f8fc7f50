//! The layers only point down (see `docs/architecture.md`): this reads every file under `src/`,
//! resolves each `crate::` and `super::` path to the file it names, and fails on an import of a
//! layer above, or on files that import each other in a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, top first. A file may import its own layer and the layers below it, with the
/// exceptions in [`may_import`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    Startup,
    Http,
    Views,
    Services,
    Base,
    Domain,
    Islands,
}

/// The layer of a module path's first segment (`crate::<segment>::...`).
fn layer_of(segment: &str) -> Option<Layer> {
    Some(match segment {
        "startup" => Layer::Startup,
        "http" => Layer::Http,
        "app" | "pages" | "components" => Layer::Views,
        "server" => Layer::Services,
        "content" | "i18n" | "paths" => Layer::Base,
        "domain" => Layer::Domain,
        "islands" => Layer::Islands,
        _ => return None,
    })
}

fn may_import(from: Layer, to: Layer) -> bool {
    match (from, to) {
        // The browser's code sees nothing but the pure domain types.
        (Layer::Islands, to) => matches!(to, Layer::Islands | Layer::Domain),
        (Layer::Domain, to) => to == Layer::Domain,
        // Views place islands on the page.
        (Layer::Views, Layer::Islands) => true,
        (_, Layer::Islands) => false,
        (from, to) => to >= from,
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The file's module path: `src/server/db/mod.rs` is `["server", "db"]`.
fn module_of(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts
        .last()
        .is_some_and(|last| last == "mod" || last == "lib")
    {
        parts.pop();
    }
    parts
}

/// The file that defines the longest prefix of `path` that is a module.
fn file_of(path: &[String]) -> Option<PathBuf> {
    (1..=path.len()).rev().find_map(|len| {
        let stem = src().join(path[..len].join("/"));
        [stem.with_extension("rs"), stem.join("mod.rs")]
            .into_iter()
            .find(|candidate| candidate.is_file())
    })
}

/// The code without comments (doc comments mention other modules by name).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") {
                return "";
            }
            match line.find(" //") {
                Some(at) => &line[..at],
                None => line,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path a `use` statement names, with its braces expanded.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    match tree.find('{') {
        None => {
            let item = tree.split(" as ").next().unwrap_or(tree).trim();
            if !item.is_empty() {
                out.push(format!("{prefix}{item}"));
            }
        }
        Some(open) => {
            let head = &tree[..open];
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&format!("{prefix}{head}"), &inner[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            expand(&format!("{prefix}{head}"), &inner[start..], out);
        }
    }
}

/// The module paths a file refers to, absolute (`crate::` and `super::` resolved).
fn references(file: &Path) -> Vec<Vec<String>> {
    let text = code(&std::fs::read_to_string(file).unwrap());
    let mut paths = Vec::new();
    for statement in text.split(';') {
        let statement = statement.trim();
        let statement = statement.strip_prefix("pub ").unwrap_or(statement);
        if let Some(tree) = statement.strip_prefix("use ") {
            expand("", tree, &mut paths);
        }
    }
    // Paths written inline in code, e.g. `crate::server::clock::now_millis()`.
    for (at, _) in text.match_indices("crate::") {
        let rest: String = text[at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        paths.push(rest);
    }
    let here = module_of(file);
    paths
        .into_iter()
        .filter_map(|path| {
            let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            let mut base: Vec<String> = match segments.first() {
                Some(&"crate") => {
                    segments.remove(0);
                    Vec::new()
                }
                Some(&"super") => {
                    let mut base = here.clone();
                    while segments.first() == Some(&"super") {
                        segments.remove(0);
                        base.pop();
                    }
                    base
                }
                _ => return None,
            };
            base.extend(segments.iter().map(|s| s.to_string()));
            Some(base)
        })
        .collect()
}

fn relative(file: &Path) -> String {
    file.strip_prefix(src()).unwrap().display().to_string()
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let module = module_of(file);
        let Some(from) = module.first().and_then(|segment| layer_of(segment)) else {
            continue; // lib.rs and main.rs sit above everything.
        };
        for path in references(file) {
            let Some(to) = path.first().and_then(|segment| layer_of(segment)) else {
                continue;
            };
            if !may_import(from, to) {
                wrong.push(format!(
                    "{} imports crate::{}",
                    relative(file),
                    path.join("::")
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports of a layer above:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for file in &files {
        let targets = references(file)
            .iter()
            .filter_map(|path| file_of(path))
            .filter(|target| target != file)
            .collect();
        graph.insert(file.clone(), targets);
    }
    // A file is in a circle when it can reach itself.
    let mut circles = Vec::new();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&PathBuf> = graph[start].iter().collect();
        while let Some(next) = stack.pop() {
            if next == start {
                circles.push(relative(start));
                break;
            }
            if seen.insert(next) {
                stack.extend(graph.get(next).into_iter().flatten());
            }
        }
    }
    assert!(
        circles.is_empty(),
        "files in an import circle:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_checker_sees_a_layer_violation_and_a_circle() {
    // The checks above would pass vacuously if they read nothing: they must see real imports.
    let http = src().join("http/giving.rs");
    let server = src().join("server/donations/mod.rs");
    assert!(references(&http)
        .iter()
        .any(|path| path.first().map(String::as_str) == Some("server")));
    assert!(references(&server)
        .iter()
        .any(|path| path.first().map(String::as_str) == Some("domain")));
    assert!(!may_import(Layer::Services, Layer::Http));
    assert!(!may_import(Layer::Domain, Layer::Services));
    assert!(!may_import(Layer::Islands, Layer::Services));
    assert!(!may_import(Layer::Views, Layer::Http));
    assert!(may_import(Layer::Http, Layer::Services));
    let mut paths = Vec::new();
    expand(
        "",
        "crate::server::{clock::now_millis, db::{Database, DbError as E}}",
        &mut paths,
    );
    assert_eq!(
        paths,
        [
            "crate::server::clock::now_millis",
            "crate::server::db::Database",
            "crate::server::db::DbError"
        ]
    );
}
