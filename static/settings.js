// Settings page. Every form works without this script; it adds two things.
//
// The time zone field searches: typing "berl" lists Europe/Berlin, to pick with the mouse,
// a finger, or the arrow keys and Enter (an ARIA combobox over a listbox). The zones come
// from the field's <datalist>, which without this script gives the browser's own
// suggestions; with it, the browser's list is switched off in favour of this one.
//
// While the account's time zone is still the default (UTC), the browser's own zone is
// suggested. Nothing is saved until the user presses "Save profile".
(function () {
  "use strict";

  const SHOWN_AT_MOST = 50;

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  // "America/New_York" and "new york" compare alike.
  function searchKey(text) {
    return text.replace(/_/g, " ").replace(/\s+/g, " ").trim().toLowerCase();
  }

  // Zones whose name holds the query; those where a part of the name starts with it
  // ("berl": Europe/Berlin) before the others ("berl": none; "york": America/New_York).
  function matches(zones, query) {
    const key = searchKey(query);
    if (!key) return zones.slice(0, SHOWN_AT_MOST);
    const first = [];
    const rest = [];
    zones.forEach(function (zone) {
      const name = searchKey(zone);
      const at = name.indexOf(key);
      if (at < 0) return;
      const startsPart = at === 0 || name[at - 1] === "/" || name[at - 1] === " ";
      (startsPart ? first : rest).push(zone);
    });
    return first.concat(rest).slice(0, SHOWN_AT_MOST);
  }

  function zonePicker(input) {
    const datalist = document.getElementById(input.getAttribute("list"));
    if (!datalist) return;
    const zones = Array.from(datalist.options, function (option) { return option.value; });
    const listId = input.id + "-listbox";
    const listbox = document.createElement("ul");
    listbox.id = listId;
    listbox.className = "zone-listbox";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", "Time zones");
    listbox.hidden = true;
    const status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    const label = input.closest("label");
    (label || input).after(listbox, status);

    input.removeAttribute("list");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-expanded", "false");

    let shown = [];
    let active = -1;

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      const items = listbox.children;
      if (active >= 0 && items[active]) items[active].setAttribute("aria-selected", "false");
      active = index;
      if (active < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      items[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function open(query) {
      shown = matches(zones, query);
      listbox.replaceChildren(
        ...shown.map(function (zone, index) {
          const item = document.createElement("li");
          item.id = listId + "-" + index;
          item.setAttribute("role", "option");
          item.setAttribute("aria-selected", "false");
          item.dataset.zone = zone;
          item.textContent = zone.replace(/_/g, " ");
          return item;
        })
      );
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!shown.length) {
        close();
        status.textContent = "No time zone matches “" + query.trim() + "”.";
        return;
      }
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent =
        shown.length === 1 ? "1 time zone matches." : shown.length + " time zones match.";
    }

    function pick(zone) {
      input.value = zone;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    input.addEventListener("input", function () {
      if (input.value.trim()) open(input.value);
      else close();
    });
    input.addEventListener("keydown", function (event) {
      const isOpen = !listbox.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!isOpen) {
          open(input.value);
          if (listbox.hidden) return;
        }
        const step = event.key === "ArrowDown" ? 1 : -1;
        const last = shown.length - 1;
        const next = active < 0 ? (step > 0 ? 0 : last) : Math.min(last, Math.max(0, active + step));
        highlight(next);
      } else if (event.key === "Enter" && isOpen && active >= 0) {
        event.preventDefault(); // picks the zone; a second Enter submits the form
        pick(shown[active]);
      } else if (event.key === "Escape" && isOpen) {
        event.preventDefault(); // closes the list, and keeps the field focused
        close();
      }
    });
    input.addEventListener("blur", close);
    // Pressing an option must not take the focus from the field (which would close the
    // list before the click arrives).
    listbox.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    listbox.addEventListener("click", function (event) {
      const item = event.target.closest("[role=option]");
      if (item) pick(item.dataset.zone);
    });
  }

  function suggest(input) {
    const hint = document.getElementById("timezone-hint");
    if (!hint || (input.value && input.value !== "UTC")) return;
    const zone = browserZone();
    const datalist = document.getElementById(input.getAttribute("list"));
    const known =
      datalist &&
      Array.from(datalist.options).some(function (option) {
        return option.value === zone;
      });
    if (!zone || zone === input.value || !known) return;
    const previous = input.value;
    input.value = zone;
    const keep = document.createElement("button");
    keep.type = "button";
    keep.className = "secondary outline";
    keep.textContent = "Keep " + (previous || "UTC");
    keep.addEventListener("click", function () {
      input.value = previous;
      hint.hidden = true;
    });
    hint.replaceChildren("Filled in from this device: " + zone + ". Save to keep it. ", keep);
    hint.hidden = false;
  }

  function enhance(root, firstLoad) {
    root.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
      if (input.dataset.enhanced) return;
      input.dataset.enhanced = "true";
      if (firstLoad) suggest(input);
      zonePicker(input);
    });
  }

  // A deferred script: the page is parsed when this runs (and htmx has not started yet).
  enhance(document, true);
  // A section saved through htmx comes back as new markup.
  document.addEventListener("htmx:load", function (event) {
    if (event.target instanceof Element) enhance(event.target, false);
  });
})();
