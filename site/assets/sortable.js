// Click a column heading of a sortable table to sort by it; click again to reverse. A cell sorts by
// the number in its [data-sort] element when it has one, else by its text; empty cells go last.
(function () {
  "use strict";

  function key(cell) {
    var marked = cell.querySelector("[data-sort]");
    if (marked) { return parseFloat(marked.getAttribute("data-sort")); }
    var text = cell.textContent.trim();
    return /^-?\d/.test(text) ? parseFloat(text) : text.toLowerCase();
  }

  function compare(a, b) {
    if (a === "" || b === "") { return a === b ? 0 : (a === "" ? 1 : -1); }
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    return String(a).localeCompare(String(b));
  }

  function sortBy(table, column, header) {
    var descending = header.getAttribute("aria-sort") === "ascending";
    Array.prototype.forEach.call(header.parentNode.cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var body = table.tBodies[0];
    var keyed = Array.prototype.map.call(body.rows, function (row) { return [key(row.cells[column]), row]; });
    keyed.sort(function (a, b) {
      var order = compare(a[0], b[0]);
      return descending && a[0] !== "" && b[0] !== "" ? -order : order;
    });
    keyed.forEach(function (pair) { body.appendChild(pair[1]); });
  }

  function init() {
    document.querySelectorAll("table.sortable, .sortable table").forEach(function (table) {
      if (!table.tHead || table.dataset.sortable) { return; }
      table.dataset.sortable = "yes";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, column) {
        header.classList.add("sort-header");
        header.tabIndex = 0;
        header.addEventListener("click", function () { sortBy(table, column, header); });
        header.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(table, column, header); }
        });
      });
    });
  }

  if (window.document$) { window.document$.subscribe(init); } else { init(); }
})();
