// Moves between the campaign's pages without reloading (home, stories, donate, privacy):
// fetches the next page's HTML, swaps the body and the head's page-specific tags, wakes the new
// page's islands from the WASM already loaded, and keeps the live total's one stream open (the
// progress island shares it, see src/islands/live_progress.rs). Everything else, and every link
// while the islands are not yet awake, is an ordinary page load. Without JavaScript this file
// never runs and every link is a page load.
((pages) => {
  const pagePattern = new RegExp(pages);
  const headTags =
    'meta[name]:not([name="viewport"]):not([name="theme-color"]),meta[property],' +
    "link[rel=canonical],link[rel=alternate],script[type$=json]";
  let navigation = 0;
  let shown = location.pathname;
  let saving = 0;

  // Leptos's island script exposes `__hydrateIsland` once the WASM module is imported; an
  // island saying `data-hydrated="true"` means the module is also initialised.
  const awake = () =>
    typeof window.__hydrateIsland === "function" && document.querySelector('[data-hydrated="true"]') !== null;

  function target(event) {
    if (event.defaultPrevented || event.button !== 0) return null;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
    const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link || link.target || link.hasAttribute("download")) return null;
    // Only from a page this script swaps too: other pages (thank-you, My gifts) have streams
    // and listeners of their own that a page load ends.
    if (!pagePattern.test(location.pathname)) return null;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.search || !pagePattern.test(url.pathname)) return null;
    // A link to a part of this page scrolls there, as a browser does.
    if (url.hash && url.pathname === location.pathname) return null;
    return url;
  }

  // `restore`: the scroll position to return to (Back and Forward), or undefined for a new page.
  async function go(url, restore) {
    const current = ++navigation;
    clearTimeout(saving);
    const leave = () => {
      if (current === navigation) location.assign(url.href);
    };
    let response, html;
    try {
      response = await fetch(url.pathname, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      const type = response.headers.get("content-type") || "";
      if (!response.ok || !type.startsWith("text/html") || !pagePattern.test(new URL(response.url).pathname)) {
        return leave();
      }
      html = await response.text();
    } catch {
      return leave();
    }
    if (current !== navigation) return;
    const landed = new URL(response.url);
    const next = new DOMParser().parseFromString(html, "text/html");

    // From the first swap on, this script puts the scroll position back itself.
    history.scrollRestoration = "manual";
    if (restore === undefined) {
      history.replaceState({ scroll: scrollY }, "");
      history.pushState({ scroll: 0 }, "", landed.pathname + url.hash);
    }
    try {
      document.title = next.title;
      document.documentElement.lang = next.documentElement.lang;
      for (const tag of document.head.querySelectorAll(headTags)) tag.remove();
      for (const tag of next.head.querySelectorAll(headTags)) document.head.append(document.importNode(tag, true));
      document.body.replaceChildren(...[...next.body.childNodes].map((node) => document.importNode(node, true)));
      shown = landed.pathname;
      // As the island script does on a first load: every island, in document order.
      for (const island of document.querySelectorAll("leptos-island")) {
        await window.__hydrateIsland(island, island.dataset.component);
      }
    } catch (error) {
      // A page half swapped is worse than a reload.
      console.error(error);
      location.reload();
      return;
    }

    let anchor = null;
    try {
      anchor = url.hash ? document.getElementById(decodeURIComponent(url.hash.slice(1))) : null;
    } catch {}
    // At once: the stylesheet's smooth scrolling is for links within a page, not for
    // arriving on a new one (it showed the old scroll position, then slid up).
    if (restore !== undefined) scrollTo({ top: restore, left: 0, behavior: "instant" });
    else if (anchor) anchor.scrollIntoView({ behavior: "instant" });
    else scrollTo({ top: 0, left: 0, behavior: "instant" });
    // Where a page load leaves a screen reader: at the new page's heading.
    const heading = anchor || document.querySelector("main h1");
    if (heading) {
      if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }

  addEventListener("click", (event) => {
    const url = target(event);
    if (!url || !awake()) return;
    event.preventDefault();
    go(url, undefined);
  });
  addEventListener("popstate", (event) => {
    // Whatever was loading is no longer where the reader is going.
    navigation++;
    clearTimeout(saving);
    const saved = event.state?.scroll;
    // Back to a part of the same page (#give): only the position changes.
    if (location.pathname === shown) {
      if (saved !== undefined && history.scrollRestoration === "manual") scrollTo(0, saved);
      return;
    }
    if (pagePattern.test(location.pathname) && !location.search) go(new URL(location.href), saved ?? 0);
    else location.reload();
  });
  // Where the reader was, for Back and Forward (saved once scrolling settles).
  addEventListener(
    "scroll",
    () => {
      clearTimeout(saving);
      saving = setTimeout(() => history.replaceState({ scroll: scrollY }, ""), 200);
    },
    { passive: true },
  );
})
