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

  // The manual as of a date: which revision of each document was in force on the day chosen,
  // from qms/revisions.json (the same rules as the site's build: each revision's days in force
  // and each withdrawal's day are worked out there). The chosen day goes into the address, so a
  // view of the manual on a past day can be shared.
  function longIso(iso) {
    if (!iso) return "";
    var parts = iso.split("-");
    return longDate(new Date(+parts[0], +parts[1] - 1, +parts[2]));
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function cell(row, content) {
    var td = document.createElement("td");
    if (typeof content === "string") td.textContent = content;
    else td.appendChild(content);
    row.appendChild(td);
  }

  function inForceOn(doc, day) {
    var w = doc.withdrawal;
    var withdrawn = !!w && !w.waiting_for_successor && (w.from === null || w.from <= day);
    var found = null;
    doc.revisions.forEach(function (r) {
      if (!r.in_force_from) return;
      if (withdrawn) {
        if (w.from === null || r.in_force_from < w.from) found = r;
      } else if (r.in_force_from <= day && (!r.in_force_until || day < r.in_force_until)) {
        found = r;
      }
    });
    if (!found) return null;
    var until = found.in_force_until;
    if (w && !w.waiting_for_successor && w.from && (!until || w.from < until)) until = w.from;
    return { revision: found, withdrawn: withdrawn, until: until };
  }

  function setUpAsOf(root) {
    if (root.getAttribute("data-qms-ready")) return;
    root.setAttribute("data-qms-ready", "1");
    var form = root.querySelector("[data-qms-as-of-form]");
    var input = root.querySelector("[data-qms-as-of-date]");
    var body = root.querySelector("[data-qms-as-of-rows]");
    var summary = root.querySelector("[data-qms-as-of-summary]");
    var siteRoot = root.getAttribute("data-qms-root") || "";
    var data = null;

    function show(day) {
      var rows = [];
      data.documents.forEach(function (doc) {
        var found = inForceOn(doc, day);
        if (found) rows.push([doc, found]);
      });
      while (body.firstChild) body.removeChild(body.firstChild);
      rows.forEach(function (pair) {
        var doc = pair[0], found = pair[1], r = found.revision;
        var tr = document.createElement("tr");
        tr.setAttribute("data-state", found.withdrawn ? "withdrawn" : "in_force");
        cell(tr, doc.url ? link(siteRoot + doc.url, doc.doc_id) : doc.doc_id);
        cell(tr, doc.title || "");
        cell(tr, r.url ? link(siteRoot + r.url, r.revision || "—") : (r.revision || "—"));
        cell(tr, longIso(r.in_force_from));
        cell(tr, found.until ? longIso(found.until) : "—");
        var kind = found.withdrawn ? doc.withdrawal.kind : "in force";
        cell(tr, kind.charAt(0).toUpperCase() + kind.slice(1));
        body.appendChild(tr);
      });
      var today = day === data.today ? " (today)" : "";
      summary.textContent = rows.length + " documents on " + longIso(day) + today + ".";
    }

    function choose(day, remember) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return;
      input.value = day;
      if (remember && window.history && window.history.replaceState) {
        var url = new URL(window.location.href);
        url.searchParams.set("date", day);
        window.history.replaceState(null, "", url.toString());
      }
      if (data) show(day);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      choose(input.value, true);
    });
    input.addEventListener("change", function () { choose(input.value, true); });

    fetch(root.getAttribute("data-qms-source"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + response.statusText);
        return response.json();
      })
      .then(function (json) {
        data = json;
        var asked = new URL(window.location.href).searchParams.get("date");
        choose(asked || input.value, false);
        root.setAttribute("data-qms-loaded", "1");
      })
      .catch(function (error) {
        summary.textContent = "Other dates cannot be shown: qms/revisions.json could not be " +
          "read (" + error.message + "). The table shows today.";
      });
  }

  function init() {
    stampPrintDate();
    document.querySelectorAll("[data-qms-register]").forEach(setUpRegister);
    document.querySelectorAll("[data-qms-as-of]").forEach(setUpAsOf);
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
