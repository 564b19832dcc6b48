/* qms plugin: the day of printing on controlled pages; sorting, filtering and phone layouts of
   the registers (master list, clause matrix, records, external documents, what's changing) and
   the change log; the control block folded on phones; explanations that open
   in place (terms on touch screens, clause chips, commit hashes); status markers in search
   results; the manual as of a date; the colour scheme of revision pages.
   No network access but the site's own files, no dependencies. Works with and without
   Material's instant navigation. */
(function () {
  "use strict";

  function longDate(date) {
    var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    return date.getDate() + " " + months[date.getMonth()] + " " + date.getFullYear();
  }

  // Text as a CSS string, for a custom property that a page margin box shows.
  function cssString(text) {
    return "\"" + String(text).replace(/[\\"\n\r\f]/g, function (c) {
      return "\\" + c.charCodeAt(0).toString(16) + " ";
    }) + "\"";
  }

  // The day of printing, on the page (the notice above the title) and in the margin of every
  // printed page (qms.css reads --qms-printed-on). Stamped when the page loads and again just
  // before printing, so a page left open overnight prints the day it is printed.
  function stampPrintDate() {
    var today = longDate(new Date());
    var text = "Printed on " + today;
    document.querySelectorAll("[data-qms-print-date]").forEach(function (el) {
      el.textContent = "(" + text + "; valid on that day only)";
    });
    document.documentElement.style.setProperty(
      "--qms-printed-on", cssString(" — printed on " + today));
  }

  // --- registers and the change log: filters, sorting, the address, phone layout -------------

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var key = cell.getAttribute("data-sort");
    return (key !== null ? key : cell.textContent).trim().toLowerCase();
  }

  function slug(text) {
    return text.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  }

  // Stacked rows on phones show each value under its column's name: copy the names from the
  // header into the cells (whatever columns a template has).
  function labelCells(table) {
    if (!table.tHead || !table.tHead.rows.length) return;
    var names = [];
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      var label = th.getAttribute("data-qms-label") || th.textContent.trim();
      for (var i = 0; i < (th.colSpan || 1); i += 1) names.push(label);
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        if (row.cells.length === 1 && row.cells[0].colSpan > 1) return;
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (names[column] && !cell.hasAttribute("data-qms-label")) {
            cell.setAttribute("data-qms-label", names[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
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
    labelCells(table);

    // Each control filters on the row attribute of its name: "text" matches words anywhere in
    // the row and in its data-qms-find (what the row does not show: clause titles, the change
    // summary), "from" and "to" bound the row's data-date, a control marked data-qms-filter-list
    // must be one of the words of data-<name>, anything else must equal data-<name>.
    function matches(row, control) {
      var name = control.getAttribute("data-qms-filter"), value = control.value.trim();
      if (!value) return true;
      if (name === "text") {
        var haystack = (row.textContent + " " + (row.getAttribute("data-qms-find") || ""))
          .toLowerCase();
        return value.toLowerCase().split(/\s+/).every(function (w) {
          return haystack.indexOf(w) !== -1;
        });
      }
      if (control.hasAttribute("data-qms-filter-list")) {
        // The row's attribute is a space-separated list (the roles a change concerns).
        var list = " " + (row.getAttribute("data-" + name) || "") + " ";
        return list.indexOf(" " + value + " ") !== -1;
      }
      if (name === "from") return (row.getAttribute("data-date") || "") >= value;
      if (name === "to") return (row.getAttribute("data-date") || "") <= value;
      return row.getAttribute("data-" + name) === value;
    }

    // The view is in the address (?type=form&text=gauge&sort=effective-desc), so a filtered,
    // sorted list can be shared or bookmarked.
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var keys = headers.map(function (th) { return slug(th.textContent); });
    var sorted = null;

    function remember() {
      if (!window.history || !window.history.replaceState) return;
      var url = new URL(window.location.href);
      controls.forEach(function (control) {
        var value = control.value.trim();
        var name = control.getAttribute("data-qms-filter");
        if (value) url.searchParams.set(name, value);
        else url.searchParams.delete(name);
      });
      if (sorted) url.searchParams.set("sort", sorted);
      else url.searchParams.delete("sort");
      if (url.href !== window.location.href) window.history.replaceState(null, "", url.href);
    }

    function apply(keep) {
      var shown = 0;
      rows.forEach(function (row) {
        var ok = controls.every(function (control) { return matches(row, control); });
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = shown === rows.length
        ? rows.length + " " + noun
        : shown + " of " + rows.length + " " + noun;
      if (!keep) remember();
    }

    controls.forEach(function (el) {
      el.addEventListener(el.tagName === "SELECT" ? "change" : "input", function () { apply(); });
    });
    filters.addEventListener("submit", function (event) { event.preventDefault(); });

    // Phones show no header row: the same sorting as a choice above the list.
    var picker = document.createElement("label");
    picker.className = "qms-register__sort";
    picker.textContent = "Sort by ";
    var select = document.createElement("select");
    picker.appendChild(select);

    function sortBy(index, ascending, keep) {
      var th = headers[index];
      headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = cellValue(a, index), y = cellValue(b, index);
        var order = x < y ? -1 : x > y ? 1 : 0;
        if (order === 0) order = cellValue(a, 0) < cellValue(b, 0) ? -1 : 1;
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      sorted = keys[index] + (ascending ? "" : "-desc");
      select.value = sorted;
      if (!keep) remember();
    }

    headers.forEach(function (th, index) {
      if (!th.hasAttribute("data-qms-sort")) return;
      // A real button (its name is the column's, without the arrow, which CSS draws).
      var button = document.createElement("button");
      button.type = "button";
      button.className = "qms-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        sortBy(index, th.getAttribute("aria-sort") !== "ascending");
      });
      [true, false].forEach(function (ascending) {
        var option = document.createElement("option");
        option.value = keys[index] + (ascending ? "" : "-desc");
        option.textContent = button.textContent.trim() + (ascending ? ", A to Z" : ", Z to A");
        if (th.getAttribute("data-qms-sort") === "date") {
          option.textContent = button.textContent.trim() + (ascending ? ", oldest first"
                                                                       : ", newest first");
        }
        select.appendChild(option);
      });
    });
    select.addEventListener("change", function () {
      var value = select.value, ascending = !/-desc$/.test(value);
      sortBy(keys.indexOf(value.replace(/-desc$/, "")), ascending);
    });
    filters.appendChild(picker);

    headers.forEach(function (th) {
      var order = th.getAttribute("aria-sort");
      if (order) select.value = keys[headers.indexOf(th)] + (order === "descending" ? "-desc" : "");
    });

    // Open the view the address names.
    var asked = new URL(window.location.href).searchParams;
    controls.forEach(function (control) {
      var value = asked.get(control.getAttribute("data-qms-filter"));
      if (value !== null) control.value = value;
    });
    var sort = asked.get("sort");
    if (sort && keys.indexOf(sort.replace(/-desc$/, "")) !== -1) {
      var index = keys.indexOf(sort.replace(/-desc$/, ""));
      if (headers[index].hasAttribute("data-qms-sort")) sortBy(index, !/-desc$/.test(sort), true);
    }
    apply(true);
  }

  // --- the control block, folded on phones -------------------------------------------------

  function setUpControlBlock(fields) {
    if (fields.getAttribute("data-qms-ready")) return;
    fields.setAttribute("data-qms-ready", "1");
    if (!fields.querySelector(".qms-control__key")) return;
    if (!fields.id) fields.id = "qms-control-fields";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "qms-control__toggle";
    button.setAttribute("aria-controls", fields.id);
    function show(open) {
      if (open) fields.removeAttribute("data-qms-folded");
      else fields.setAttribute("data-qms-folded", "");
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = open ? "Fewer details" : "All details: owner, approval, review, clauses";
    }
    button.addEventListener("click", function () {
      show(fields.hasAttribute("data-qms-folded"));
    });
    fields.parentNode.insertBefore(button, fields.nextSibling);
    show(false);
  }

  // Banner titles are the headings of what they announce (for screen readers' heading lists).
  function setUpBanners() {
    document.querySelectorAll(".qms-banner > .admonition-title").forEach(function (title) {
      if (title.hasAttribute("role")) return;
      title.setAttribute("role", "heading");
      title.setAttribute("aria-level", title.closest(".qms-history, .qms-register") ? "3" : "2");
    });
  }

  // --- explanations that open in place -------------------------------------------------------

  var tips = 0;

  // The explanation as text. With Material's content.tooltips the title holds HTML-escaped
  // text (the theme renders it as HTML), so it is read back through an inert document.
  function titleText(el) {
    var title = el.getAttribute("data-qms-explain") || el.getAttribute("title") || "";
    if (!tooltipsAsHtml()) return title;
    return new DOMParser().parseFromString(title, "text/html").body.textContent || "";
  }

  var htmlTooltips = null;
  function tooltipsAsHtml() {
    if (htmlTooltips === null) {
      htmlTooltips = false;
      var config = document.getElementById("__config");
      try {
        var features = config ? JSON.parse(config.textContent).features || [] : [];
        htmlTooltips = features.indexOf("content.tooltips") !== -1;
      } catch (error) { /* no Material config: titles are plain text */ }
    }
    return htmlTooltips;
  }

  // Opens (or closes) the explanation of `el` below the text it stands in.
  function toggleTip(el, withLink) {
    var open = document.getElementById(el.getAttribute("data-qms-tip") || "");
    if (open) {
      open.parentNode.removeChild(open);
      el.removeAttribute("data-qms-tip");
      el.removeAttribute("aria-controls");
      el.setAttribute("aria-expanded", "false");
      return;
    }
    var tip = document.createElement(el.closest("p, li, dd, td, th") ? "span" : "div");
    tips += 1;
    tip.id = "qms-tip-" + tips;
    tip.className = "qms-tip";
    tip.setAttribute("role", "note");
    var words = document.createElement("span");
    words.textContent = titleText(el);
    tip.appendChild(words);
    if (withLink && el.href) {
      tip.appendChild(document.createTextNode(" "));
      var more = document.createElement("a");
      more.href = el.href;
      more.textContent = "Open in the glossary";
      tip.appendChild(more);
    }
    var block = el.closest("p, li, dd, td, th, h1, h2, h3, h4, h5, h6");
    if (block && block.tagName === "P") block.parentNode.insertBefore(tip, block.nextSibling);
    else if (block) block.appendChild(tip);
    else el.parentNode.insertBefore(tip, el.nextSibling);
    el.setAttribute("data-qms-tip", tip.id);
    el.setAttribute("aria-controls", tip.id);
    el.setAttribute("aria-expanded", "true");
  }

  // A term tapped on a touch screen opens its explanation where it is; a mouse click or the
  // keyboard follows the link to the glossary, as before. A second tap closes it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".md-typeset a.qms-term");
    var touch = event.pointerType === "touch" || event.pointerType === "pen";
    if (!link || !touch) return;
    event.preventDefault();
    // The theme's hover tooltip (a tap is a hover too) would cover the explanation, and closing
    // it tidies the link's ARIA attributes: close it first.
    link.blur();
    link.dispatchEvent(new MouseEvent("mouseleave"));
    toggleTip(link, true);
  });

  // Keep each explanation where qms.js finds it: the theme's tooltips take the title away
  // from an element once they have shown it.
  function keepExplanations() {
    document.querySelectorAll(".md-typeset a.qms-term[title]").forEach(function (link) {
      if (!link.hasAttribute("data-qms-explain")) {
        link.setAttribute("data-qms-explain", link.getAttribute("title"));
      }
    });
  }

  // Clause chips and other hints that only a title attribute explained become buttons that open
  // their explanation in place: reachable by keyboard, read by screen readers.
  function setUpHints() {
    var hints = document.querySelectorAll(
      ".md-typeset .qms-clause[title], .md-typeset .qms-history__table span[title], " +
      ".md-typeset .qms-changelog__table span[title]");
    hints.forEach(function (el) {
      if (el.getAttribute("role")) return;
      el.setAttribute("data-qms-explain", el.getAttribute("title"));
      el.setAttribute("role", "button");
      el.setAttribute("tabindex", "0");
      el.setAttribute("aria-expanded", "false");
      el.classList.add("qms-hint");
      el.addEventListener("click", function () { toggleTip(el, false); });
      el.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          toggleTip(el, false);
        }
      });
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("[data-qms-tip]")
      .forEach(function (el) { toggleTip(el, false); });
  });

  // --- search results: a status marker on documents not in force -----------------------------

  var STATES = {
    "Draft": "draft", "In review": "in_review", "Not yet effective": "pending",
    "Superseded": "superseded", "Obsolete": "obsolete"
  };

  function markResults(list) {
    list.querySelectorAll(".md-tag:not([data-qms-state])").forEach(function (tag) {
      var text = tag.textContent.trim(), state = STATES[text];
      tag.setAttribute("data-qms-state", state || "");
      if (state) tag.classList.add("qms-state", "qms-state--" + state);
      else if (/^\d+(\.\d+)*$/.test(text)) tag.classList.add("qms-result-clause");
    });
  }

  function setUpSearchResults() {
    var list = document.querySelector(".md-search-result__list");
    if (!list || list.getAttribute("data-qms-ready") || !window.MutationObserver) return;
    list.setAttribute("data-qms-ready", "1");
    new MutationObserver(function () { markResults(list); })
      .observe(list, { childList: true, subtree: true });
  }

  // --- the manual as of a date --------------------------------------------------------------

  // Which revision of each document was in force on the day chosen, from qms/revisions.json
  // (the same rules as the site's build: each revision's days in force and each withdrawal's
  // day are worked out there). The chosen day goes into the address, so a view of the manual
  // on a past day can be shared.
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
    labelCells(body.parentNode);

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
      labelCells(body.parentNode);
      var today = day === data.today ? " (today)" : "";
      summary.textContent = rows.length + " documents on " + longIso(day) + today + ".";
      // Printed pages say which day they list.
      document.documentElement.style.setProperty(
        "--qms-print-standing", cssString("In force on " + longIso(day)));
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

  // --- revision pages: the colour scheme the reader chose on the site -----------------------

  // Revision pages have no theme scripts: they take the scheme Material stored for the site,
  // else the first of the site's palettes whose media query matches (light or dark).
  function setUpRevisionPage() {
    var body = document.body;
    if (!body || !body.hasAttribute("data-qms-palettes")) return;
    var chosen = null;
    try {
      var scope = new URL(body.getAttribute("data-qms-root") || "./", window.location.href);
      var stored = JSON.parse(window.localStorage.getItem(scope.pathname + ".__palette"));
      if (stored && stored.color && stored.color.scheme &&
          stored.color.media !== "(prefers-color-scheme)") chosen = stored.color;
    } catch (error) { /* no storage: follow the media queries */ }
    if (!chosen) {
      var palettes = JSON.parse(body.getAttribute("data-qms-palettes") || "[]");
      palettes.some(function (palette) {
        if (!palette.media || window.matchMedia(palette.media).matches) {
          chosen = palette;
          return true;
        }
        return false;
      });
    }
    if (!chosen) return;
    ["scheme", "primary", "accent"].forEach(function (key) {
      if (chosen[key]) body.setAttribute("data-md-color-" + key, chosen[key]);
    });
  }

  function init() {
    stampPrintDate();
    setUpBanners();
    document.querySelectorAll("[data-qms-register]").forEach(setUpRegister);
    document.querySelectorAll("[data-qms-as-of]").forEach(setUpAsOf);
    document.querySelectorAll(".qms-history__table").forEach(labelCells);
    document.querySelectorAll(".qms-control__fields").forEach(setUpControlBlock);
    keepExplanations();
    setUpHints();
    setUpSearchResults();
  }

  // `qms pdf` names the paper in the address (?qms-paper=a4): a headless print has no dialog.
  function setPaper() {
    var sizes = { a4: "A4", letter: "letter", a3: "A3", legal: "legal" };
    var size = sizes[new URL(window.location.href).searchParams.get("qms-paper") || ""];
    if (!size) return;
    var style = document.createElement("style");
    style.textContent = "@page { size: " + size + "; } @page qms-register { size: " + size +
      " landscape; }";
    document.head.appendChild(style);
  }

  setPaper();
  setUpRevisionPage();
  window.addEventListener("beforeprint", stampPrintDate);
  if (window.matchMedia) {
    var printing = window.matchMedia("print");
    if (printing.addEventListener) printing.addEventListener("change", stampPrintDate);
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
