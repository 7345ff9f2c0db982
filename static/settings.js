// Settings page: while the account's time zone is still the default (UTC), suggest the
// browser's own zone. Nothing is saved until the user presses "Save profile".
(function () {
  "use strict";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function suggest(root) {
    const select = root.querySelector("select[data-browser-timezone]");
    const hint = root.querySelector("#timezone-hint");
    if (!select || !hint || (select.value && select.value !== "UTC")) return;
    const zone = browserZone();
    const known = Array.from(select.options).some(function (option) {
      return option.value === zone;
    });
    if (!zone || zone === select.value || !known) return;
    const previous = select.value;
    select.value = zone;
    const keep = document.createElement("button");
    keep.type = "button";
    keep.className = "secondary outline";
    keep.textContent = "Keep " + (previous || "UTC");
    keep.addEventListener("click", function () {
      select.value = previous;
      hint.hidden = true;
    });
    hint.replaceChildren("Filled in from this device: " + zone + ". Save to keep it. ", keep);
    hint.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    suggest(document);
  });
})();
