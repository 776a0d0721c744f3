// Reads the timeline payload of mapkit/render/payload.py; shared by the embed and the Leaflet page.
// data.frames[i]: p = percents (null: partial, no figure), s = source code per region ("." = none;
// a list of source indexes, null = none, when a map has more than 36 sources).
function mapkitPayloadReader(data, labels) {
  "use strict";
  function fill(text, key, value) { return text.split("{" + key + "}").join(value); }
  // One base-36 digit per region, or (more than 36 sources) a list of indexes; null = none.
  function sourceIndex(frame, i) {
    if (typeof frame.s !== "string") return frame.s[i];
    var s = frame.s.charAt(i);
    return s === "." ? null : parseInt(s, 36);
  }
  return {
    fill: fill,
    name: function (i) { var r = data.regions[i]; return data.lang === "uk" ? r.uk : r.en; },
    otherName: function (i) { var r = data.regions[i]; return data.lang === "uk" ? r.en : r.uk; },
    source: function (frame, i) {
      var s = sourceIndex(frame, i);
      return s === null ? null : data.sources[s];
    },
    valueText: function (frame, i) {
      if (sourceIndex(frame, i) === null) return labels.no_data;
      var p = frame.p[i];
      return p === null ? labels.partial : fill(labels.export_value, "value", p.toFixed(1));
    },
  };
}
