// The phone layout's behaviour (static/app.css, "Density and phone layout"): the add
// button goes to quick add, the bar of views and lists says which way it scrolls and keeps
// its place when htmx replaces it, the inline editor's sheet closes on a tap beside it or
// on Escape, and a row swiped to the right is completed. Everything but the swipe also
// works without this script, less smoothly.
(function () {
  "use strict";

  // The add button: on the list page, focus quick add where it is instead of following the
  // link (which, without a script, jumps there or loads the list page).
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-quick-add]");
    const field = document.getElementById("quick-text");
    if (!button || !field) return;
    event.preventDefault();
    window.scrollTo({ top: 0, behavior: "smooth" });
    field.focus({ preventScroll: true });
  });

  // The bar of views and lists scrolls sideways; data-fade names the edges with more
  // beyond them, where app.css fades it out.
  let barScroll = null;
  function bar() {
    return document.getElementById("task-counts");
  }
  function markFade(element) {
    const more = element.scrollWidth - element.clientWidth;
    const left = element.scrollLeft > 2;
    const right = element.scrollLeft < more - 2;
    element.dataset.fade = left && right ? "both" : left ? "start" : right ? "end" : "none";
  }
  document.addEventListener("scroll", function (event) {
    if (event.target instanceof Element && event.target.id === "task-counts") {
      barScroll = event.target.scrollLeft;
      markFade(event.target);
    }
  }, true);
  function setUpBar(first) {
    const element = bar();
    if (!element) return;
    if (barScroll !== null) {
      element.scrollLeft = barScroll;
    } else if (first) {
      // The view or list on show, brought into the bar's sight.
      const current = element.querySelector('[aria-current="page"]');
      if (current && current.offsetLeft + current.offsetWidth > element.clientWidth) {
        element.scrollLeft = current.offsetLeft - element.clientWidth / 3;
      }
    }
    markFade(element);
  }
  // The counts come back out of band after every change: the new bar takes the old place.
  document.addEventListener("htmx:afterSettle", function () { setUpBar(false); });
  window.addEventListener("resize", function () { const element = bar(); if (element) markFade(element); });

  // The editor's sheet: a tap on the dimmed page beside it, or Escape, is its Cancel.
  function cancelEditing(sheet) {
    sheet.querySelector(".form-actions a[role=button]")?.click();
  }
  document.addEventListener("click", function (event) {
    const sheet = event.target.closest(".task-editing");
    if (sheet && event.target === sheet && getComputedStyle(sheet).position === "fixed") {
      cancelEditing(sheet);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    const sheet = event.target instanceof Element && event.target.closest(".task-editing");
    if (sheet && getComputedStyle(sheet).position === "fixed") {
      event.preventDefault();
      cancelEditing(sheet);
    }
  });

  // A row swiped to the right is completed (or reopened), on a touch screen. The rows
  // leave vertical moves to the browser (touch-action: pan-y in app.css), which scrolls
  // and cancels the pointer; a sideways move shades the row as far as the finger went, and
  // counts once it passes a third of the row (at least 80 px). A shorter one springs back.
  let swipe = null;
  let swipedAt = 0;
  function threshold(row) {
    return Math.max(80, row.clientWidth / 3);
  }
  function endSwipe(done) {
    if (!swipe) return;
    const row = swipe.row;
    if (swipe.moving) swipedAt = Date.now();
    row.classList.remove("is-swiping", "is-swipe-armed");
    row.style.removeProperty("--swipe");
    if (done && swipe.moving && swipe.dx >= threshold(row)) row.querySelector("button.toggle")?.click();
    swipe = null;
  }
  document.addEventListener("pointerdown", function (event) {
    if (event.pointerType !== "touch" || !event.isPrimary) return;
    const row = event.target.closest("#task-list li[data-task-id]:not(.task-editing)");
    if (!row || event.target.closest(".drag-handle, input, select, textarea, .sortable-chosen")) return;
    swipe = { row: row, id: event.pointerId, x: event.clientX, y: event.clientY, dx: 0, moving: false };
  });
  document.addEventListener("pointermove", function (event) {
    if (!swipe || event.pointerId !== swipe.id) return;
    const dx = event.clientX - swipe.x;
    const dy = event.clientY - swipe.y;
    if (!swipe.moving) {
      if (Math.abs(dy) > 10 && Math.abs(dy) > Math.abs(dx)) { swipe = null; return; } // scrolling
      if (dx < 12) return;
      swipe.moving = true;
      swipe.row.classList.add("is-swiping");
    }
    swipe.dx = Math.max(0, dx);
    swipe.row.style.setProperty("--swipe", swipe.dx + "px");
    swipe.row.classList.toggle("is-swipe-armed", swipe.dx >= threshold(swipe.row));
  });
  document.addEventListener("pointerup", function () { endSwipe(true); });
  document.addEventListener("pointercancel", function () { endSwipe(false); });
  // The finger lifted off a link or button after a swipe is not a tap on it.
  document.addEventListener("click", function (event) {
    if (Date.now() - swipedAt < 400 && event.isTrusted && event.target.closest("#task-list")) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUpBar(true); });
  } else {
    setUpBar(true);
  }
})();
