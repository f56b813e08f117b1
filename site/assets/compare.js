// The compare page: two or three models chosen in the URL (?models=a,b[,c]), shown side by side from
// the JSON the build writes (analyzer/site/downloads.py). Ratios are taken against the first model.
(function () {
  "use strict";

  var ROWS = [
    ["parameters", function (m) { return m.totals.params; }, "count"],
    ["MACs", function (m) { return m.totals.macs; }, "count"],
    ["FLOPs", function (m) { return m.totals.flops; }, "count"],
    ["peak activations", function (m) { return m.totals.peak_activation_bytes; }, "bytes"],
    ["weights (fp32)", function (m) { return m.totals.weight_bytes; }, "bytes"],
    ["receptive field (px)", function (m) { return m.receptive_field ? m.receptive_field[0] : null; }, "plain"],
    ["convolutions", function (m) { return m.conv_layers; }, "plain"],
    ["ImageNet top-1", function (m) { return m.imagenet_top1; }, "percent"]
  ];

  function si(value, unit) {
    var prefixes = unit === "bytes" ? ["B", "KiB", "MiB", "GiB"] : ["", " k", " M", " G", " T"];
    var step = unit === "bytes" ? 1024 : 1000, i = 0;
    while (Math.abs(value) >= step && i < prefixes.length - 1) { value /= step; i += 1; }
    var digits = value >= 100 || i === 0 ? 0 : (value >= 10 ? 1 : 2);
    return value.toFixed(digits) + (unit === "bytes" ? " " : "") + prefixes[i];
  }

  function format(value, kind) {
    if (value === null || value === undefined) { return "-"; }
    if (kind === "percent") { return value.toFixed(1) + "%"; }
    if (kind === "plain") { return String(value); }
    return si(value, kind);
  }

  // The ratio of `value` to the first model's: "3.20x", or "" where either is missing or zero.
  function ratio(value, base) {
    if (!value || !base) { return ""; }
    return (value / base).toFixed(2) + "x";
  }

  // Accuracies differ by points, not by a ratio: "+3.8 points".
  function points(value, base) {
    if (value === null || base === null) { return ""; }
    var d = value - base;
    return (d >= 0 ? "+" : "") + d.toFixed(1) + " points";
  }

  function chosen(all) {
    var names = (new URLSearchParams(window.location.search).get("models") || "").split(",");
    var known = names.filter(function (n) { return all[n]; }).slice(0, 3);
    if (known.length === 1) { known.push(known[0] === "resnet50" ? "vgg16" : "resnet50"); }
    return known.length ? known : ["vgg16", "resnet50"];
  }

  function cell(tag, text, cls) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (cls) { el.className = cls; }
    return el;
  }

  function table(models) {
    var t = document.createElement("table");
    t.id = "compare-table";
    var head = t.createTHead().insertRow();
    head.appendChild(cell("th", ""));
    models.forEach(function (m, i) {
      var th = document.createElement("th");
      var a = document.createElement("a");
      a.href = new URL(m.page, siteRoot()).href;
      a.textContent = m.display_name;
      th.appendChild(a);
      head.appendChild(th);
      if (i > 0) { head.appendChild(cell("th", "ratio to " + models[0].display_name)); }
    });
    var body = t.createTBody();
    ROWS.forEach(function (row) {
      var tr = body.insertRow();
      tr.dataset.row = row[0];
      tr.appendChild(cell("th", row[0]));
      var base = row[1](models[0]);
      models.forEach(function (m, i) {
        var value = row[1](m);
        tr.appendChild(cell("td", format(value, row[2]), "value"));
        if (i > 0) { tr.appendChild(cell("td", row[2] === "percent" ? points(value, base) : ratio(value, base), "ratio")); }
      });
    });
    return t;
  }

  function layerChart(models) {
    var div = document.getElementById("chart-compare-layers");
    var traces = models.map(function (m) {
      return {
        type: "scatter", mode: "lines", name: m.display_name, line: { shape: "hv" },
        x: m.layers.map(function (l, i) { return (i + 1) / m.layers.length; }),
        y: m.layers.map(function (l) { return l[1]; }),
        text: m.layers.map(function (l) { return l[0]; }),
        hovertemplate: "%{text}<br>%{y:.3s} MACs<extra>" + m.display_name + "</extra>"
      };
    });
    var layout = {
      margin: { t: 20, r: 20, b: 50, l: 70 }, legend: { orientation: "h", y: 1.08 },
      xaxis: { title: { text: "position in the forward pass (share of its layers)" }, tickformat: ".0%" },
      yaxis: { title: { text: "MACs per layer" }, type: "log", tickformat: "~s" }
    };
    window.siteCharts.draw(div, traces, layout);
  }

  function diagrams(models) {
    var box = document.getElementById("compare-diagrams");
    box.textContent = "";
    models.forEach(function (m) {
      var figure = document.createElement("figure");
      var img = document.createElement("img");
      img.src = new URL(m.diagram, siteRoot()).href;
      img.alt = "Block diagram of " + m.display_name;
      img.className = "diagram-image";
      figure.appendChild(img);
      figure.appendChild(cell("figcaption", m.display_name));
      box.appendChild(figure);
    });
  }

  function show(all, names) {
    var models = names.map(function (n) { return all[n]; });
    var result = document.getElementById("compare-result");
    result.textContent = "";
    var scroll = document.createElement("div");
    scroll.className = "compare-scroll";
    scroll.appendChild(table(models));
    result.appendChild(scroll);
    layerChart(models);
    diagrams(models);
    document.title = models.map(function (m) { return m.display_name; }).join(" vs ") + " - " +
      document.title.replace(/^.* - /, "");
  }

  function init() {
    var form = document.getElementById("compare-pick");
    if (!form) { return; }
    fetch(new URL(form.dataset.source, siteRoot()).href)
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var all = {};
        data.models.forEach(function (m) { all[m.name] = m; });
        var selects = form.querySelectorAll("select");
        var names = chosen(all);
        selects.forEach(function (s, i) { s.value = names[i] || ""; });
        show(all, names);
        form.addEventListener("change", function () {
          var picked = Array.prototype.map.call(selects, function (s) { return s.value; })
            .filter(function (n) { return n; });
          var url = new URL(window.location.href);
          url.searchParams.set("models", picked.join(","));
          window.history.replaceState(null, "", url.href);
          show(all, chosen(all));
        });
      });
  }

  if (window.document$) { window.document$.subscribe(init); } else { init(); }
})();
