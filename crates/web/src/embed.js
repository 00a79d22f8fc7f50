// The script partners paste beside `<div data-sharecare-donate data-partner="CODE">`: it puts
// the donation widget there in an iframe (`/embed/{lang}/donate?partner=CODE`) and sizes the
// iframe to the widget. Plain script, no framework, a few hundred bytes compressed.
//
// Only messages from the site's own origin, and from one of the iframes this script made, may
// change a height; anything else is ignored.
(function () {
  var script = document.currentScript;
  if (!script || !script.src) return;
  var site = new URL(script.src).origin;
  var frames = [];
  var titles = { en: "Donate", "zh-hk": "捐款", "zh-cn": "捐款" };
  function insert(slot) {
    if (slot.getAttribute("data-sharecare-ready")) return;
    slot.setAttribute("data-sharecare-ready", "true");
    var lang = slot.getAttribute("data-lang") || "en";
    if (!LANGUAGES.test(lang)) lang = "en";
    var src = new URL("/embed/" + lang + "/donate", site);
    var partner = slot.getAttribute("data-partner");
    if (partner) src.searchParams.set("partner", partner);
    var frame = document.createElement("iframe");
    frame.src = src.href;
    frame.title = slot.getAttribute("data-title") || titles[lang] || titles.en;
    frame.style.cssText = "display:block;width:100%;max-width:42rem;height:960px;border:0";
    slot.appendChild(frame);
    frames.push(frame);
  }
  window.addEventListener("message", function (event) {
    if (event.origin !== site) return;
    var data = event.data;
    if (!data || data.sharecare !== "height" || typeof data.height !== "number") return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.max(240, Math.min(6000, Math.round(data.height))) + "px";
      }
    }
  });
  var slots = document.querySelectorAll("[data-sharecare-donate]");
  for (var i = 0; i < slots.length; i++) insert(slots[i]);
})();
