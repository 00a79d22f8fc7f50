//! Compiles `locales/*.json` into a Rust struct with one field per message key, so that every
//! UI string is looked up by a field access the compiler checks: a typo in a key, or a key that
//! one language lacks, fails the build instead of showing a blank on the page.
//!
//! The generated code is included by `src/i18n.rs`, which is server-only: translated strings reach
//! the browser as already-rendered HTML or island props, never as an i18n runtime in the WASM.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// (file stem, Rust constant name). The first is the reference every other must match.
const LOCALES: [(&str, &str); 3] = [("en", "EN"), ("zh-hk", "ZH_HK"), ("zh-cn", "ZH_CN")];

fn main() {
    println!("cargo:rerun-if-changed=locales");
    let dir = Path::new("locales");
    let mut tables: Vec<(&str, BTreeMap<String, String>)> = Vec::new();
    for (stem, constant) in LOCALES {
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
        }
        tables.push((constant, table));
    }

    let (_, reference) = &tables[0];
    for ((stem, _), (_, table)) in LOCALES.iter().zip(&tables).skip(1) {
        for key in reference.keys() {
            let Some(value) = table.get(key) else {
                fail(&format!(
                    "locales/{stem}.json: missing translation for `{key}`"
                ));
            };
            if placeholders(value) != placeholders(&reference[key]) {
                fail(&format!(
                    "locales/{stem}.json: `{key}` must use the placeholders {:?}, as in en.json",
                    placeholders(&reference[key])
                ));
            }
        }
        for key in table.keys() {
            if !reference.contains_key(key) {
                fail(&format!(
                    "locales/{stem}.json: `{key}` is not in en.json (typo, or add it there)"
                ));
            }
        }
    }

    let mut out = String::new();
    out.push_str("/// Every UI string, one field per key of `locales/*.json`.\n");
    out.push_str("#[derive(Debug)]\npub struct Messages {\n");
    for key in reference.keys() {
        writeln!(out, "    pub {key}: &'static str,").unwrap();
    }
    out.push_str("}\n");
    for (constant, table) in &tables {
        writeln!(out, "pub static {constant}: Messages = Messages {{").unwrap();
        for (key, value) in table {
            writeln!(out, "    {key}: {value:?},").unwrap();
        }
        out.push_str("};\n");
    }
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("messages.rs"), out).expect("write messages.rs");
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
