// Fixes of ours to Django's admin, for axe (templates/admin/base_site.html).
"use strict";

// Django's two-box choosers (filter_horizontal) label their filter box with a <span> that carries
// aria-label, which ARIA forbids on an element with no role (axe: aria-prohibited-attr). The span
// is an icon standing for its words, so it becomes an image, as soon as Django adds it (on "load").
const namedIcons = ".search-label-icon[aria-label]:not([role])";
const giveIconsARole = () => {
  for (const icon of document.querySelectorAll(namedIcons)) {
    icon.setAttribute("role", "img");
  }
};
const watcher = new MutationObserver(giveIconsARole);
watcher.observe(document.documentElement, { childList: true, subtree: true });
window.addEventListener("load", () => setTimeout(() => watcher.disconnect()));
