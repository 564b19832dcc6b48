/* qms plugin: print date on controlled pages, sorting and filtering of the master list and
   the change log.
   No network access, no dependencies. Works with and without Material's instant navigation. */
(function () {
  "use strict";

  function longDate(date) {
    var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    return date.getDate() + " " + months[date.getMonth()] + " " + date.getFullYear();
  }

  function stampPrintDate() {
    var text = "Printed on " + longDate(new Date());
    document.querySelectorAll("[data-qms-print-date]").forEach(function (el) {
      el.textContent = "(" + text + "; valid on that day only)";
    });
  }

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var key = cell.getAttribute("data-sort");
    return (key !== null ? key : cell.textContent).trim().toLowerCase();
  }

  function setUpRegister(root) {
    if (root.getAttribute("data-qms-ready")) return;
    root.setAttribute("data-qms-ready", "1");
    var table = root.querySelector("table");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var filters = root.querySelector("[data-qms-filters]");
    var count = root.querySelector("[data-qms-count]");
    var noun = root.getAttribute("data-qms-noun") || "documents";
    var controls = Array.prototype.slice.call(root.querySelectorAll("[data-qms-filter]"));
    filters.hidden = false;

    // Each control filters on the row attribute of its name: "text" matches words anywhere in
    // the row, "from" and "to" bound the row's data-date, anything else must equal data-<name>.
    function matches(row, control) {
      var name = control.getAttribute("data-qms-filter"), value = control.value.trim();
      if (!value) return true;
      if (name === "text") {
        var haystack = row.textContent.toLowerCase();
        return value.toLowerCase().split(/\s+/).every(function (w) {
          return haystack.indexOf(w) !== -1;
        });
      }
      if (name === "from") return (row.getAttribute("data-date") || "") >= value;
      if (name === "to") return (row.getAttribute("data-date") || "") <= value;
      return row.getAttribute("data-" + name) === value;
    }

    function apply() {
      var shown = 0;
      rows.forEach(function (row) {
        var ok = controls.every(function (control) { return matches(row, control); });
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = shown === rows.length
        ? rows.length + " " + noun
        : shown + " of " + rows.length + " " + noun;
    }

    controls.forEach(function (el) {
      el.addEventListener(el.tagName === "SELECT" ? "change" : "input", apply);
    });
    filters.addEventListener("submit", function (event) { event.preventDefault(); });

    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th, index) {
      th.setAttribute("tabindex", "0");
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var order = x < y ? -1 : x > y ? 1 : 0;
          if (order === 0) order = cellValue(a, 0) < cellValue(b, 0) ? -1 : 1;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
    apply();
  }

  function init() {
    stampPrintDate();
    document.querySelectorAll("[data-qms-register]").forEach(setUpRegister);
  }

  window.addEventListener("beforeprint", stampPrintDate);
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
