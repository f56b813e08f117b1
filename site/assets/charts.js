// Plots the page's charts with the site's own copy of plotly.js (loaded only on pages that have a
// chart) and keeps them in the colours of the current light or dark scheme.
(function () {
  "use strict";

  // mkdocs-material writes the site root, relative to this page, into its config element.
  function siteRoot() {
    var config = document.getElementById("__config");
    var base = config ? JSON.parse(config.textContent).base : ".";
    return new URL(base.replace(/\/?$/, "/"), window.location.href);
  }

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

  function plot(div) {
    var figure = JSON.parse(document.getElementById(div.dataset.figure).textContent);
    var layout = figure.layout;
    var update = themeUpdate(layout);
    Object.keys(update).forEach(function (k) { setPath(layout, k, update[k]); });
    window.Plotly.newPlot(div, figure.data, layout, {
      responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"]
    });
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
    var draw = function () { divs.forEach(plot); };
    if (window.Plotly) { draw(); return; }
    var script = document.createElement("script");
    // Where analyzer/site.py copies the installed plotly package's plotly.min.js (PLOTLY_TARGET).
    script.src = new URL("assets/vendor/plotly.min.js", siteRoot()).href;
    script.onload = draw;
    document.head.appendChild(script);
  }

  // The palette toggle sets data-md-color-scheme on <body>: follow it.
  new MutationObserver(function () { if (window.Plotly) { restyleAll(); } })
    .observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });

  if (window.document$) { window.document$.subscribe(render); } else { render(); }
})();
