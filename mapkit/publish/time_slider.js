{% macro header(this, kwargs) %}
<style>
.mapkit-panel{background:rgba(255,255,255,.94);padding:8px 10px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.3);font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#222;max-width:min(440px,80vw)}
.mapkit-panel h1{font-size:17px;margin:0 0 2px;unicode-bidi:plaintext}
.mapkit-panel p{margin:2px 0;unicode-bidi:plaintext}
.mapkit-sub{color:#555}
.mapkit-slider{display:flex;align-items:center;gap:8px;width:min(420px,62vw)}
.mapkit-time{flex:1;display:flex;flex-direction:column;min-width:80px}
.mapkit-slider input{width:100%;margin:0;accent-color:#b30000}
.mapkit-years{position:relative;height:1.1em;margin:0 8px;font-size:10px;color:#555}
.mapkit-years span{position:absolute;transform:translateX(-50%)}
.mapkit-stale{font-weight:600;color:#8a1c00}
.mapkit-slider button{font:inherit;min-width:5.5em;padding:3px 8px;border:1px solid #888;border-radius:4px;background:#f6f6f6;cursor:pointer}
.mapkit-slider output{font-weight:600;font-variant-numeric:tabular-nums}
.mapkit-legend{max-width:200px}
.mapkit-legend ul{list-style:none;margin:4px 0 0;padding:0;font-size:12px}
.mapkit-legend li{display:flex;align-items:center;gap:6px}
.mapkit-swatch{display:inline-block;width:14px;height:14px;border:1px solid #999}
.mapkit-foot{font-size:11px;color:#555}
.mapkit-tip{white-space:normal;width:max-content;max-width:min(320px,70vw)}
.mapkit-tip b{display:block}
.mapkit-tip-other{margin-top:3px;padding-top:3px;border-top:1px solid #ddd;color:#444}
.mapkit-region:focus{outline:none;stroke:#000;stroke-width:2.5px}
.mapkit-sr{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
</style>
{% endmacro %}

{% macro script(this, kwargs) %}
{{ this.reader_js }}
{{ this.controls_js }}
(function () {
  "use strict";
  // Text reaches the page only through textContent: names, titles and notes stay text.
  var map = {{ this._parent.get_name() }};
  var data = {{ this.payload_json }};
  var shapes = {{ this.geojson_json }};
  var L_ = data.labels;
  var current = data.start;
  var layers = [];
  var byCode = {};
  data.regions.forEach(function (r, i) { byCode[r.code] = i; });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  var reader = mapkitPayloadReader(data, L_);
  var fill = reader.fill, name = reader.name, otherName = reader.otherName;
  var source = reader.source, valueText = reader.valueText;
  function colour(frame, i) {
    var c = data.palette[parseInt(frame.c.charAt(i), 36)];
    return c === "hatch" ? "url(#mapkit-hatch)" : c;
  }
  function style(i) {
    return {fillColor: colour(data.frames[current], i), fillOpacity: 0.85, color: "#ffffff",
            weight: 1, opacity: 1, className: "mapkit-region"};
  }

  function tooltip(i) {
    var frame = data.frames[current];
    var src = source(frame, i);
    var box = el("div", "mapkit-tip");
    box.appendChild(el("b", null, name(i)));
    box.appendChild(el("div", null, otherName(i)));
    if (data.where && data.regions[i].w !== undefined) {  // its oblast: names repeat
      box.appendChild(el("div", null, data.where[data.regions[i].w][data.lang === "uk" ? "uk" : "en"]));
    }
    box.appendChild(el("div", null, L_.percent + ": " + valueText(frame, i)));
    if (frame.k && frame.k[i] !== null) {
      box.appendChild(el("div", null, L_.contested + ": " + reader.percentText(frame.k[i])));
    }
    var shown = data.dates[current], asOf = (src && frame.a && frame.a[i]) || shown;
    box.appendChild(el("div", null, L_.date + ": " + (asOf === shown ? shown
      : shown + " (" + fill(L_.export_as_of, "date", asOf) + reader.because(frame, i) + ")")));
    if (src) {
      box.appendChild(el("div", null, L_.source + ": " + reader.isolate(src.name)));
      box.appendChild(el("div", null, L_.method + ": " + (L_[src.method] || src.method)));
    }
    if (frame.n && frame.n[i]) box.appendChild(el("div", null, L_.note + ": " + frame.n[i]));
    var others = reader.others(frame, i);
    if (others.length) {
      var block = el("div", "mapkit-tip-other");
      block.appendChild(el("div", null, L_.other_sources));
      others.forEach(function (text) { block.appendChild(el("div", null, text)); });
      box.appendChild(block);
    }
    return box;
  }

  var regions = L.geoJson(shapes, {
    style: function (feature) { return style(byCode[feature.id]); },
    onEachFeature: function (feature, layer) {
      var i = byCode[feature.id];
      layers[i] = layer;
      layer.bindTooltip(function () { return tooltip(i); }, {sticky: true});
      layer.on("add", function () {
        // Each region is a keyboard stop that names its figure; focus opens its tooltip.
        var path = layer.getElement();
        path.setAttribute("data-code", feature.id);
        if (data.regions.length > 100) return;  // a thousand keyboard stops help nobody
        path.setAttribute("tabindex", "0");
        path.setAttribute("role", "img");
        path.addEventListener("focus", function () {
          layer.openTooltip(layer.getBounds().getCenter());
        });
        path.addEventListener("blur", function () { layer.closeTooltip(); });
      });
    }
  }).addTo(map);

  // The hatch for "partial, no figure" lives in the overlay's own <svg>.
  var svg = map.getPanes().overlayPane.querySelector("svg");
  if (svg) {
    var ns = "http://www.w3.org/2000/svg";
    var defs = document.createElementNS(ns, "defs");
    var pattern = document.createElementNS(ns, "pattern");
    pattern.setAttribute("id", "mapkit-hatch");
    pattern.setAttribute("width", "8");
    pattern.setAttribute("height", "8");
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("patternTransform", "rotate(45)");
    [[data.partial_colour, 8], [data.hatch_colour, 3]].forEach(function (spec) {
      var rect = document.createElementNS(ns, "rect");
      rect.setAttribute("width", String(spec[1]));
      rect.setAttribute("height", "8");
      rect.setAttribute("fill", spec[0]);
      pattern.appendChild(rect);
    });
    defs.appendChild(pattern);
    svg.insertBefore(defs, svg.firstChild);
  }

  function control(position, build) {
    var Control = L.Control.extend({
      options: {position: position},
      onAdd: function () {
        var div = el("div", "mapkit-panel leaflet-control");
        build(div);
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      }
    });
    return new Control().addTo(map);
  }

  control("topleft", function (div) {
    div.appendChild(el("h1", "mapkit-title", data.texts.title));
    if (data.texts.subtitle) div.appendChild(el("p", "mapkit-sub", data.texts.subtitle));
  });

  var slider, output, play, staleLine;
  control("bottomleft", function (div) {
    var row = el("div", "mapkit-slider");
    play = el("button", "mapkit-play", L_.play);
    play.type = "button";
    play.setAttribute("aria-pressed", "false");
    // Spaced by time (value: days since the first date), stopping only on dates with figures.
    var time = el("div", "mapkit-time");
    slider = el("input", "mapkit-range");
    slider.type = "range";
    slider.min = "0";
    slider.max = String(data.span);
    slider.step = "1";
    slider.value = String(data.days[current]);
    slider.setAttribute("aria-label", L_.export_slider);
    time.appendChild(slider);
    var years = el("div", "mapkit-years");
    years.setAttribute("aria-hidden", "true");
    data.years.forEach(function (year) {
      var label = el("span", null, String(year[0]));
      label.style.left = (100 * year[1]) + "%";
      years.appendChild(label);
    });
    time.appendChild(years);
    output = el("output", "mapkit-date", data.dates[current]);
    if (data.dates.length < 2) { play.disabled = true; slider.disabled = true; time.hidden = true; }
    row.appendChild(play);
    row.appendChild(time);
    row.appendChild(output);
    div.appendChild(row);
    staleLine = el("p", "mapkit-foot mapkit-stale");
    div.appendChild(staleLine);
    div.appendChild(el("p", "mapkit-foot mapkit-source", data.texts.source_line));
    if (data.texts.credit_line) div.appendChild(el("p", "mapkit-foot mapkit-credit", data.texts.credit_line));
    div.appendChild(el("p", "mapkit-foot mapkit-prov", data.texts.provenance_line));
    if (data.texts.tiles_note) {  // the basemap is the one thing the page asks the internet for
      div.appendChild(el("p", "mapkit-foot mapkit-tiles", data.texts.tiles_note));
    }
  });

  control("bottomright", function (div) {
    div.classList.add("mapkit-legend");
    div.appendChild(el("b", null, data.texts.legend_title));
    var list = el("ul");
    data.legend.forEach(function (item) {
      var li = el("li");
      var swatch = el("span", "mapkit-swatch");
      swatch.style.background = item.hatch
        ? "repeating-linear-gradient(45deg," + data.hatch_colour + " 0 2px,transparent 2px 5.5px)," + item.colour
        : item.colour;
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(item.label));
      list.appendChild(li);
    });
    div.appendChild(list);
  });

  // The shown date's figures as a table, for screen readers (the embed has the same).
  var table = el("table", "mapkit-table");
  var caption = el("caption");
  table.appendChild(caption);
  var head = el("tr");
  [L_.region, L_.percent, L_.source, L_.date].forEach(function (label) {
    var th = el("th", null, label);
    th.scope = "col";
    head.appendChild(th);
  });
  table.appendChild(el("thead")).appendChild(head);
  var tbody = table.appendChild(el("tbody"));
  data.regions.forEach(function (r, i) {
    var tr = el("tr");
    tr.setAttribute("data-code", r.code);
    var th = el("th", null, name(i));
    th.scope = "row";
    tr.appendChild(th);
    tr.appendChild(el("td"));
    tr.appendChild(el("td"));
    tr.appendChild(el("td"));
    tbody.appendChild(tr);
  });
  var hidden = el("div", "mapkit-sr");
  hidden.appendChild(table);
  map.getContainer().parentNode.appendChild(hidden);

  // Controls before regions in the keyboard order (Leaflet puts them after the map's panes;
  // their place on screen is set by CSS, not by this order).
  var container = map.getContainer();
  var corners = container.querySelector(".leaflet-control-container");
  if (corners) container.insertBefore(corners, container.firstChild);

  function show(index) {
    current = index;
    var frame = data.frames[index], date = data.dates[index];
    slider.value = String(data.days[index]);
    slider.setAttribute("aria-valuetext", date);
    output.textContent = date;
    staleLine.textContent = reader.staleText(frame);
    staleLine.hidden = !staleLine.textContent;
    caption.textContent = fill(L_.export_table_caption, "date", date);
    layers.forEach(function (layer, i) {
      var value = valueText(frame, i), src = source(frame, i);
      layer.setStyle({fillColor: colour(frame, i)});
      var path = layer.getElement();
      if (path) {
        path.setAttribute("aria-label", name(i) + ": " + value);
        path.setAttribute("data-percent", frame.p[i] === null ? "" : String(frame.p[i]));
      }
      var cells = tbody.rows[i].cells;
      cells[1].textContent = value;
      cells[2].textContent = src ? src.name : "";
      cells[3].textContent = src ? ((frame.a && frame.a[i]) || date) : "";
      var tip = layer.getTooltip();
      if (tip && layer.isTooltipOpen()) tip.update();
    });
    document.dispatchEvent(new CustomEvent("mapkit:frame", {detail: {index: index, date: date}}));
  }

  var speed = mapkitTimeControls(data, L_, reader, slider, play,
                                 function () { return current; }, show).speed;

  var yearRow = document.querySelector(".mapkit-years");
  if (yearRow) {
    reader.thinYears(yearRow);
    window.addEventListener("resize", function () { reader.thinYears(yearRow); });
  }
  map.fitBounds(regions.getBounds(), {padding: [10, 10], animate: false});  // drawn in place
  show(current);
  window.mapkitMap = {show: show, data: data, layers: layers, map: map, speed: speed};
})();
{% endmacro %}
