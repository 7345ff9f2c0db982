// todo-web's only script besides htmx: htmx settings, toasts, and failure messages.
(function () {
  "use strict";

  // 4xx answers carry a re-rendered form or a toast: show them. 5xx answers are toasts
  // too, marked as errors so htmx still fires its error events.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "5..", swap: true, error: true },
    { code: "...", swap: false },
  ];
  // No inline styles: app.css carries the indicator styles.
  htmx.config.includeIndicatorStyles = false;
  htmx.config.allowEval = false;
  htmx.config.historyCacheSize = 0;

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
    // Errors and toasts with an action (Undo) stay until dismissed or for longer.
    const delay = box.classList.contains("toast-error") || box.querySelector("form, a") ? 10000 : 4000;
    window.setTimeout(function () { box.remove(); }, delay);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-dismiss]");
    if (button) button.closest(".toast")?.remove();
  });

  // Every toast, whether in the page, swapped in out-of-band or made here, dismisses
  // itself; at most three stay on screen.
  function watchToasts() {
    const region = document.getElementById("toasts");
    if (!region) return;
    region.querySelectorAll(".toast").forEach(scheduleDismiss);
    new MutationObserver(function (mutations) {
      mutations.forEach(function (mutation) {
        mutation.addedNodes.forEach(function (node) {
          if (node.nodeType === 1 && node.classList.contains("toast")) scheduleDismiss(node);
        });
      });
      const toasts = region.querySelectorAll(".toast");
      for (let i = 0; i < toasts.length - 3; i++) toasts[i].remove();
    }).observe(region, { childList: true });
  }

  // A request made from inside a toast (Undo) is the toast's last act.
  document.addEventListener("htmx:afterRequest", function (event) {
    event.detail.elt.closest?.(".toast")?.remove();
  });

  document.addEventListener("htmx:sendError", function () {
    toast("Could not reach the server. Check your connection and try again.", "error");
  });
  document.addEventListener("htmx:responseError", function (event) {
    // 5xx answers bring their own toast; this covers answers without a body.
    if (!event.detail.xhr.responseText) {
      toast("The server could not complete that request (" + event.detail.xhr.status + ").", "error");
    }
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
