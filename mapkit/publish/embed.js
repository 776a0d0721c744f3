(function () {
  "use strict";
  // All text reaches the page through textContent or setAttribute: never as markup.
  var data = JSON.parse(document.getElementById("mk-data").textContent);
  var L = data.labels;
  var slider = document.getElementById("mk-slider");
  var output = document.getElementById("mk-date");
  var play = document.getElementById("mk-play");
  var tip = document.getElementById("mk-tip");
  var staleLine = document.getElementById("mk-stale");
  var map = document.getElementById("mk-map");
  var caption = document.getElementById("mk-caption");
  var headline = document.getElementById("mk-headline");
  var tbody = document.querySelector("#mk-table tbody");
  var paths = [];
  Array.prototype.forEach.call(document.querySelectorAll("#mk-regions path"), function (p) {
    paths[+p.getAttribute("data-i")] = p;
  });
  var reader = mapkitPayloadReader(data, L);
  var fill = reader.fill, name = reader.name, otherName = reader.otherName;
  var source = reader.source, valueText = reader.valueText;
  // The slider is spaced by time (its value: days since the first date), so eight years take
  // eight years' room; it stops only on dates that have figures.
  var current = reader.nearest(+slider.value);
  var tipRegion = -1;
  function asOf(index, frame, i) { return (frame.a && frame.a[i]) || data.dates[index]; }
  function colour(frame, i) {
    var c = data.palette[parseInt(frame.c.charAt(i), 36)];
    return c === "hatch" ? data.hatch : c;
  }

  function show(index) {
    current = index;
    var frame = data.frames[index];
    var date = data.dates[index];
    slider.value = String(data.days[index]);
    slider.setAttribute("aria-valuetext", date);
    output.textContent = date;
    staleLine.textContent = reader.staleText(frame);
    staleLine.hidden = !staleLine.textContent;
    var lead = (data.headlines && data.headlines[index]) || "";
    headline.textContent = lead;  // the national figure of this date; none: nothing said
    headline.hidden = !lead;
    caption.textContent = fill(L.export_table_caption, "date", date);
    var rows = tbody.rows;
    for (var i = 0; i < data.regions.length; i++) {
      var value = valueText(frame, i);
      var src = source(frame, i);
      paths[i].setAttribute("fill", colour(frame, i));
      paths[i].setAttribute("data-percent", frame.p[i] === null ? "" : String(frame.p[i]));
      paths[i].setAttribute("aria-label", name(i) + ": " + value);
      rows[i].cells[1].textContent = value;
      rows[i].cells[2].textContent = src ? src.name : "";
      rows[i].cells[3].textContent = src ? asOf(index, frame, i) : "";
    }
    if (tipRegion >= 0) fillTip(tipRegion);
    document.dispatchEvent(new CustomEvent("mapkit:frame", {detail: {index: index, date: date}}));
  }

  function line(parent, label, value) {
    var div = document.createElement("div");
    if (label) {
      var span = document.createElement("span");
      span.textContent = label + ": ";
      div.appendChild(span);
    }
    div.appendChild(document.createTextNode(value));
    parent.appendChild(div);
  }

  function fillTip(i) {
    var frame = data.frames[current];
    var src = source(frame, i);
    tip.textContent = "";
    var head = document.createElement("b");
    head.textContent = name(i);
    tip.appendChild(head);
    line(tip, "", otherName(i));
    line(tip, L.percent, valueText(frame, i));
    if (frame.k && frame.k[i] !== null) line(tip, L.contested, reader.percentText(frame.k[i]));
    var shown = data.dates[current], figureDate = src ? asOf(current, frame, i) : shown;
    line(tip, L.date, figureDate === shown ? shown
      : shown + " (" + fill(L.export_as_of, "date", figureDate) + reader.because(frame, i) + ")");
    if (src) {
      line(tip, L.source, reader.isolate(src.name));
      line(tip, L.method, L[src.method] || src.method);
    }
    if (frame.n && frame.n[i]) line(tip, L.note, frame.n[i]);
    var others = reader.others(frame, i);
    if (others.length) {
      var block = document.createElement("div");
      block.className = "mk-tip-other";
      line(block, "", L.other_sources);
      others.forEach(function (text) { line(block, "", text); });
      tip.appendChild(block);
    }
  }

  function placeTip(x, y) {
    var box = map.getBoundingClientRect();
    var left = x - box.left + 14, top = y - box.top + 14;
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (left + w > box.width) left = Math.max(0, x - box.left - w - 14);
    if (top + h > box.height) top = Math.max(0, y - box.top - h - 14);
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  }

  function openTip(i, x, y) { tipRegion = i; fillTip(i); placeTip(x, y); }
  function closeTip() { tipRegion = -1; tip.hidden = true; }

  paths.forEach(function (p, i) {
    p.addEventListener("mousemove", function (e) { openTip(i, e.clientX, e.clientY); });
    p.addEventListener("mouseleave", closeTip);
    p.addEventListener("pointerdown", function (e) {  // touch screens have no hover
      if (e.pointerType !== "mouse") openTip(i, e.clientX, e.clientY);
    });
    p.addEventListener("focus", function () {
      var r = p.getBoundingClientRect();
      openTip(i, r.left + r.width / 2, r.top + r.height / 2);
    });
    p.addEventListener("blur", closeTip);
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") closeTip(); });

  var speed = mapkitTimeControls(data, L, reader, slider, play,
                                 function () { return current; }, show).speed;

  // Auto-height: tell the page around the iframe how tall the map is (see iframe_snippet()).
  function postHeight() {
    if (window.parent === window) return;
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    window.parent.postMessage({ type: "mapkit-embed-height", height: h }, "*");
  }
  if (window.ResizeObserver) new ResizeObserver(postHeight).observe(document.documentElement);
  window.addEventListener("load", postHeight);

  var years = document.querySelector(".mk-years");
  if (years) {
    reader.thinYears(years);
    window.addEventListener("resize", function () { reader.thinYears(years); });
  }
  show(current);
  window.mapkitEmbed = { show: show, data: data, speed: speed };
})();
