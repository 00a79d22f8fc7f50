//! The layers only point down (see `docs/architecture.md`). The layers are crates, so the
//! compiler refuses most wrong imports; this reads every file under `crates/*/src/` as well,
//! resolves each `crate::`, `super::` and `sharecare_*::` path to the file it names, and fails on
//! an import of a layer above (including the layers that share a crate: `startup` over `http`,
//! `http` over the views), on files that import each other in a circle, and on a crate whose
//! manifest depends on a layer it may not import.

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
    Db,
    Base,
    Domain,
    Islands,
}

/// The layer of a module path's first segment (see [`CRATES`] for where each begins).
fn layer_of(segment: &str) -> Option<Layer> {
    Some(match segment {
        "startup" => Layer::Startup,
        "http" => Layer::Http,
        "app" | "pages" | "components" => Layer::Views,
        "server" => Layer::Services,
        "db" => Layer::Db,
        "content" => Layer::Base,
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
        // Views place islands on the page, and render what services hand them, never a row.
        (Layer::Views, Layer::Islands) => true,
        (Layer::Views, Layer::Db) => false,
        (_, Layer::Islands) => false,
        (from, to) => to >= from,
    }
}

/// Each crate (folder under `crates/`, crate name) and the module path its root stands for: the
/// old single crate's names, so `sharecare_services::donations` is `server::donations`.
const CRATES: [(&str, &str, &[&str]); 7] = [
    ("domain", "sharecare_domain", &["domain"]),
    ("content", "sharecare_content", &["content"]),
    ("db", "sharecare_db", &["db"]),
    ("services", "sharecare_services", &["server"]),
    ("islands", "sharecare_islands", &["islands"]),
    ("views", "sharecare_views", &[]),
    ("web", "sharecare_web", &[]),
];

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates")
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

/// Every source file of the layer crates (the browser bundle's one file imports islands only).
fn all_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (folder, _, _) in CRATES {
        rust_files(&crates_dir().join(folder).join("src"), &mut files);
    }
    files
}

/// The crate a file is in, and the module path of that crate's root.
fn crate_of(file: &Path) -> (&'static str, Vec<String>) {
    let relative = file.strip_prefix(crates_dir()).unwrap();
    let folder = relative.iter().next().unwrap().to_string_lossy();
    let (_, name, root) = CRATES
        .iter()
        .find(|(f, _, _)| *f == folder)
        .expect("a layer crate");
    (name, root.iter().map(|s| s.to_string()).collect())
}

/// The file's module path: `crates/services/src/donations/mod.rs` is `["server", "donations"]`.
fn module_of(file: &Path) -> Vec<String> {
    let (_, mut parts) = crate_of(file);
    let relative = file.strip_prefix(crates_dir()).unwrap();
    parts.extend(
        relative
            .iter()
            .skip(2) // the crate's folder and src/
            .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_string()),
    );
    if parts
        .last()
        .is_some_and(|last| last == "mod" || last == "lib")
    {
        parts.pop();
    }
    parts
}

/// The file that defines the longest prefix of `path` that is a module.
fn file_of(path: &[String], modules: &BTreeMap<Vec<String>, PathBuf>) -> Option<PathBuf> {
    (1..=path.len())
        .rev()
        .find_map(|len| modules.get(&path[..len]).cloned())
}

fn modules(files: &[PathBuf]) -> BTreeMap<Vec<String>, PathBuf> {
    files
        .iter()
        .map(|file| (module_of(file), file.clone()))
        .collect()
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
    // Paths written inline in code, e.g. `sharecare_domain::time::Timestamp::now().as_millis()`.
    let mut prefixes = vec!["crate::".to_string()];
    prefixes.extend(CRATES.iter().map(|(_, name, _)| format!("{name}::")));
    for prefix in &prefixes {
        for (at, _) in text.match_indices(prefix.as_str()) {
            if text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let rest: String = text[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            paths.push(rest);
        }
    }
    let here = module_of(file);
    let (_, root) = crate_of(file);
    paths
        .into_iter()
        .filter_map(|path| {
            let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            let first = *segments.first()?;
            let mut base: Vec<String> = if first == "crate" {
                segments.remove(0);
                root.clone()
            } else if first == "super" {
                let mut base = here.clone();
                while segments.first() == Some(&"super") {
                    segments.remove(0);
                    base.pop();
                }
                base
            } else if let Some((_, _, other)) = CRATES.iter().find(|(_, name, _)| *name == first) {
                segments.remove(0);
                other.iter().map(|s| s.to_string()).collect()
            } else {
                return None;
            };
            base.extend(segments.iter().map(|s| s.to_string()));
            Some(base)
        })
        .collect()
}

fn relative(file: &Path) -> String {
    file.strip_prefix(crates_dir())
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let files = all_files();
    let mut wrong = Vec::new();
    for file in &files {
        let module = module_of(file);
        let Some(from) = module.first().and_then(|segment| layer_of(segment)) else {
            continue; // the views' and the site's lib.rs only declare modules.
        };
        for path in references(file) {
            let Some(to) = path.first().and_then(|segment| layer_of(segment)) else {
                continue;
            };
            if !may_import(from, to) {
                wrong.push(format!("{} imports {}", relative(file), path.join("::")));
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
    let files = all_files();
    let modules = modules(&files);
    let mut graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for file in &files {
        let targets = references(file)
            .iter()
            .filter_map(|path| file_of(path, &modules))
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
    let http = crates_dir().join("web/src/http/giving.rs");
    let server = crates_dir().join("services/src/donations/mod.rs");
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
    assert!(!may_import(Layer::Views, Layer::Db));
    assert!(may_import(Layer::Services, Layer::Db));
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

/// The layer a crate's root is (the views' and the site's crates hold two layers or more: their
/// manifests count as their lowest, what every one of their modules may import).
fn crate_layer(name: &str) -> Layer {
    match name {
        "sharecare_web" => Layer::Http,
        "sharecare_views" => Layer::Views,
        _ => {
            let (_, _, root) = CRATES.iter().find(|(_, n, _)| *n == name).unwrap();
            layer_of(root[0]).unwrap()
        }
    }
}

#[test]
fn no_crate_depends_on_a_layer_above_it_or_views_on_the_database() {
    let mut wrong = Vec::new();
    let mut seen = 0;
    for (folder, name, _) in CRATES {
        let manifest =
            std::fs::read_to_string(crates_dir().join(folder).join("Cargo.toml")).unwrap();
        let dependencies = manifest
            .split("\n[")
            .find(|section| section.starts_with("dependencies]"))
            .unwrap_or_default();
        for line in dependencies.lines() {
            let Some(dependency) = line.split(['.', ' ', '=']).next() else {
                continue;
            };
            let Some((_, other, _)) = CRATES
                .iter()
                .find(|(_, n, _)| n.replace('_', "-") == dependency)
            else {
                continue;
            };
            seen += 1;
            if !may_import(crate_layer(name), crate_layer(other)) {
                wrong.push(format!("{folder} depends on {dependency}"));
            }
        }
    }
    assert!(
        seen >= 10,
        "the manifests name the layer crates ({seen} seen)"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
