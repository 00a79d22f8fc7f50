//! Compiles `locales/*.json` (and the staff admin's `locales/admin/*.json`) into Rust structs
//! with one field per message key, so that every UI string is looked up by a field access the
//! compiler checks: a typo in a key, or a key that one language lacks, fails the build instead
//! of showing a blank on the page.
//!
//! The generated code is included by `src/i18n.rs`, which is server-only: translated strings reach
//! the browser as already-rendered HTML or island props, never as an i18n runtime in the WASM.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

// The same rules the content checks apply to the charity's words.
#[path = "src/chinese_style.rs"]
mod chinese_style;

/// (file stem, Rust constant name). The first is the reference every other must match.
const LOCALES: [(&str, &str); 3] = [("en", "EN"), ("zh-hk", "ZH_HK"), ("zh-cn", "ZH_CN")];
/// The staff admin's strings: English and Traditional Chinese.
const ADMIN_LOCALES: [(&str, &str); 2] = [("en", "ADMIN_EN"), ("zh-hk", "ADMIN_ZH_HK")];

fn main() {
    // The translations live at the top of the repository, beside content/ (two folders up).
    // Read from the environment when the script runs, not baked in when it is compiled: with a
    // target folder shared by several checkouts, one compiled script serves them all, and a
    // baked-in path would read another checkout's translations.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let locales = Path::new(&manifest_dir).join("../../locales");
    println!("cargo:rerun-if-changed={}", locales.display());
    let mut out = String::new();
    out.push_str("/// Every UI string, one field per key of `locales/*.json`.\n");
    compile_set(&locales, &LOCALES, "Messages", &mut out);
    out.push_str("/// The staff admin's strings, one field per key of `locales/admin/*.json`.\n");
    compile_set(
        &locales.join("admin"),
        &ADMIN_LOCALES,
        "AdminMessages",
        &mut out,
    );
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("messages.rs"), out).expect("write messages.rs");
}

/// Reads one language file per locale in `dir`, checks them against the first, and writes a
/// struct called `name` with one constant per locale.
fn compile_set(dir: &Path, locales: &[(&str, &str)], name: &str, out: &mut String) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut tables: Vec<(&str, BTreeMap<String, String>)> = Vec::new();
    for (stem, constant) in locales {
        let file = dir.join(format!("{stem}.json"));
        println!("cargo:rerun-if-changed={}", file.display());
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", file.display())));
        let table: BTreeMap<String, String> = serde_json::from_str(&text).unwrap_or_else(|e| {
            fail(&format!(
                "{} must be a flat JSON object of strings: {e}",
                file.display()
            ))
        });
        for (key, value) in &table {
            if !is_identifier(key) {
                fail(&format!(
                    "{}: key `{key}` must be snake_case (a-z, 0-9, _)",
                    file.display()
                ));
            }
            if value.trim().is_empty() {
                fail(&format!("{}: key `{key}` is empty", file.display()));
            }
            // The site speaks to its readers as 你 in both Chinese scripts: one form, not two;
            // and Chinese sentences take full-width punctuation (：not :).
            let script = match *stem {
                "zh-hk" => Some(chinese_style::Script::Traditional),
                "zh-cn" => Some(chinese_style::Script::Simplified),
                _ => None,
            };
            if let Some(script) = script {
                if let Some(problem) = chinese_style::chinese_style_problem(value, script) {
                    fail(&format!("{}: `{key}` {problem}", file.display()));
                }
            }
        }
        tables.push((constant, table));
    }

    let (_, reference) = &tables[0];
    let reference_stem = locales[0].0;
    for ((stem, _), (_, table)) in locales.iter().zip(&tables).skip(1) {
        let path = dir.join(format!("{stem}.json"));
        let path = path.display();
        for key in reference.keys() {
            let Some(value) = table.get(key) else {
                fail(&format!("{path}: missing translation for `{key}`"));
            };
            if placeholders(value) != placeholders(&reference[key]) {
                fail(&format!(
                    "{path}: `{key}` must use the placeholders {:?}, as in {reference_stem}.json",
                    placeholders(&reference[key])
                ));
            }
        }
        for key in table.keys() {
            if !reference.contains_key(key) {
                fail(&format!(
                    "{path}: `{key}` is not in {reference_stem}.json (typo, or add it there)"
                ));
            }
        }
    }

    writeln!(out, "#[derive(Debug)]\npub struct {name} {{").unwrap();
    for key in reference.keys() {
        writeln!(out, "    pub {key}: &'static str,").unwrap();
    }
    out.push_str("}\n");
    for (constant, table) in &tables {
        writeln!(out, "pub static {constant}: {name} = {name} {{").unwrap();
        for (key, value) in table {
            writeln!(out, "    {key}: {value:?},").unwrap();
        }
        out.push_str("};\n");
    }
}

fn is_identifier(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The `{name}` placeholders of a message, sorted, so translations can reorder them.
fn placeholders(message: &str) -> Vec<&str> {
    let mut found: Vec<&str> = message
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect();
    found.sort_unstable();
    found
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
