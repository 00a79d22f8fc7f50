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
  history.scrollRestoration = "manual";

  // Leptos's island script exposes `__hydrateIsland` once the WASM module is imported; an
  // island saying `data-hydrated="true"` means the module is also initialised.
  const awake = () =>
    typeof window.__hydrateIsland === "function" && document.querySelector('[data-hydrated="true"]') !== null;

  function target(event) {
    if (event.defaultPrevented || event.button !== 0) return null;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
    const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link || link.target || link.hasAttribute("download")) return null;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.search || !pagePattern.test(url.pathname)) return null;
    // A link to a part of this page scrolls there, as a browser does.
    if (url.hash && url.pathname === location.pathname) return null;
    return url;
  }

  async function go(url, fromHistory) {
    const current = ++navigation;
    let response;
    try {
      response = await fetch(url.pathname, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    } catch {
      location.assign(url.href);
      return;
    }
    const type = response.headers.get("content-type") || "";
    const landed = new URL(response.url);
    if (!response.ok || !type.startsWith("text/html") || !pagePattern.test(landed.pathname)) {
      location.assign(url.href);
      return;
    }
    const html = await response.text();
    if (current !== navigation) return;
    const next = new DOMParser().parseFromString(html, "text/html");

    if (!fromHistory) {
      history.replaceState({ scroll: scrollY }, "");
      history.pushState({ scroll: 0 }, "", landed.pathname + url.hash);
    }
    document.title = next.title;
    document.documentElement.lang = next.documentElement.lang;
    for (const tag of document.head.querySelectorAll(headTags)) tag.remove();
    for (const tag of next.head.querySelectorAll(headTags)) document.head.append(document.importNode(tag, true));
    document.body.replaceChildren(...[...next.body.childNodes].map((node) => document.importNode(node, true)));

    // As the island script does on a first load: every island, in document order.
    for (const island of document.querySelectorAll("leptos-island")) {
      await window.__hydrateIsland(island, island.dataset.component);
    }
    shown = landed.pathname;

    const anchor = url.hash && document.getElementById(decodeURIComponent(url.hash.slice(1)));
    if (fromHistory) scrollTo(0, history.state?.scroll ?? 0);
    else if (anchor) anchor.scrollIntoView();
    else scrollTo(0, 0);
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
    go(url, false);
  });
  addEventListener("popstate", () => {
    // Back from a part of the same page (#give) is the browser's to scroll.
    if (location.pathname === shown) return;
    if (pagePattern.test(location.pathname) && !location.search) go(new URL(location.href), true);
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
