// Plots the page's charts with the site's own copy of plotly.js (loaded only on pages that have a
// chart) and keeps them in the colours of the current light or dark scheme.
(function () {
  "use strict";

  // A scheme colour as rgb()/rgba(), which plotly parses (the variables may hold hsla with "deg").
  function cssVar(name) {
    var probe = document.createElement("span");
    probe.style.color = "var(" + name + ")";
    document.body.appendChild(probe);
    var colour = getComputedStyle(probe).color;
    probe.remove();
    return colour;
  }

  // Text, grid and background colours from the scheme's CSS variables, as Plotly.relayout keys,
  // for the axes this figure has.
  function themeUpdate(layout) {
    var fg = cssVar("--md-default-fg-color");
    var grid = cssVar("--md-default-fg-color--lightest");
    var update = {
      "paper_bgcolor": "rgba(0,0,0,0)",
      "plot_bgcolor": "rgba(0,0,0,0)",
      "font.color": fg,
      "modebar.bgcolor": "rgba(0,0,0,0)",
      "modebar.color": cssVar("--md-default-fg-color--light"),
      "modebar.activecolor": fg
    };
    var axes = Object.keys(layout).filter(function (k) { return /^[xy]axis\d*$/.test(k); });
    ["xaxis", "yaxis"].forEach(function (k) { if (axes.indexOf(k) < 0) { axes.push(k); } });
    axes.forEach(function (axis) {
      update[axis + ".gridcolor"] = grid;
      update[axis + ".zerolinecolor"] = grid;
      update[axis + ".linecolor"] = grid;
    });
    return update;
  }

  function setPath(target, path, value) {
    var keys = path.split(".");
    keys.slice(0, -1).forEach(function (k) { target = target[k] = target[k] || {}; });
    target[keys[keys.length - 1]] = value;
  }

  // No toolbar button that sends anything anywhere: plotly's cloud buttons are off and removed, and
  // the logo (a link to plotly's site) is hidden. What stays works in the page: zoom, pan, reset, PNG.
  var CONFIG = {
    responsive: true,
    displaylogo: false,
    showSendToCloud: false,
    showEditInChartStudio: false,
    showLink: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "sendDataToCloud", "editInChartStudio"]
  };

  function themed(layout) {
    var update = themeUpdate(layout);
    Object.keys(update).forEach(function (k) { setPath(layout, k, update[k]); });
    return layout;
  }

  function withPlotly(callback) {
    if (window.Plotly) { callback(); return; }
    var pending = document.querySelector("script[data-plotly]");
    if (pending) { pending.addEventListener("load", callback); return; }
    var script = document.createElement("script");
    // Where analyzer/site/build.py copies the installed plotly package's plotly.min.js (PLOTLY_TARGET).
    script.src = new URL("assets/vendor/plotly.min.js", siteRoot()).href;
    script.dataset.plotly = "yes";
    script.addEventListener("load", callback);
    document.head.appendChild(script);
  }

  // For other scripts (the compare page): plot data into a div in the scheme's colours.
  window.siteCharts = {
    config: CONFIG,
    draw: function (div, data, layout) {
      div.classList.add("chart");
      withPlotly(function () { window.Plotly.react(div, data, themed(layout), CONFIG); });
    }
  };

  // A log axis labelled 1, 2, 5, 10, 20, 50, ... in full (with k, M, G), instead of plotly's bare
  // digits between decades where "5" can mean 0.5 or 50. The range comes from the data.
  function readableLogTicks(figure) {
    var layout = figure.layout;
    Object.keys(layout).filter(function (k) { return /^[xy]axis\d*$/.test(k); }).forEach(function (axis) {
      var spec = layout[axis];
      if (spec.type !== "log" || spec.tickvals) { return; }
      var letter = axis.charAt(0), ref = letter + axis.slice(5);
      var values = [];
      figure.data.forEach(function (t) {
        if ((t[letter + "axis"] || letter) !== ref) { return; }
        (t[letter] || []).forEach(function (v) { if (typeof v === "number" && v > 0) { values.push(v); } });
      });
      if (!values.length) { return; }
      var low = Math.floor(Math.log10(Math.min.apply(null, values)));
      var high = Math.ceil(Math.log10(Math.max.apply(null, values)));
      var steps = high - low > 6 ? [1] : (high - low > 3 ? [1, 3] : [1, 2, 5]);
      var ticks = [];
      for (var e = low; e <= high; e += 1) {
        steps.forEach(function (s) { ticks.push(Number((s * Math.pow(10, e)).toPrecision(1))); });
      }
      spec.tickvals = ticks;
      spec.ticktext = ticks.map(function (v) { return format(v) + (spec.ticksuffix || ""); });
      delete spec.dtick;
    });
  }

  function format(v) {
    var units = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
    for (var i = 0; i < units.length; i += 1) {
      if (v >= units[i][0]) { return String(Number((v / units[i][0]).toPrecision(3))) + units[i][1]; }
    }
    return String(Number(v.toPrecision(3)));
  }

  function wants(layout, picker) {
    return !!(layout.meta && layout.meta.pickers && layout.meta.pickers.indexOf(picker) >= 0);
  }

  // Points from one year to another: each point's year is its customdata[6]; the arrays of every
  // trace are cut to the points in range (the full figure is kept to restore them).
  function yearRange(div, figure) {
    var full = JSON.parse(JSON.stringify(figure.data));
    var years = [];
    full.forEach(function (t) { (t.customdata || []).forEach(function (c) { years.push(Number(c[6])); }); });
    var low = Math.min.apply(null, years), high = Math.max.apply(null, years);
    var box = document.createElement("fieldset");
    box.className = "family-picker year-range";
    var legend = document.createElement("legend");
    legend.textContent = "Years shown";
    box.appendChild(legend);
    var make = function (name, value) {
      var label = document.createElement("label");
      var select = document.createElement("select");
      select.name = name;
      for (var y = low; y <= high; y += 1) {
        var option = document.createElement("option");
        option.value = option.textContent = String(y);
        select.appendChild(option);
      }
      select.value = String(value);
      label.appendChild(document.createTextNode(name + " "));
      label.appendChild(select);
      box.appendChild(label);
      return select;
    };
    var from = make("from", low), to = make("to", high);
    var apply = function () {
      var a = Number(from.value), b = Number(to.value);
      var update = { x: [], y: [], customdata: [], text: [], "marker.size": [] };
      full.forEach(function (t) {
        var keep = (t.customdata || []).map(function (c) { var y = Number(c[6]); return y >= a && y <= b; });
        var cut = function (values) { return (values || []).filter(function (v, i) { return keep[i]; }); };
        update.x.push(cut(t.x));
        update.y.push(cut(t.y));
        update.customdata.push(cut(t.customdata));
        update.text.push(Array.isArray(t.text) ? cut(t.text) : t.text);
        update["marker.size"].push(Array.isArray(t.marker && t.marker.size) ? cut(t.marker.size) : (t.marker || {}).size);
      });
      window.Plotly.restyle(div, update);
    };
    from.addEventListener("change", apply);
    to.addEventListener("change", apply);
    div.parentNode.insertBefore(box, div);
  }

  // One family selection for every chart on the page that asks for a picker (the runtime charts).
  var families = {};

  function applyFamilies() {
    document.querySelectorAll("div.chart.js-plotly-plot").forEach(function (div) {
      if (!wants(div.layout, "families")) { return; }
      // A family shown again shows what it showed first: its first network, the others in the legend.
      var visible = div.data.map(function (t, i) {
        return families[t.legendgroup] ? div.siteDefault[i] : false;
      });
      window.Plotly.restyle(div, { visible: visible });
    });
    document.querySelectorAll(".family-picker input").forEach(function (box) {
      box.checked = !!families[box.value];
    });
  }

  function picker(div, figure) {
    var groups = [];
    figure.data.forEach(function (t) { if (groups.indexOf(t.legendgroup) < 0) { groups.push(t.legendgroup); } });
    groups.forEach(function (g) { if (!(g in families)) { families[g] = true; } });
    var box = document.createElement("fieldset");
    box.className = "family-picker";
    var legend = document.createElement("legend");
    legend.textContent = "Families shown (on every chart of this page with this choice); a click on a name in the legend shows or hides that one";
    box.appendChild(legend);
    groups.forEach(function (g) {
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "checkbox";
      input.value = g;
      input.checked = families[g];
      input.addEventListener("change", function () { families[g] = input.checked; applyFamilies(); });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + g));
      box.appendChild(label);
    });
    div.parentNode.insertBefore(box, div);
  }

  function plot(div) {
    var figure = JSON.parse(document.getElementById(div.dataset.figure).textContent);
    // The height is set only once scripts run: without them the page shows the note, not a gap.
    div.style.height = div.dataset.height + "px";
    readableLogTicks(figure);
    // On a phone the names on the points crowd each other: hover (tap) says them instead.
    if (div.clientWidth < 600) {
      figure.data.forEach(function (t) { if (t.mode === "markers+text") { t.mode = "markers"; } });
    }
    if (wants(figure.layout, "families")) {
      div.siteDefault = figure.data.map(function (t) { return t.visible === undefined ? true : t.visible; });
      picker(div, figure);
    }
    if (wants(figure.layout, "years")) { yearRange(div, figure); }
    window.Plotly.newPlot(div, figure.data, themed(figure.layout), CONFIG);
    // A point whose first custom value is a page opens that page.
    div.on("plotly_click", function (event) {
      var point = event.points[0];
      var target = point && point.customdata && point.customdata[0];
      if (typeof target === "string" && /\.html$/.test(target)) {
        window.location.href = new URL(target, siteRoot()).href;
      }
    });
  }

  function restyleAll() {
    document.querySelectorAll("div.chart.js-plotly-plot").forEach(function (div) {
      window.Plotly.relayout(div, themeUpdate(div.layout));
    });
  }

  function render() {
    var divs = document.querySelectorAll("div.chart[data-figure]");
    if (!divs.length) { return; }
    withPlotly(function () { divs.forEach(plot); });
  }

  // The palette toggle sets data-md-color-scheme on <body>: follow it.
  new MutationObserver(function () { if (window.Plotly) { restyleAll(); } })
    .observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });

  if (window.document$) { window.document$.subscribe(render); } else { render(); }
})();
