// todo-web's main script besides htmx: toasts, failure messages, focus, the CSRF token's
// renewal (keys.js has the shortcuts; reorder.js the drag and drop of a list's rows).
// htmx's settings are all in base.html's <meta name="htmx-config">.
(function () {
  "use strict";

  function toast(message, category) {
    const region = document.getElementById("toasts");
    if (!region) return;
    const box = document.createElement("div");
    box.className = "toast toast-" + (category || "info");
    box.setAttribute("role", category === "error" ? "alert" : "status");
    const text = document.createElement("span");
    text.className = "toast-message";
    text.textContent = message;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss");
    close.setAttribute("data-dismiss", "");
    close.textContent = "\u00d7";
    box.append(text, close);
    region.append(box);
  }

  function scheduleDismiss(box) {
    // The close button is hidden in the page's markup: without a script it could not work.
    box.querySelector("[data-dismiss]")?.removeAttribute("hidden");
    // Errors and toasts with an action (Undo) stay until dismissed or for longer.
    const delay = box.classList.contains("toast-error") || box.querySelector("form, a") ? 10000 : 4000;
    window.setTimeout(function () { box.remove(); }, delay);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-dismiss]");
    if (button) button.closest(".toast")?.remove();
  });

  // The toast region sits in a bottom corner (app.css). When that covers the field being
  // typed in (a short screen, a phone's keyboard open), it moves to the top edge instead.
  function isTypingField(element) {
    return !!element && element.matches?.("input, textarea, select, [contenteditable]");
  }
  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }
  function placeToasts() {
    const region = document.getElementById("toasts");
    if (!region) return;
    region.classList.remove("toasts-top");
    const field = document.activeElement;
    if (!region.querySelector(".toast") || !isTypingField(field)) return;
    if (overlaps(region.getBoundingClientRect(), field.getBoundingClientRect())) {
      region.classList.add("toasts-top");
    }
  }
  document.addEventListener("focusin", placeToasts);

  // Every toast, whether in the page, swapped in out-of-band or made here, dismisses
  // itself. One shows at a time: the newest replaces the one before, so messages never
  // pile up over the page. The region is a polite live region, so each is read out.
  function watchToasts() {
    const region = document.getElementById("toasts");
    if (!region) return;
    const keepNewest = function () {
      const toasts = region.querySelectorAll(".toast");
      for (let i = 0; i < toasts.length - 1; i++) toasts[i].remove();
      placeToasts();
    };
    region.querySelectorAll(".toast").forEach(scheduleDismiss);
    keepNewest();
    new MutationObserver(function (mutations) {
      mutations.forEach(function (mutation) {
        mutation.addedNodes.forEach(function (node) {
          if (node.nodeType === 1 && node.classList.contains("toast")) scheduleDismiss(node);
        });
      });
      keepNewest();
    }).observe(region, { childList: true });
  }

  // A request made from inside a toast (Undo) is the toast's last act.
  document.addEventListener("htmx:afterRequest", function (event) {
    event.detail.elt.closest?.(".toast")?.remove();
  });

  document.addEventListener("htmx:sendError", function () {
    toast("Could not reach the server. Check your connection and try again.", "error");
  });
  document.addEventListener("htmx:timeout", function () {
    toast("The server took too long to answer. Nothing was lost; try again.", "error");
  });
  // The app's own 5xx answers are toasts aimed at #toasts (HX-Retarget). Anything else
  // (an empty body, a proxy's error page) must not land in the list: say what happened.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const xhr = event.detail.xhr;
    if (xhr.status >= 500 && !xhr.getResponseHeader("HX-Retarget")) {
      event.detail.shouldSwap = false;
      toast("The server could not complete that request (" + xhr.status + "). Try again in a moment.", "error");
    }
  });
  window.addEventListener("offline", function () {
    toast("You are offline. Changes cannot be saved until the connection is back.", "error");
  });
  window.addEventListener("online", function () {
    toast("Back online.", "success");
  });

  // The CSRF token is sent by htmx from hx-headers on <body> (base.html). Every htmx
  // answer carries the current one in X-CSRF-Token: when it changed (a password change, a
  // new login in another tab renewed the session), it replaces the old one there, in the
  // meta tag and in the forms' fields, so the page keeps posting without a reload.
  document.addEventListener("htmx:afterRequest", function (event) {
    const token = event.detail.xhr && event.detail.xhr.getResponseHeader("X-CSRF-Token");
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (!token || !meta || meta.content === token) return;
    meta.content = token;
    document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": token }));
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) {
      input.value = token;
    });
  });

  // A thin bar at the top of the screen while a request takes longer than a moment; the
  // part of the page being replaced says aria-busy meanwhile.
  // Counted on the requests themselves ("loadend" comes whatever the outcome): htmx's own
  // events are lost when the element that asked was swapped out meanwhile.
  let pending = 0;
  let loadingTimer = null;
  document.addEventListener("htmx:beforeSend", function (event) {
    const xhr = event.detail.xhr;
    const target = event.detail.target;
    pending += 1;
    target?.setAttribute("aria-busy", "true");
    if (loadingTimer === null) {
      loadingTimer = window.setTimeout(function () {
        document.documentElement.classList.add("is-loading");
      }, 250);
    }
    xhr.addEventListener("loadend", function () {
      target?.removeAttribute("aria-busy");
      pending = Math.max(0, pending - 1);
      if (pending === 0) {
        window.clearTimeout(loadingTimer);
        loadingTimer = null;
        document.documentElement.classList.remove("is-loading");
      }
    });
  });

  // Keep keyboard focus where the user was when the element holding it is swapped out:
  // on the same control of the new copy (a task row, a form), or on a neighbouring task
  // when the row went away. A form that comes back with errors gets focus on its first
  // invalid field, and status messages in swapped content are read out.
  let focusNote = null;
  function within(element, anchor) {
    if (element === anchor) return null;
    const tag = element.tagName.toLowerCase();
    if (element.name) return tag + '[name="' + element.name + '"]';
    if (element.classList.length) return tag + "." + element.classList[0];
    return tag;
  }
  function rowTitle(row) {
    return row && row.querySelector(".task-title");
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    focusNote = null;
    const active = document.activeElement;
    const target = event.detail.target;
    if (!active || active === document.body || !target || !target.contains(active)) return;
    const row = active.closest("[data-task-id]");
    const anchor = row || active.closest("[id]");
    if (!anchor) return;
    const rows = Array.from(document.querySelectorAll("#task-list li[data-task-id]"));
    const index = row ? rows.indexOf(row) : -1;
    focusNote = {
      anchorId: anchor.id,
      selector: within(active, anchor),
      neighbours: index < 0 ? [] : [rows[index + 1], rows[index - 1]].filter(Boolean).map(function (r) { return r.id; }),
    };
  });
  const announcer = function () { return document.getElementById("announcer"); };
  function announce(text) {
    const region = announcer();
    if (!region || !text) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }
  function swappedElement(event) {
    const target = event.detail.target;
    return (target && target.id && document.getElementById(target.id)) || target;
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    const swapped = swappedElement(event);
    const invalid = swapped && swapped.isConnected && swapped.querySelector('[aria-invalid="true"]');
    if (invalid) {
      invalid.focus();
    } else if (focusNote && (document.activeElement === document.body || !document.activeElement)) {
      const anchor = document.getElementById(focusNote.anchorId);
      let next = anchor && (focusNote.selector ? anchor.querySelector(focusNote.selector) : anchor);
      if (!next && anchor && anchor.matches("[data-task-id]")) next = rowTitle(anchor);
      if (!next) {
        const neighbour = focusNote.neighbours.map(function (id) { return document.getElementById(id); }).find(Boolean);
        next = rowTitle(neighbour);
      }
      next?.focus();
    }
    focusNote = null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    const swapped = swappedElement(event);
    if (swapped && swapped.isConnected && swapped.id !== "toasts") {
      const verb = event.detail.requestConfig?.verb;
      swapped.querySelectorAll('[role="status"]').forEach(function (status) {
        if (status.id === "list-status" && verb && verb !== "get") return; // the toast says it
        announce(status.textContent.trim().replace(/\s+/g, " "));
      });
    }
  });

  // Drag and drop is loaded only on pages whose list can be reordered (tasks/index.html).
  // When such a list is swapped into a page that could not be reordered (a filter taken
  // off), load the scripts it names, once; static/reorder.js then sets the list up.
  let reorderRequested = false;
  document.addEventListener("htmx:load", function (event) {
    if (reorderRequested || window.Sortable) return;
    const list = event.target.querySelector?.(".task-items.sortable[data-scripts]");
    if (!list) return;
    reorderRequested = true;
    list.dataset.scripts.split(" ").forEach(function (src) {
      const script = document.createElement("script");
      script.src = src;
      script.async = false; // in order: SortableJS first
      document.head.append(script);
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watchToasts);
  } else {
    watchToasts();
  }

  window.todoWeb = { toast: toast };
})();

// "All on this page" ticks every row's checkbox too, so the selection is visible.
document.addEventListener("change", function (event) {
  if (event.target.id !== "select-all") return;
  document.querySelectorAll('input[name="ids"][form="bulk-form"]').forEach(function (box) {
    box.checked = event.target.checked;
  });
});

// The service worker (/sw.js, todo_web/pwa.py): the app installs on a phone's home screen,
// keeps its static files, and shows an offline page and push notifications. Registered once
// the page has loaded, so the files it keeps are fetched after the page's own.
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function (error) {
      console.warn("todo-web: the service worker could not be registered:", error);
    });
  });
}
