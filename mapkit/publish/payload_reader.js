// Reads the timeline payload of mapkit/publish/payload.py; shared by the embed and the Leaflet page.
// data.frames[i]: p = percents (null: partial, no figure), s = source code per region ("." = none;
// a list of source indexes, null = none, when a map has more than 36 sources), o = other
// series' figures beside the map's own ([source index, date, figures] per source and date, the
// figures a list or a {region index: figure} object; a figure is a percent, "p" = partial,
// "-" = no figure, null or absent = none from this group), w = why an older figure still
// stands, stale = date of figures older than the map's, notice = what the map says beside its
// date (figures as of …, no map for …), nm = the series has no map for the date.
// Frames written as changes from the frame before ("x": {key: {region index: value}},
// mapkit/publish/payload.py changes_only), made whole in place (the viewer does the same in its
// expandFrames); also the published site's per-date km² (mapkit/publish/site.js).
function mapkitExpandFrames(frames) {
  "use strict";
  for (var n = 1; n < frames.length; n++) {
    var frame = frames[n], changes = frame.x;
    if (!changes) continue;
    for (var key in changes) {
      var base = frames[n - 1][key], diff = changes[key], i;
      var values = typeof base === "string" ? base.split("") : base.slice();
      for (i in diff) values[i] = diff[i];
      frame[key] = typeof base === "string" ? values.join("") : values;
    }
    delete frame.x;
  }
  return frames;
}
function mapkitPayloadReader(data, labels) {
  "use strict";
  // A raion or hromada map's frames come as changes from the frame before: made whole once,
  // here, so every reader below sees whole frames.
  mapkitExpandFrames(data.frames);
  function fill(text, key, value) { return text.split("{" + key + "}").join(value); }
  // Figures as a reader of the page's language writes them: 99.5 / 99,5. They come rounded as
  // their colours were chosen (mapkit.scale.shown_figure), so the text and the colour agree.
  function number(value) {
    var text = value.toFixed(1);
    return data.lang === "uk" ? text.replace(".", ",") : text;
  }
  function percentText(value) { return fill(labels.export_value, "value", number(value)); }
  // A source's name inside a line of ours as one Unicode isolate (FSI … PDI), balanced as
  // mapkit/publish/bidi.py's isolate(): a right-to-left name, or a direction control in it,
  // never turns the rest of the line around.
  function isolate(text) {
    var kept = "", depth = 0;
    for (var k = 0; k < text.length; k++) {
      var c = text.charAt(k);
      if (c === "\u2066" || c === "\u2067" || c === "\u2068") depth++;
      else if (c === "\u2069") { if (depth === 0) continue; depth--; }
      kept += c;
    }
    return "\u2068" + kept + new Array(depth + 2).join("\u2069");
  }
  // One base-36 digit per region, or (more than 36 sources) a list of indexes; null = none.
  function sourceIndex(frame, i) {
    if (typeof frame.s !== "string") return frame.s[i];
    var s = frame.s.charAt(i);
    return s === "." ? null : parseInt(s, 36);
  }
  // Other series' figures beside region i: [source index, date, percent or null, partial].
  function beside(frame, i) {
    return (frame.o || []).filter(function (group) {
      return group[2][i] != null;
    }).map(function (group) {
      var v = group[2][i];
      return [group[0], group[1], typeof v === "number" ? v : null, v === "p"];
    });
  }
  return {
    fill: fill,
    isolate: isolate,
    number: number,
    percentText: percentText,
    name: function (i) { var r = data.regions[i]; return data.lang === "uk" ? r.uk : r.en; },
    otherName: function (i) { var r = data.regions[i]; return data.lang === "uk" ? r.en : r.uk; },
    source: function (frame, i) {
      var s = sourceIndex(frame, i);
      return s === null ? null : data.sources[s];
    },
    valueText: function (frame, i) {
      if (frame.nm) return labels.status_no_map;  // the series has no map for this date
      if (sourceIndex(frame, i) === null) return labels.no_data;
      var p = frame.p[i];
      return p === null ? labels.partial : percentText(p);
    },
    beside: beside,
    // "El País, 2025-03-17: 60.0 %" for each other series' figure beside region i.
    others: function (frame, i) {
      return beside(frame, i).map(function (o) {
        var value = o[2] === null ? (o[3] ? labels.partial : labels.no_data) : percentText(o[2]);
        var text = fill(labels.other_figure, "source", isolate(data.sources[o[0]].name));
        return fill(fill(text, "date", o[1]), "value", value);
      });
    },
    // ": why region i's older figure still stands" (its series' exception), or "".
    because: function (frame, i) { return frame.w && frame.w[i] ? ": " + frame.w[i] : ""; },
    // The line the map itself shows beside its date: its figures are older than the date
    // (and why they still stand), or its series has no map for the date.
    staleText: function (frame) {
      if (frame.notice) return frame.notice;
      return frame.stale ? fill(labels.figures_as_of, "date", frame.stale) : "";
    },
    // Year labels under the slider, thinned so that none overlaps the one before it.
    thinYears: function (container) {
      var width = container.getBoundingClientRect().width, last = -Infinity;
      Array.prototype.forEach.call(container.children, function (label) {
        var x = parseFloat(label.style.left) / 100 * width;
        label.style.visibility = x - last >= 34 ? "" : "hidden";
        if (x - last >= 34) last = x;
      });
    },
    // The date nearest to a position on the time-spaced slider (days from the first date).
    nearest: function (days) {
      var offsets = data.days, lo = 0, hi = offsets.length - 1;
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (offsets[mid] < days) lo = mid + 1; else hi = mid;
      }
      if (lo > 0 && days - offsets[lo - 1] <= offsets[lo] - days) return lo - 1;
      return lo;
    },
  };
}
