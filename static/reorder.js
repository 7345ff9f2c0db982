// Moving tasks in a list's own order: drag a row by its handle (mouse or touch), or press
// Alt+Shift+arrows with focus in the row. Loaded only where rows can be moved (the
// `.task-items.sortable` list of one list in manual order), after SortableJS
// (static/vendor/Sortable.min.js). Every move posts to /tasks/<id>/move, like the
// no-JavaScript buttons, and the answer replaces the whole list (#task-list).
//
// The rows are flat: a subtask is a later row with a greater data-depth. A row's subtree
// (the rows after it with a greater depth) goes wherever it goes.
(function () {
  "use strict";

  const STEP = 40; // px of sideways drag per level of nesting
  const MAX_DEPTH = 5; // levels, as todo_web.models.MAX_DEPTH (the server checks anyway)
  const LIST = ".task-items.sortable";
  const ROW = "li[data-task-id]";

  let busy = false; // a move is on its way: the rows on screen are about to be replaced
  let drag = null; // the drag under way

  // -- the rows as a tree -------------------------------------------------------------

  function rowsOf(list, leaving) {
    return Array.from(list.querySelectorAll(":scope > " + ROW)).filter(function (row) {
      return !leaving || !leaving.includes(row);
    });
  }
  function depthOf(row) {
    return Number(row.dataset.depth || 0);
  }
  function parentOf(row) {
    return row.dataset.parentId || "";
  }
  function titleOf(row) {
    const title = row && row.querySelector(".task-title");
    return title ? title.textContent.trim() : "";
  }

  // The rows after `row` that are its subtasks, at any depth.
  function descendants(row) {
    const found = [];
    const depth = depthOf(row);
    for (let next = row.nextElementSibling; next; next = next.nextElementSibling) {
      if (!next.matches(ROW)) continue;
      if (depthOf(next) <= depth) break;
      found.push(next);
    }
    return found;
  }

  // Levels below the row in its subtree (0: no subtasks).
  function height(row, below) {
    const depth = depthOf(row);
    return below.reduce(function (most, r) { return Math.max(most, depthOf(r) - depth); }, 0);
  }

  // In `rows` (page order), the sibling that follows index `at` at `depth` under `parent`:
  // its id; "" when the siblings end on this page; null when they may go on past the
  // page's end (the list has more pages), so the spot is not known here.
  function nextSibling(list, rows, at, depth, parent) {
    for (let i = at + 1; i < rows.length; i++) {
      const d = depthOf(rows[i]);
      if (d < depth) return "";
      if (d === depth) return parentOf(rows[i]) === parent ? rows[i].dataset.taskId : "";
    }
    return list.hasAttribute("data-more-pages") ? null : "";
  }

  // The parent of a row put at index `at` of `rows` at `depth`: the nearest row above at
  // that depth shares it; the nearest one level up is it.
  function parentAt(rows, at, depth) {
    for (let i = at - 1; i >= 0; i--) {
      const d = depthOf(rows[i]);
      if (d === depth) return parentOf(rows[i]);
      if (d === depth - 1) return rows[i].dataset.taskId;
      if (d < depth) break;
    }
    // At the top: a depth-0 row below may be a subtask whose parent is not on this page.
    for (let i = at + 1; i < rows.length; i++) {
      if (depthOf(rows[i]) === depth) return parentOf(rows[i]);
      if (depthOf(rows[i]) < depth) break;
    }
    return "";
  }

  // Where the row at index `at` of `rows` goes: the depth it may take there, from its own
  // depth (kept when it fits) shifted by `levels` (the sideways drag), and what that
  // means for the server: { depth, parent, before }.
  function spot(list, rows, at, row, levels, tall) {
    const above = at > 0 ? depthOf(rows[at - 1]) : -1;
    const below = at + 1 < rows.length ? depthOf(rows[at + 1]) : 0;
    const deepest = Math.min(above + 1, MAX_DEPTH - 1 - tall);
    // Without a sideways drag the row keeps its depth, unless that would tear the rows
    // around the spot apart (dropped between a task and its first subtask: it becomes
    // that first subtask).
    let depth = Math.min(Math.max(depthOf(row), below), above + 1);
    depth = Math.max(0, Math.min(depth + levels, deepest));
    const parent = parentAt(rows, at, depth);
    return { depth: depth, parent: parent, before: nextSibling(list, rows, at, depth, parent) };
  }

  // -- talking to the server ----------------------------------------------------------

  function announce(text) {
    const region = document.getElementById("announcer");
    if (!region || !text) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function say(text, category) {
    if (window.todoWeb) window.todoWeb.toast(text, category || "info");
    else announce(text);
  }

  const LATER_PAGE = "That place goes on past this page. Move it from the last page, or show more tasks per page.";

  // Post the move; the answer (the list, or the list and a message on a 400) replaces
  // #task-list. Focus then goes back to the moved row, and the move is read out.
  function post(row, values, message, undo) {
    const id = row.dataset.taskId;
    const hadFocus = row.contains(document.activeElement);
    const list = row.closest(LIST);
    busy = true;
    return htmx
      .ajax("POST", "/tasks/" + id + "/move", {
        target: "#task-list",
        swap: "outerHTML",
        values: values,
      })
      .then(function () {
        if (list.isConnected) {
          // Not replaced (a server error, answered with a toast): the list as it was.
          if (undo) undo();
          return;
        }
        const moved = document.getElementById("task-" + id);
        const title = moved && moved.querySelector(".task-title");
        if (title && hadFocus) {
          title.focus();
          title.scrollIntoView({ block: "nearest" });
        }
        // Said only when the task ended up where it was sent (a refused move has a toast).
        if (moved && message && (values.parent === undefined || parentOf(moved) === values.parent)) {
          announce(message);
        }
      }, function () {
        if (undo) undo(); // not sent (offline, timeout): app.js has said so
      })
      .finally(function () { busy = false; });
  }

  function describe(row, where, rows) {
    const title = "“" + titleOf(row) + "”";
    if (where.parent && where.parent !== parentOf(row)) {
      const parentRow = rows.find(function (r) { return r.dataset.taskId === where.parent; });
      return title + " is now a subtask of “" + titleOf(parentRow) + "”.";
    }
    if (!where.parent && parentOf(row)) return title + " is now a top-level task.";
    return title + " moved.";
  }

  // -- the keyboard -------------------------------------------------------------------

  function siblingBefore(rows, at) {
    const depth = depthOf(rows[at]);
    const parent = parentOf(rows[at]);
    for (let i = at - 1; i >= 0; i--) {
      const d = depthOf(rows[i]);
      if (d < depth) return null;
      if (d === depth) return parentOf(rows[i]) === parent ? rows[i] : null;
    }
    return null;
  }

  const KEYS = { ArrowUp: "up", ArrowDown: "down", ArrowRight: "in", ArrowLeft: "out" };

  function keyMove(row, how) {
    const list = row.closest(LIST);
    const rows = rowsOf(list);
    const at = rows.indexOf(row);
    const title = "“" + titleOf(row) + "”";
    if (how === "up" || how === "down") {
      // The move buttons' own values: the server knows the siblings on other pages too.
      const button = row.querySelector(how === "up" ? ".move-up" : ".move-down");
      if (!button) {
        announce(title + (how === "up" ? " is already first." : " is already last."));
        return;
      }
      post(row, { before: button.value }, title + " moved " + how + ".");
      return;
    }
    if (how === "in") {
      const sibling = siblingBefore(rows, at);
      if (!sibling) {
        announce(title + " has no task above it to go under.");
        return;
      }
      const values = { before: "", parent: sibling.dataset.taskId };
      post(row, values, title + " is now a subtask of “" + titleOf(sibling) + "”.");
      return;
    }
    // Out: after its parent, under the parent's parent.
    const parentRow = document.getElementById("task-" + parentOf(row));
    if (!parentOf(row)) {
      announce(title + " is already a top-level task.");
      return;
    }
    if (!parentRow || !list.contains(parentRow)) {
      announce("The task above “" + titleOf(row) + "” is not on this page.");
      return;
    }
    const parentAtIndex = rows.indexOf(parentRow);
    const before = nextSibling(list, rows, parentAtIndex, depthOf(parentRow), parentOf(parentRow));
    if (before === null) {
      say(LATER_PAGE);
      return;
    }
    const values = { before: before, parent: parentOf(parentRow) };
    post(row, values, values.parent ? title + " moved up a level." : title + " is now a top-level task.");
  }

  document.addEventListener("keydown", function (event) {
    const how = KEYS[event.key];
    if (!how || !event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) return;
    const row = event.target instanceof Element ? event.target.closest(LIST + " > " + ROW) : null;
    if (!row || event.target.closest("input, textarea, select, [contenteditable]")) return;
    event.preventDefault(); // Alt+arrows are the browser's Back and Forward
    if (busy || drag) return;
    keyMove(row, how);
  });

  // -- dragging -----------------------------------------------------------------------

  // The pointer's sideways travel since the drag began, in levels (+1: one step right).
  let startX = null;
  let lastX = null;
  function pointerX(event) {
    const touch = event.touches && (event.touches[0] || event.changedTouches[0]);
    return touch ? touch.clientX : event.clientX;
  }
  document.addEventListener("pointerdown", function (event) {
    if (event.target instanceof Element && event.target.closest(LIST + " .drag-handle")) {
      startX = lastX = event.clientX;
    }
  }, true);
  function track(event) {
    if (startX === null) return;
    const x = pointerX(event);
    if (typeof x === "number") lastX = x;
    if (drag) preview();
  }
  document.addEventListener("pointermove", track, { capture: true, passive: true });
  document.addEventListener("touchmove", track, { capture: true, passive: true });

  function levels() {
    if (startX === null || lastX === null) return 0;
    const dx = lastX - startX;
    return Math.trunc(dx / STEP);
  }

  function setDepthClass(row, depth) {
    row.className = row.className.replace(/\bdepth-\d+\b/g, "").trim();
    if (depth > 0) row.classList.add("depth-" + depth);
  }

  // Show the depth the row would take if dropped now (its placeholder in the list moves
  // in and out).
  function preview() {
    const rows = rowsOf(drag.list, drag.carried);
    const at = rows.indexOf(drag.row);
    if (at < 0) return;
    const where = spot(drag.list, rows, at, drag.row, levels(), drag.tall);
    if (where.depth !== drag.shown) {
      drag.shown = where.depth;
      setDepthClass(drag.row, where.depth);
    }
  }

  function putBack() {
    const d = drag;
    if (!d) return;
    d.list.insertBefore(d.row, d.next);
    let after = d.row;
    d.carried.forEach(function (child) {
      after.after(child);
      after = child;
      child.classList.remove("is-carried");
    });
    setDepthClass(d.row, d.depth);
    d.row.classList.remove("is-carrying");
    d.row.removeAttribute("data-carrying");
  }

  function onStart(event) {
    const row = event.item;
    const carried = descendants(row);
    drag = {
      list: event.from,
      row: row,
      carried: carried,
      tall: height(row, carried),
      depth: depthOf(row),
      shown: depthOf(row),
      parent: parentOf(row),
      next: carried.length ? carried[carried.length - 1].nextElementSibling : row.nextElementSibling,
      index: rowsOf(event.from).indexOf(row),
    };
    // The subtasks travel with their parent: out of sight meanwhile, the count on it.
    carried.forEach(function (child) { child.classList.add("is-carried"); });
    if (carried.length) {
      row.classList.add("is-carrying");
      row.setAttribute("data-carrying", "+" + carried.length);
    }
  }

  function onEnd(event) {
    const d = drag;
    if (!d) return;
    preview();
    const rows = rowsOf(d.list, d.carried);
    const at = rows.indexOf(d.row);
    const where = spot(d.list, rows, at, d.row, levels(), d.tall);
    startX = lastX = null;
    const unmoved = where.parent === d.parent && rowsOf(d.list).indexOf(d.row) === d.index;
    if (at < 0 || event.to !== d.list || unmoved) {
      putBack();
      drag = null;
      return;
    }
    if (where.before === null) {
      putBack();
      drag = null;
      say(LATER_PAGE);
      return;
    }
    // Until the answer comes: the subtasks under their parent in its new place.
    let after = d.row;
    d.carried.forEach(function (child) {
      setDepthClass(child, depthOf(child) - d.depth + where.depth);
      child.classList.remove("is-carried");
      after.after(child);
      after = child;
    });
    d.row.classList.remove("is-carrying");
    d.row.removeAttribute("data-carrying");
    const sortable = Sortable.get(d.list);
    if (sortable) sortable.option("disabled", true);
    const message = describe(d.row, where, rows);
    drag = null;
    post(d.row, { before: where.before, parent: where.parent }, message, function () {
      // Not sent: the list as it was.
      d.carried.forEach(function (child) {
        setDepthClass(child, depthOf(child));
      });
      drag = d;
      putBack();
      drag = null;
      if (sortable) sortable.option("disabled", false);
    });
  }

  function makeSortable(list) {
    if (Sortable.get(list)) return;
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    Sortable.create(list, {
      draggable: ROW,
      handle: ".drag-handle",
      // The same drag for mouse and touch (and no HTML drag and drop, whose picture of the
      // row the page cannot style): SortableJS moves a copy of the row itself.
      forceFallback: true,
      fallbackOnBody: true,
      fallbackTolerance: 4, // px the mouse moves before a click becomes a drag
      // On a touch screen a finger held still on the handle for a moment starts the drag;
      // moving at once scrolls the page as usual (outside the handle).
      delay: 150,
      delayOnTouchOnly: true,
      touchStartThreshold: 5,
      animation: still ? 0 : 150,
      scroll: true,
      bubbleScroll: true,
      onStart: onStart,
      onChange: function () { if (drag) preview(); }, // the row moved under a still pointer
      onEnd: onEnd,
    });
  }

  function setUp(root) {
    const scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches(LIST)) makeSortable(scope);
    scope.querySelectorAll(LIST).forEach(makeSortable);
  }

  // Now (the page, or a list swapped in before this script arrived), and for every list
  // htmx swaps in later (after a move, a filter, a page).
  setUp(document);
  document.addEventListener("htmx:load", function (event) { setUp(event.target); });
  // A swap that replaced the list under a drag ends that drag.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (drag && event.detail.target && event.detail.target.contains(drag.list)) {
      drag.carried.forEach(function (child) { child.classList.remove("is-carried"); });
      drag = null;
      startX = lastX = null;
    }
  });
})();
