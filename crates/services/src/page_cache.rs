//! Pages that are the same for every reader of a language (home, stories, donate, privacy),
//! rendered once and kept compressed (identity, gzip, brotli) with their ETag and the hashes of
//! their inline scripts (so their Content-Security-Policy needs no per-request nonce). What
//! differs per reader never enters these bytes: the form's token and "shown at" note travel in
//! cookies, the CSP nonce is replaced by hashes, and readers with a gift or a share code of
//! their own get the page rendered for them. An entry is used only while the campaign total it
//! shows is the current one; the set of keys is the site's pages, and a bound keeps it finite.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::donations::Progress;

/// More than the site's pages in every language; past it, the oldest entries make room.
const MAX_ENTRIES: usize = 256;

/// One page, ready to send.
#[derive(Debug)]
pub struct CachedPage {
    /// The total the page shows: the entry is stale once it changes.
    pub progress: Progress,
    pub etag: String,
    /// Shared buffers: each response hands out a reference, never a copy.
    pub identity: bytes::Bytes,
    pub gzip: bytes::Bytes,
    pub brotli: bytes::Bytes,
    /// `'sha256-...'` for each inline script, space-separated: the page's script-src sources,
    /// joined once here rather than on every response.
    pub script_sources: std::sync::Arc<str>,
    /// The route it answers (its pattern, for the request metrics).
    pub route: &'static str,
    /// Whether it holds the donation form, whose token and "shown at" note each reader gets
    /// in cookies beside it.
    pub carries_form: bool,
    /// When it was made (a counter), to drop the oldest first.
    made: u64,
}

/// How the reader's browser wants the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// From `Accept-Encoding`: brotli when offered, then gzip, else none (`q=0` refuses).
    pub fn preferred(accept_encoding: &str) -> Encoding {
        let offered = |name: &str| {
            accept_encoding.split(',').any(|part| {
                let mut pieces = part.split(';');
                let coding = pieces.next().unwrap_or("").trim();
                let refused = pieces.any(|p| {
                    let p = p.trim().replace(' ', "");
                    p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
                });
                coding.eq_ignore_ascii_case(name) && !refused
            })
        };
        if offered("br") {
            Encoding::Brotli
        } else if offered("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    /// The `Content-Encoding` value, if any.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }
}

impl CachedPage {
    /// Compresses `html` once (brotli quality 9: nearly the smallest, at a fraction of 11's
    /// time; paid once per page and total).
    pub fn new(html: Vec<u8>, progress: Progress) -> CachedPage {
        let digest = Sha256::digest(&html);
        let etag = format!("\"{}\"", sharecare_domain::secrets::hex(&digest[..12]));
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(&html).expect("writing to memory");
        let gzip = gzip.finish().expect("writing to memory");
        let mut brotli = Vec::new();
        {
            let mut writer = brotli::CompressorWriter::new(&mut brotli, 4096, 9, 22);
            writer.write_all(&html).expect("writing to memory");
        }
        CachedPage {
            progress,
            etag,
            script_sources: inline_script_hashes(&String::from_utf8_lossy(&html))
                .join(" ")
                .into(),
            gzip: gzip.into(),
            brotli: brotli.into(),
            identity: html.into(),
            route: "",
            carries_form: false,
            made: 0,
        }
    }

    /// Names the route the page answers and whether it holds the donation form.
    pub fn for_route(mut self, route: &'static str, carries_form: bool) -> CachedPage {
        self.route = route;
        self.carries_form = carries_form;
        self
    }

    /// The body in `encoding` (a cheap, reference-counted handle on the cached bytes).
    pub fn body(&self, encoding: Encoding) -> bytes::Bytes {
        match encoding {
            Encoding::Brotli => self.brotli.clone(),
            Encoding::Gzip => self.gzip.clone(),
            Encoding::Identity => self.identity.clone(),
        }
    }
}

/// `'sha256-{base64}'` of each `<script>` without `src` (JSON-LD data blocks included: harmless).
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let digest = Sha256::digest(&body.as_bytes()[..close]);
            hashes.push(format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body[close..];
    }
    hashes
}

