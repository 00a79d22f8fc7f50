//! Names of the built browser assets. The site build (`build_site` in `scripts/setup.sh`, or
//! cargo-leptos with `hash-files`) names them `sharecare.<hash>.css` (and `.js`, `.wasm`) and
//! writes the hashes to `hash.txt` beside the server binary; hashed names are what let `/pkg/`
//! be cached for a year.

use std::path::Path;

use sharecare_content::paths::BUNDLE_DIR;

/// Where the stylesheet is, and whether the build hashed file names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetManifest {
    pub css_href: String,
    pub hashed: bool,
}

impl AssetManifest {
    /// Reads `hash.txt` next to the running binary, where Leptos itself looks for it.
    pub fn beside_current_exe() -> AssetManifest {
        let hash_file = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")));
        match hash_file.and_then(|path| std::fs::read_to_string(path).ok()) {
            Some(text) => AssetManifest::from_hash_file(&text),
            None => AssetManifest::unhashed(),
        }
    }

    pub fn unhashed() -> AssetManifest {
        AssetManifest {
            css_href: format!("{BUNDLE_DIR}/sharecare.css"),
            hashed: false,
        }
    }

    /// Parses `hash.txt`: lines such as `css: 1a2b3c`.
    pub fn from_hash_file(text: &str) -> AssetManifest {
        let css_hash = text.lines().find_map(|line| {
            let (kind, hash) = line.split_once(':')?;
            (kind.trim() == "css").then(|| hash.trim().to_string())
        });
        AssetManifest {
            css_href: match &css_hash {
                Some(hash) => format!("{BUNDLE_DIR}/sharecare.{hash}.css"),
                None => format!("{BUNDLE_DIR}/sharecare.css"),
            },
            hashed: true,
        }
    }

    /// True when `dir` holds a built site (used to warn when the server runs without one).
    pub fn site_is_built(site_root: &Path) -> bool {
        site_root.join("pkg").is_dir()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_css_hash() {
        let manifest = AssetManifest::from_hash_file("js: aaa\nwasm: bbb\ncss: ccc\n");
        assert_eq!(manifest.css_href, "/pkg/sharecare.ccc.css");
        assert!(manifest.hashed);
    }

    #[test]
    fn falls_back_to_the_plain_name() {
        assert_eq!(AssetManifest::unhashed().css_href, "/pkg/sharecare.css");
        assert_eq!(
            AssetManifest::from_hash_file("js: aaa").css_href,
            "/pkg/sharecare.css"
        );
    }
}
