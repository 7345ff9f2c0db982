// The task list keeps up with the other members of its lists (todo_web/tasks/live.py): the
// list region's #live-poll asks every few seconds (hx-trigger "every Ns"); this holds the
// question back while it would disturb someone, asks at once when the tab shows again, and
// keeps keyboard focus where it was when an answer redraws the page around it.
(function () {
  "use strict";

  const TYPING = "input:not([type=checkbox]):not([type=radio]), textarea, select, [contenteditable]";

  function busy() {
    if (document.hidden) return true;
    // An inline edit form (a sheet on a phone), a selection for a bulk action, a drag, or
    // a request of the page's own under way: what a redrawn list would throw away.
    if (document.querySelector(".task-editing, .bulk-details[open], .sortable-chosen, .sortable-drag, [data-carrying], .htmx-request")) return true;
    if (document.querySelector('input[name="ids"][form="bulk-form"]:checked, #select-all:checked')) return true;
    // Typing in the list, or choosing in the filters (the answer redraws them too); quick
    // add, outside both, keeps what is typed.
    const active = document.activeElement;
    if (active && ((active.matches(TYPING) && active.closest("#task-list")) || active.closest("#filters"))) return true;
    // Text selected in the list, to copy.
    const selection = window.getSelection();
    const list = document.getElementById("task-list");
    return !!(selection && !selection.isCollapsed && list && list.contains(selection.anchorNode));
  }

  // The element that asked (htmx names the swap's target as `elt` once the answer is in).
  function isPoll(event) {
    const detail = event.detail || {};
    const elt = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    return !!(elt && elt.hasAttribute && elt.hasAttribute("data-live-poll"));
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isPoll(event) && busy()) event.preventDefault();
  });

  // Back in the tab: ask now rather than at the next tick.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) return;
    document.getElementById("live-poll")?.dispatchEvent(new Event("live-refresh"));
  });

  // Keyboard focus stays on the control that had it, now in the redrawn copy (a task's
  // title, a sidebar link), and the page does not scroll to it. This runs before
  // app.js's own restoring (capture phase), which then finds focus in place.
  let focused = null;
  function locate(element) {
    if (!element || element === document.body) return null;
    if (element.id) return "#" + CSS.escape(element.id);
    const holder = element.parentElement && element.parentElement.closest("[id]");
    if (!holder) return null;
    const href = element.getAttribute("href");
    const name = element.getAttribute("name");
    const own = href ? '[href="' + CSS.escape(href) + '"]' : name ? '[name="' + CSS.escape(name) + '"]' : "";
    return own ? "#" + CSS.escape(holder.id) + " " + element.tagName.toLowerCase() + own : null;
  }
  function refocus() {
    const active = document.activeElement;
    if (focused && (!active || active === document.body)) {
      document.querySelector(focused)?.focus({ preventScroll: true });
    }
  }
  // While the list is swapped, the browser's scroll anchoring would follow a row of the
  // copy going away and scroll the page (app.css: .live-redraw): the page stays put.
  function anchorAgain() {
    document.documentElement.classList.remove("live-redraw");
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    const redraw = isPoll(event) && event.detail.shouldSwap; // not a 204
    focused = redraw ? locate(document.activeElement) : null;
    if (redraw) document.documentElement.classList.add("live-redraw");
  }, true);
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!isPoll(event)) return;
    anchorAgain();
    refocus();
  }, true);
  document.addEventListener("htmx:afterRequest", function (event) {
    if (isPoll(event)) anchorAgain();
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!isPoll(event)) return;
    refocus();
    focused = null;
  }, true);
})();
