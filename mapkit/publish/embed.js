(function () {
  "use strict";
  // The embed's behaviour (after embed_flags.js, payload_reader.js and time_controls.js).
  // All text reaches the page through textContent or setAttribute: never as markup.
  var data = JSON.parse(document.getElementById("mk-data").textContent);
  var flags = window.mapkitFlags || {};
  var $ = function (id) { return document.getElementById(id); };

  // --- Language: the embed carries every language's words; ?lang= picks one ----------------
  var lang = data.langs.indexOf(flags.lang) >= 0 ? flags.lang : data.lang;
  var li = data.langs.indexOf(lang);
  function words(k) { var v = data.texts[k]; return typeof v === "string" ? v : v[li]; }
  data.frames.forEach(function (frame) {  // why a figure stands, notes, the map's own line
    ["w", "n"].forEach(function (key) {
      if (!frame[key]) return;
      var out = {};
      for (var r in frame[key]) out[r] = words(frame[key][r]);
      frame[key] = out;
    });
    if (frame.notice !== undefined) frame.notice = words(frame.notice);
  });
  data.lang = lang;
  var L = data.labels[lang], page = data.page[lang];
  document.documentElement.lang = lang;
  document.title = page.title;
  Array.prototype.forEach.call(document.querySelectorAll("[data-t]"), function (el) {
    var value = page[el.getAttribute("data-t")];
    if (value !== undefined) el.textContent = value;
  });

  var slider = $("mk-slider"), output = $("mk-date"), play = $("mk-play");
  var tip = $("mk-tip"), staleLine = $("mk-stale"), map = $("mk-map"), caption = $("mk-caption");
  var headline = $("mk-headline"), oneDay = $("mk-oneday"), focusLine = $("mk-focus");
  var table = $("mk-table"), ring = $("mk-ring"), mark = $("mk-mark");
  var paths = [];
  Array.prototype.forEach.call(document.querySelectorAll("#mk-regions path"), function (p) {
    paths[+p.getAttribute("data-i")] = p;
  });
  var reader = mapkitPayloadReader(data, L);
  // Raions and hromadas: a thousand paths are no keyboard stops; the table lists them all.
  var many = data.regions.length > 100;
  var fill = reader.fill, name = reader.name, otherName = reader.otherName;
  var source = reader.source, valueText = reader.valueText;
  function asOf(index, frame, i) { return (frame.a && frame.a[i]) || data.dates[index]; }
  function colour(frame, i) {
    var c = data.palette[parseInt(frame.c.charAt(i), 36)];
    return c === "hatch" ? data.hatch : c;
  }
  // "17 March 2025", "17 березня 2025": as mapkit.i18n.date_text writes a date in words.
  function dateText(iso) {
    var part = iso.split("-");
    return +part[2] + " " + L.months[+part[1] - 1] + " " + part[0];
  }
  // The national headline (mapkit.headline.Headline.text) from its figures, which Python wrote
  // as English numbers ("19.4", "117,000", "−5"): Ukrainian writes 19,4 and 117 000.
  function number(text) {
    return lang === "uk" ? text.split(",").join("\u202f").split(".").join(",") : text;
  }
  function headlineText(index) {
    var h = data.headlines[index];
    if (!h) return "";
    var parts = [h[1] != null
      ? fill(fill(L.headline, "percent", number(h[0])), "km2", number(h[1]))
      : fill(L.headline_no_km2, "percent", number(h[0]))];
    if (h[2] != null) {
      parts.push(fill(fill(fill(L.headline_change, "days", String(data.change_days)), "date",
                           dateText(data.dates[index])), "change", number(h[2])));
    }
    if (h[3]) {
      var why = h[4] != null ? words(h[4]) : "";
      parts.push(why ? fill(fill(L.headline_as_of_why, "date", dateText(h[3])), "why", why)
                     : fill(L.headline_as_of, "date", dateText(h[3])));
    }
    return parts.join(" · ");
  }

  // --- The shown date's figures as a table, for screen readers -----------------------------
  var head = table.tHead.rows[0], tbody = table.tBodies[0];
  [L.region, L.percent, L.source, L.date].forEach(function (label) {
    var th = document.createElement("th");
    th.scope = "col";
    th.textContent = label;
    head.appendChild(th);
  });
  data.regions.forEach(function (r, i) {
    var row = tbody.insertRow();
    var th = document.createElement("th");
    th.scope = "row";
    th.textContent = name(i);
    row.appendChild(th);
    for (var k = 0; k < 3; k++) row.insertCell();
  });

  // --- URL flags: the date, a region to mark, no slider (static) ---------------------------
  var current = data.start;
  if (/^\d{4}-\d{2}-\d{2}$/.test(flags.date) && !isNaN(Date.parse(flags.date))
      && new Date(flags.date).toISOString().slice(0, 10) === flags.date) {
    for (var d = data.dates.length - 1; d >= 0; d--) {  // the map's date on or before it
      if (data.dates[d] <= flags.date) { current = d; break; }
    }
  }
  var marked = -1;
  function markRegion(code) {  // outline one region (or none) and say its figure under the date
    marked = -1;
    data.regions.forEach(function (r, i) { if (r.code === code) marked = i; });
    mark.setAttribute("d", marked >= 0 ? paths[marked].getAttribute("d") : "");
    if (marked < 0) { focusLine.textContent = ""; focusLine.hidden = true; }
  }
  markRegion(flags.region);
  var isStatic = !slider || flags["static"];
  if (isStatic && slider) $("mk-desc").textContent = fill(page.description_one, "date",
                                                          dateText(data.dates[current]));

  var tipRegion = -1;
  function show(index) {
    current = index;
    var frame = data.frames[index];
    var date = data.dates[index];
    if (slider) {
      slider.value = String(data.days[index]);
      slider.setAttribute("aria-valuetext", date);
      output.textContent = date;
    }
    if (isStatic && slider) {
      oneDay.textContent = fill(L.figures_of, "date", dateText(date));
      oneDay.hidden = false;
    }
    staleLine.textContent = reader.staleText(frame);
    staleLine.hidden = !staleLine.textContent;
    var lead = headlineText(index);
    headline.textContent = lead;  // the national figure of this date; none: nothing said
    headline.hidden = !lead;
    caption.textContent = fill(L.export_table_caption, "date", date);
    var rows = tbody.rows;
    for (var i = 0; i < data.regions.length; i++) {
      var value = valueText(frame, i);
      var src = source(frame, i);
      paths[i].setAttribute("fill", colour(frame, i));
      paths[i].setAttribute("data-percent", frame.p[i] === null ? "" : String(frame.p[i]));
      if (!many) paths[i].setAttribute("aria-label", name(i) + ": " + value);
      rows[i].cells[1].textContent = value;
      rows[i].cells[2].textContent = src ? src.name : "";
      rows[i].cells[3].textContent = src ? asOf(index, frame, i) : "";
    }
    if (marked >= 0) {
      var msrc = source(frame, marked);
      focusLine.textContent = msrc
        ? fill(fill(fill(fill(L.embed_region_line, "region", name(marked)), "value",
                         valueText(frame, marked)), "date", asOf(index, frame, marked)),
               "source", reader.isolate(msrc.name))
        : name(marked) + ": " + valueText(frame, marked);
      focusLine.hidden = false;
    }
    if (tipRegion >= 0) fillTip(tipRegion);
    postHeight(false);
    document.dispatchEvent(new CustomEvent("mapkit:frame", {detail: {index: index, date: date}}));
  }

  // --- Tooltips: hover, touch, and keyboard focus -------------------------------------------
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
    var b = document.createElement("b");
    b.textContent = name(i);
    tip.appendChild(b);
    line(tip, "", otherName(i));
    if (data.where && data.regions[i].w !== undefined) {  // its oblast: names repeat
      line(tip, "", data.where[data.regions[i].w][lang === "uk" ? "uk" : "en"]);
    }
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
    p.addEventListener("focus", function () {  // a ring drawn above every border, and its tip
      ring.setAttribute("d", p.getAttribute("d"));
      var r = p.getBoundingClientRect();
      openTip(i, r.left + r.width / 2, r.top + r.height / 2);
    });
    p.addEventListener("blur", function () { ring.setAttribute("d", ""); closeTip(); });
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") closeTip(); });

  var speed = slider ? mapkitTimeControls(data, L, reader, slider, play,
                                          function () { return current; }, show).speed : null;

  // --- "Get the data": the CSV beside the embed, or this map's figures made here ------------
  var link = $("mk-data-link");
  if (!data.data_url) {
    link.addEventListener("click", function () {
      if (link.getAttribute("href").indexOf("blob:") !== 0) {
        link.href = URL.createObjectURL(new Blob([figuresCsv()], {type: "text/csv"}));
        link.setAttribute("download", "figures.csv");
      }
    });
  }
  // The figures shown on every date of this map (one decimal, as shown), with their sources:
  // the columns of mapkit's CSV export that the map carries. Text that a spreadsheet would
  // read as a formula gets an apostrophe first (mapkit.publish.csv_table.spreadsheet_text).
  function figuresCsv() {
    function cell(value) {
      var text = value === null || value === undefined ? "" : String(value);
      if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
      return /[",\n\r]/.test(text) ? "\"" + text.split("\"").join("\"\"") + "\"" : text;
    }
    var rows = [["map_date", "region", "region_name_en", "region_name_uk", "percent", "status",
                 "figure_date", "source", "source_url", "method"]];
    data.frames.forEach(function (frame, index) {
      data.regions.forEach(function (r, i) {
        var src = frame.nm ? null : source(frame, i), p = frame.p[i];
        var status = frame.nm ? "no map" : !src ? "no data"
          : p === null ? "partial, no figure" : "figure";
        rows.push([data.dates[index], r.code, r.en, r.uk, status === "figure" ? p : "", status,
                   src ? asOf(index, frame, i) : "", src ? src.name : "",
                   src ? src.url || "" : "", src ? src.method : ""]);
      });
    });
    return rows.map(function (row) { return row.map(cell).join(","); }).join("\n") + "\n";
  }

  // --- Height to the page around the iframe --------------------------------------------------
  // In an iframe the map fits the iframe's height (embed.css: .mk-framed); the height sent is
  // the one at which it would be drawn full width: the embed asks for its natural height, in
  // the message formats of pym.js, AMP's amp-iframe and mapkit's own (embed_loader.js).
  var mk = $("mk"), sent = 0;
  function wantedHeight() {
    var box = map.getBoundingClientRect();
    var natural = box.width * data.view[1] / data.view[0];
    return Math.ceil(mk.getBoundingClientRect().height - box.height + natural);
  }
  function postHeight(always) {
    if (!flags.framed) return;
    var h = wantedHeight();
    if (!(h > 0) || (h === sent && !always)) return;
    sent = h;
    var parent = window.parent;
    parent.postMessage({type: "mapkit-embed-height", height: h}, "*");
    parent.postMessage(["pym", flags.childId, "height", String(h)].join("xPYMx"), "*");
    parent.postMessage({sentinel: "amp", type: "embed-size", height: h}, "*");
  }
  window.addEventListener("message", function (e) {  // the host asks again (pym: its width)
    if (e.source !== window.parent) return;
    var d = e.data;
    if ((d && d.type === "mapkit-embed-ping")
        || (typeof d === "string" && d.split("xPYMx")[0] === "pym"
            && d.split("xPYMx")[2] === "width")) postHeight(true);
  });
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(function () { postHeight(false); });
    observer.observe(document.documentElement);
    observer.observe(mk);
  }
  window.addEventListener("load", function () { postHeight(true); });

  var years = document.querySelector(".mk-years");
  if (years) {
    reader.thinYears(years);
    window.addEventListener("resize", function () { reader.thinYears(years); });
  }
  show(current);
  // What a page around the map may use (the published site: mapkit/publish/site.js).
  window.mapkitEmbed = {
    show: show, data: data, speed: speed, lang: lang,
    current: function () { return current; }, headline: headlineText, csv: figuresCsv,
    // mark a region by its code ("" for none), and the one marked
    mark: function (code) { markRegion(code); show(current); },
    region: function () { return marked >= 0 ? data.regions[marked].code : ""; },
    // each region's figure on date ``index`` as shown: name, value, source, link, its date
    cells: function (index) {
      var frame = data.frames[index];
      return data.regions.map(function (r, i) {
        var src = frame.nm ? null : source(frame, i);
        return {code: r.code, name: name(i), value: valueText(frame, i),
                percent: frame.p[i], source: src ? src.name : "", url: src ? src.url || "" : "",
                date: src ? asOf(index, frame, i) : ""};
      });
    }
  };
})();
