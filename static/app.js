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
    scheduleDismiss(box);
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

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#toasts .toast").forEach(scheduleDismiss);
  });

  document.body?.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "toasts") {
      event.target.querySelectorAll(".toast:not([data-scheduled])").forEach(function (box) {
        box.setAttribute("data-scheduled", "");
        scheduleDismiss(box);
      });
    }
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

  window.todoWeb = { toast: toast };
})();
