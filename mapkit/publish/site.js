// The published site's reader page (mapkit/publish/site.html), after the embed's own scripts:
// the table of the date shown, the change by month, the language switch, a region chosen by a
// click, and the address (?date=…&lang=…&region=…) kept as the reader moves, so that it can be
// shared and opens the same view. All text reaches the page through textContent or
// setAttribute: never as markup.
(function () {
  "use strict";
  var embed = window.mapkitEmbed;
  if (!embed) return;
  var site = JSON.parse(document.getElementById("site-json").textContent);
  var data = embed.data, lang = embed.lang;
  var km2 = mapkitExpandFrames(site.km2);  // each date's km² by region, sent as its changes
  var T = site.texts[lang], L = data.labels[lang];
  var $ = function (id) { return document.getElementById(id); };
  var SVG = "http://www.w3.org/2000/svg";
  function fill(text, key, value) { return text.split("{" + key + "}").join(value); }
  function each(list, f) { Array.prototype.forEach.call(list, f); }

  // --- The page's own words in the language of ?lang= -------------------------------------
  each(document.querySelectorAll("[data-s]"), function (el) {
    var value = T[el.getAttribute("data-s")];
    if (value !== undefined) el.textContent = value;
  });
  each(document.querySelectorAll("[data-source]"), function (el) {
    var value = site.sources[+el.getAttribute("data-source")];
    if (value) el.textContent = value[lang];
  });
  each(document.querySelectorAll("[data-l]"), function (el) {
    var value = L[el.getAttribute("data-l")];
    if (value !== undefined) el.textContent = value;
  });

  // Numbers as a reader of the language writes them: 117,000 / 117 000.
  function whole(value) {
    var text = String(Math.abs(Math.round(value))).replace(/\B(?=(\d{3})+(?!\d))/g,
                                                           lang === "uk" ? "\u00a0" : ",");
    return (value < 0 ? "\u2212" : "") + text;
  }
  function signed(value) { return (value > 0 ? "+" : value === 0 ? "\u00b1" : "") + whole(value); }
  function dateText(iso) {
    var part = iso.split("-");
    return +part[2] + " " + L.months[+part[1] - 1] + " " + part[0];
  }

  // --- The address of the view, kept as the reader moves -------------------------------------
  function query(index, language) {
    var params = new URLSearchParams(window.location.search);
    params.set("date", data.dates[index]);
    params.set("lang", language);
    var region = embed.region();
    if (region) params.set("region", region); else params["delete"]("region");
    return "?" + params.toString();
  }
  var langLinks = document.querySelectorAll(".site-lang");
  function keepAddress(index, changed) {
    each(langLinks, function (a) {  // the other language, at the same date and region
      a.setAttribute("href", query(index, a.getAttribute("data-lang")));
      if (a.getAttribute("data-lang") === lang) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    });
    if (!changed) return;
    try {
      window.history.replaceState(null, "", query(index, lang) + window.location.hash);
    } catch (e) { /* a browser that refuses it keeps the address it has */ }
  }

  // --- The table of the date shown -----------------------------------------------------------
  var rows = $("site-rows"), heading = $("site-table-title");
  function safeLink(url) { return /^https?:\/\//i.test(url) ? url : ""; }
  function showTable(index) {
    heading.textContent = fill(T.table_heading, "date", dateText(data.dates[index]));
    var km = km2[index].km, marked = embed.region();
    var cells = embed.cells(index).map(function (cell, i) { cell.km2 = km[i]; return cell; });
    cells.sort(function (a, b) {
      var pa = a.percent === null || a.source === "" ? -1 : a.percent;
      var pb = b.percent === null || b.source === "" ? -1 : b.percent;
      return pb - pa || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    });
    rows.textContent = "";
    cells.forEach(function (cell) {
      var tr = rows.insertRow();
      tr.setAttribute("data-code", cell.code);
      if (cell.code === marked) tr.className = "site-marked";
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = cell.name;
      tr.appendChild(th);
      [cell.value, cell.km2 === null || cell.km2 === undefined ? "" : whole(cell.km2),
       cell.date].forEach(function (text) { tr.insertCell().textContent = text; });
      var source = tr.insertCell(), url = safeLink(cell.url);
      if (url) {
        var a = document.createElement("a");
        a.setAttribute("href", url);
        a.setAttribute("rel", "noopener noreferrer");
        a.textContent = cell.source;
        source.appendChild(a);
      } else {
        source.textContent = cell.source;
      }
    });
  }

  // --- The change by month: one bar a month, the month of the date shown marked --------------
  var chart = site.chart, box = $("site-chart-box"), bars = [], band = null;
  function element(name, attributes, parent) {
    var el = document.createElementNS(SVG, name);
    for (var key in attributes) el.setAttribute(key, attributes[key]);
    if (parent) parent.appendChild(el);
    return el;
  }
  function niceStep(range) {
    var raw = range / 4, power = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= raw) return steps[i] * power;
    return 10 * power;
  }
  function drawChart() {
    if (!chart.months.length) { box.parentNode.hidden = true; return; }
    var W = 1000, H = 260, left = 64, right = 8, top = 10, bottom = 26;
    var values = chart.km2.filter(function (v) { return v !== null; });
    var high = Math.max(0, Math.max.apply(null, values.concat([0])));
    var low = Math.min(0, Math.min.apply(null, values.concat([0])));
    if (high === low) high = 1;
    var step = niceStep(high - low);
    high = Math.ceil(high / step) * step;
    low = Math.floor(low / step) * step;
    var n = chart.months.length, width = (W - left - right) / n;
    function y(v) { return top + (high - v) / (high - low) * (H - top - bottom); }
    var svg = element("svg", {viewBox: "0 0 " + W + " " + H, role: "img",
                              "aria-labelledby": "site-chart-title", "class": "site-chart-svg"});
    box.textContent = "";
    box.appendChild(svg);
    var grid = element("g", {"class": "site-grid"}, svg);
    for (var v = low; v <= high + step / 2; v += step) {
      element("line", {x1: left, x2: W - right, y1: y(v), y2: y(v)}, grid);
      var label = element("text", {x: left - 6, y: y(v) + 4, "text-anchor": "end"}, grid);
      label.textContent = signed(v);
    }
    band = element("rect", {"class": "site-band", y: top, height: H - top - bottom,
                            width: Math.max(width, 3), x: -100}, svg);
    var years = element("g", {"class": "site-years"}, svg);
    chart.months.forEach(function (month, i) {
      var value = chart.km2[i], x = left + i * width;
      if (month.slice(5, 7) === "01") {
        element("line", {x1: x, x2: x, y1: H - bottom, y2: H - bottom + 5}, years);
        var year = element("text", {x: x + 2, y: H - 6}, years);
        year.textContent = month.slice(0, 4);
      }
      if (value === null) { bars.push(null); return; }
      var bar = element("rect", {x: x + width * 0.1, width: Math.max(width * 0.8, 1),
                                 y: Math.min(y(value), y(0)),
                                 height: Math.max(Math.abs(y(value) - y(0)), 0.5),
                                 fill: value >= 0 ? chart.gain : chart.loss,
                                 "data-month": month, "data-km2": value}, svg);
      var title = element("title", {}, bar);
      var parts = month.split("-");
      title.textContent = L.months[+parts[1] - 1] + " " + parts[0] + ": " + signed(value)
        + " km\u00b2";
      bar.addEventListener("click", function () { showMonth(i); });
      bars.push(bar);
    });
    element("line", {"class": "site-zero", x1: left, x2: W - right, y1: y(0), y2: y(0)}, svg);
    var key = document.createElement("p");
    key.className = "site-key";
    [[chart.gain, T.chart_gain], [chart.loss, T.chart_loss]].forEach(function (entry) {
      var swatch = document.createElement("span");
      swatch.className = "site-swatch";
      swatch.style.background = entry[0];
      key.appendChild(swatch);
      key.appendChild(document.createTextNode(entry[1] + " "));
    });
    box.appendChild(key);
    drawChart.month = function (index) {  // the bar of the date shown's month
      var month = data.dates[index].slice(0, 7) + "-01";
      var at = chart.months.indexOf(month);
      band.setAttribute("x", at < 0 ? -100 : left + at * width);
      band.setAttribute("data-month", at < 0 ? "" : month);
      bars.forEach(function (bar, i) {
        if (bar) bar.setAttribute("class", i === at ? "site-shown" : "");
      });
    };
  }
  // A click on a month's bar shows the last date of that month (its change's end).
  function showMonth(i) {
    var next = i + 1 < chart.months.length ? chart.months[i + 1] : "9999-12-31";
    var found = -1;
    for (var d = 0; d < data.dates.length; d++) if (data.dates[d] < next) found = d;
    if (found >= 0) embed.show(found);
  }

  // --- A region chosen by a click (or Enter) on the map: marked, and in the address ----------
  // (Raions' and hromadas' paths carry only their index, data-i: the code is the data's.)
  each(document.querySelectorAll("#mk-regions path"), function (path) {
    function choose() {
      var code = data.regions[+path.getAttribute("data-i")].code;
      embed.mark(embed.region() === code ? "" : code);
    }
    path.addEventListener("click", choose);
    path.addEventListener("keydown", function (e) { if (e.key === "Enter") choose(); });
  });

  drawChart();
  function update(index, changed) {
    showTable(index);
    if (drawChart.month) drawChart.month(index);
    keepAddress(index, changed);
  }
  document.addEventListener("mapkit:frame", function (e) { update(e.detail.index, true); });
  update(embed.current(), false);
  window.mapkitSite = {update: update};
})();
