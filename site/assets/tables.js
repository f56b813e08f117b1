// Sortable tables with tablesort (vendored from its npm package by analyzer/site/build.py), and the
// model pages' diagrams tied to their per-layer tables: clicking a node scrolls to its row and
// highlights it, hovering a row highlights its nodes. Tall diagrams get a fit and a full-size view.
(function () {
  "use strict";

  function load(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = new URL(src, siteRoot()).href;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  // An empty cell (no MACs, no published figure) sorts below every number; NaN would break the sort.
  function number(text) {
    var value = parseFloat(text.replace(/,/g, ""));
    return isNaN(value) ? -Number.MAX_VALUE : value;
  }

  var tablesortReady = null;
  function withTablesort() {
    if (!tablesortReady) {
      tablesortReady = window.Tablesort ? Promise.resolve() :
        load("assets/vendor/tablesort/tablesort.min.js").then(function () {
          // Numbers ascending on the first click; a cell's number is its data-sort value when it has one.
          window.Tablesort.extend("value", function (item) {
            return /^-?[\d,]*\.?\d+(e[-+]?\d+)?%?$/i.test(item.trim());
          }, function (a, b) {
            return number(b) - number(a);
          });
        });
    }
    return tablesortReady;
  }

  function sortables() {
    var tables = document.querySelectorAll("table.sortable, .sortable table, .layer-table table");
    if (!tables.length) { return; }
    withTablesort().then(function () {
      tables.forEach(function (table) {
        if (!table.tHead || table.dataset.sortable) { return; }
        table.dataset.sortable = "yes";
        // tablesort reads data-sort from the cell itself: lift it from the span the page writes.
        table.querySelectorAll("td [data-sort]").forEach(function (el) {
          el.closest("td").setAttribute("data-sort", el.getAttribute("data-sort"));
        });
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
          th.classList.add("sort-header");
          th.tabIndex = 0;
          th.setAttribute("role", "columnheader button");
          th.addEventListener("keydown", function (event) {
            if (event.key === "Enter" || event.key === " ") { event.preventDefault(); th.click(); }
          });
        });
        new window.Tablesort(table);
      });
    });
  }

  // The layer a table row names: the text of its first cell's code element.
  function rowLayer(row) {
    var code = row.cells[0] && row.cells[0].querySelector("code");
    return code ? code.textContent.trim() : null;
  }

  function layerRows() {
    var rows = [];
    document.querySelectorAll(".layer-table tbody tr").forEach(function (row) {
      var name = rowLayer(row);
      if (name) { row.dataset.layer = name; rows.push(row); }
    });
    return rows;
  }

  // The row of a node: the one with its exact module path, else its nearest enclosing block's row.
  function rowFor(rows, layer) {
    var exact = rows.filter(function (r) { return r.dataset.layer === layer; });
    if (exact.length) { return exact[0]; }
    var best = null;
    rows.forEach(function (r) {
      var name = r.dataset.layer;
      if (layer.indexOf(name + ".") === 0 && (!best || name.length > best.dataset.layer.length)) { best = r; }
    });
    return best;
  }

  function highlight(elements, on) {
    document.querySelectorAll(".layer-highlight").forEach(function (el) { el.classList.remove("layer-highlight"); });
    if (on) { elements.forEach(function (el) { el.classList.add("layer-highlight"); }); }
  }

  function linkDiagrams() {
    var nodes = document.querySelectorAll(".diagram svg g.node[data-layer]");
    if (!nodes.length) { return; }
    var rows = layerRows();
    nodes.forEach(function (node) {
      var row = rowFor(rows, node.dataset.layer);
      if (!row) { return; }
      node.classList.add("linked");
      node.setAttribute("tabindex", "0");
      var go = function () {
        var details = row.closest("details");
        if (details) { details.open = true; }
        row.scrollIntoView({ block: "center" });
        highlight([row, node], true);
      };
      node.addEventListener("click", go);
      node.addEventListener("keydown", function (event) { if (event.key === "Enter") { go(); } });
    });
    rows.forEach(function (row) {
      var name = row.dataset.layer;
      var mine = Array.prototype.filter.call(nodes, function (n) {
        return n.dataset.layer === name || n.dataset.layer.indexOf(name + ".") === 0;
      });
      if (!mine.length) { return; }
      row.addEventListener("mouseenter", function () { highlight(mine.concat([row]), true); });
      row.addEventListener("mouseleave", function () { highlight([], false); });
    });
  }

  // A diagram taller than the window opens fitted to it, with a button for the full size.
  function diagramViews() {
    document.querySelectorAll(".diagram").forEach(function (box) {
      var svg = box.querySelector("svg");
      if (!svg || box.dataset.views) { return; }
      box.dataset.views = "yes";
      var natural = svg.viewBox.baseVal.height * 4 / 3;
      if (natural <= window.innerHeight * 0.85) { return; }
      box.classList.add("diagram-fit");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "md-button diagram-toggle";
      var label = function () {
        button.textContent = box.classList.contains("diagram-fit") ? "Full size" : "Fit to the window";
      };
      label();
      button.addEventListener("click", function () { box.classList.toggle("diagram-fit"); label(); });
      box.parentNode.insertBefore(button, box);
    });
  }

  // The comparison table's column sets a reader can hide, found by their headings so that new columns
  // join their set: latency (headings in ms) and memory (weights, activations).
  var COLUMN_SETS = [
    ["latency", function (text) { return /\(ms\)$/.test(text); }],
    ["memory", function (text) { return /weights|activations/.test(text); }]
  ];

  function columnToggles() {
    document.querySelectorAll(".sortable table").forEach(function (table) {
      if (!table.tHead || table.dataset.toggles) { return; }
      table.dataset.toggles = "yes";
      var headers = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.textContent.trim(); });
      var bar = document.createElement("div");
      bar.className = "column-toggles";
      COLUMN_SETS.forEach(function (set) {
        var columns = [];
        headers.forEach(function (text, i) { if (set[1](text)) { columns.push(i); } });
        if (!columns.length) { return; }
        var label = document.createElement("label");
        var input = document.createElement("input");
        input.type = "checkbox";
        input.checked = true;
        input.value = set[0];
        input.addEventListener("change", function () {
          Array.prototype.forEach.call(table.rows, function (row) {
            columns.forEach(function (i) { if (row.cells[i]) { row.cells[i].hidden = !input.checked; } });
          });
        });
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + set[0] + " columns"));
        bar.appendChild(label);
      });
      var wrapper = table.closest(".sortable");
      wrapper.parentNode.insertBefore(bar, wrapper);
    });
  }

  function init() {
    columnToggles();
    sortables();
    linkDiagrams();
    diagramViews();
  }

  if (window.document$) { window.document$.subscribe(init); } else { init(); }
})();