/// The cache, shared by every request of this server. Keyed by the page's path (`/en`,
/// `/zh-hk/stories/lele`): only canonical paths reach the pages, so a path names one page.
#[derive(Debug, Default)]
pub struct PageCache {
    entries: Mutex<HashMap<String, Arc<CachedPage>>>,
    made: std::sync::atomic::AtomicU64,
    renders: std::sync::atomic::AtomicU64,
}

impl PageCache {
    /// The page at `key` made while the total was `progress`, if there is one.
    pub fn get(&self, key: &str, progress: Progress) -> Option<Arc<CachedPage>> {
        let entries = self.entries.lock().expect("page cache lock");
        entries
            .get(key)
            .filter(|page| page.progress == progress)
            .cloned()
    }

    /// Keeps a freshly rendered page (dropping the oldest entry when full).
    pub fn put(&self, key: &str, mut page: CachedPage) -> Arc<CachedPage> {
        page.made = self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.renders
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let page = Arc::new(page);
        let mut entries = self.entries.lock().expect("page cache lock");
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(key) {
            if let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, page)| page.made)
                .map(|(key, _)| key.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(key.to_string(), page.clone());
        page
    }

    /// How many pages were rendered into the cache since start.
    pub fn renders(&self) -> u64 {
        self.renders.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn len(&self) -> usize {
        self.entries.lock().expect("page cache lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(raised_minor: u64) -> Progress {
        Progress {
            raised_minor,
            supporters: 1,
            goal_minor: 100,
        }
    }

    #[test]
    fn browsers_get_brotli_then_gzip_and_a_refusal_is_respected() {
        assert_eq!(
            Encoding::preferred("gzip, deflate, br, zstd"),
            Encoding::Brotli
        );
        assert_eq!(Encoding::preferred("gzip"), Encoding::Gzip);
        assert_eq!(Encoding::preferred("br;q=0, gzip"), Encoding::Gzip);
        assert_eq!(Encoding::preferred(""), Encoding::Identity);
        assert_eq!(Encoding::preferred("identity"), Encoding::Identity);
    }

    #[test]
    fn an_entry_serves_only_the_total_it_shows_and_the_cache_stays_bounded() {
        let cache = PageCache::default();
        cache.put("/en", CachedPage::new(b"<p>a</p>".to_vec(), progress(1)));
        assert!(cache.get("/en", progress(1)).is_some());
        assert!(cache.get("/en", progress(2)).is_none(), "a new total");
        for n in 0..MAX_ENTRIES + 10 {
            cache.put(
                &format!("/page/{n}"),
                CachedPage::new(Vec::new(), progress(1)),
            );
        }
        assert_eq!(cache.len(), MAX_ENTRIES);
        assert!(
            cache.get("/en", progress(1)).is_none(),
            "the oldest made room"
        );
    }

    #[test]
    fn inline_scripts_are_hashed_and_files_are_not() {
        let html = "<script type=\"module\">go()</script><script src=\"/pkg/a.js\"></script>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        // echo -n 'go()' | openssl dgst -sha256 -binary | base64
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"go()"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn the_compressed_bodies_hold_the_same_page() {
        let html = "<!DOCTYPE html><p>留守兒童</p>".repeat(50).into_bytes();
        let page = CachedPage::new(html.clone(), progress(1));
        let mut unbrotli = Vec::new();
        brotli::Decompressor::new(&page.body(Encoding::Brotli)[..], 4096)
            .read_to_end(&mut unbrotli)
            .unwrap();
        assert_eq!(unbrotli, html);
        let mut ungzip = Vec::new();
        flate2::read::GzDecoder::new(&page.body(Encoding::Gzip)[..])
            .read_to_end(&mut ungzip)
            .unwrap();
        assert_eq!(ungzip, html);
        assert!(page.brotli.len() < html.len() / 5);
    }

    use std::io::Read;
}
