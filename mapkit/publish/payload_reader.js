// Reads the timeline payload of mapkit/render/payload.py; shared by the embed and the Leaflet page.
// data.frames[i]: p = percents (null: partial, no figure), s = source code per region ("." = none).
function mapkitPayloadReader(data, labels) {
  "use strict";
  function fill(text, key, value) { return text.split("{" + key + "}").join(value); }
  return {
    fill: fill,
    name: function (i) { var r = data.regions[i]; return data.lang === "uk" ? r.uk : r.en; },
    otherName: function (i) { var r = data.regions[i]; return data.lang === "uk" ? r.en : r.uk; },
    source: function (frame, i) {
      var s = frame.s.charAt(i);
      return s === "." ? null : data.sources[parseInt(s, 36)];
    },
    valueText: function (frame, i) {
      if (frame.s.charAt(i) === ".") return labels.no_data;
      var p = frame.p[i];
      return p === null ? labels.partial : fill(labels.export_value, "value", p.toFixed(1));
    },
  };
}
