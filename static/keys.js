// Keyboard shortcuts for the task list, listed in the #shortcuts dialog ("?"). They never
// fire while the user is typing in a field, nor with Ctrl, Alt or Cmd held.
(function () {
  "use strict";

  const TYPING = 'input:not([type="checkbox"]):not([type="radio"]):not([type="button"]):not([type="submit"]), textarea, select, [contenteditable=""], [contenteditable="true"]';

  function isTyping(target) {
    return target instanceof Element && target.closest(TYPING) !== null;
  }

  function rows() {
    return Array.from(document.querySelectorAll("#task-list li[data-task-id]"));
  }

  function currentRow() {
    const active = document.activeElement;
    return active && active.closest ? active.closest("#task-list li[data-task-id]") : null;
  }

  function focusRow(row) {
    const title = row && row.querySelector(".task-title");
    if (!title) return;
    title.focus();
    title.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const index = all.indexOf(currentRow());
    if (index < 0) {
      focusRow(step > 0 ? all[0] : all[all.length - 1]);
    } else {
      focusRow(all[Math.min(all.length - 1, Math.max(0, index + step))]);
    }
  }

  // On a page without the list, "n" and "/" go to the list and land in the right field.
  function focusField(id) {
    const field = document.getElementById(id);
    if (field) {
      field.focus();
      field.select?.();
    } else {
      window.location.assign("/tasks#" + id);
    }
  }

  function select(row) {
    const box = row.querySelector('input[name="ids"]');
    const details = document.querySelector(".bulk-details");
    if (!box) return;
    if (details && !details.open) details.open = true;
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function dialog() {
    return document.getElementById("shortcuts");
  }

  function showHelp() {
    const help = dialog();
    if (help && !help.open) help.showModal();
  }

  const actions = {
    n: function () { focusField("quick-text"); },
    "/": function () { focusField("search-q"); },
    j: function () { move(1); },
    k: function () { move(-1); },
    x: function (row) { if (row) select(row); },
    c: function (row) { row?.querySelector("button.toggle")?.click(); },
    e: function (row) { row?.querySelector('.task-actions a[href$="/edit"]')?.click(); },
    "?": showHelp,
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && isTyping(event.target) && !event.target.closest("dialog")) {
      event.target.blur();
      return;
    }
    if (isTyping(event.target) || dialog()?.open) return;
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action(currentRow());
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-open]")) showHelp();
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
      button.hidden = false;
    });
    const id = window.location.hash.slice(1);
    if (id === "quick-text" || id === "search-q") document.getElementById(id)?.focus();
  });
})();
