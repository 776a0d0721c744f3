// The embed's URL flags (docs/exports.md), read in <head> before the page paints, so that a
// dark, plain or static embed never shows itself otherwise first:
//   ?date=2025-03-17  lang=en|uk  region=UA-14  dark=auto|1|0  plain  static
// (plain and static: present, or 1; 0 turns them off). ``window.mapkitFlags`` holds them for
// embed.js; the <html> element gets a class per flag. pym.js passes ``childId``, which the
// height messages name. Values are only ever compared with the embed's own dates, languages and
// region codes: nothing from the address reaches the page as text.
(function (root) {
  "use strict";
  var query = new URLSearchParams(window.location.search);
  var OFF = /^(0|false|no|off)$/i;
  function on(name) { var value = query.get(name); return value !== null && !OFF.test(value); }
  var dark = (query.get("dark") || "auto").toLowerCase();
  var framed = true;
  try { framed = window.self !== window.top; } catch (e) { framed = true; }
  var flags = {
    date: query.get("date") || "",
    lang: (query.get("lang") || "").toLowerCase(),
    region: (query.get("region") || "").toUpperCase(),
    dark: /^(1|true|yes|on|dark)$/.test(dark) ? "dark" : OFF.test(dark) || dark === "light"
      ? "light" : "auto",
    plain: on("plain"),
    "static": on("static"),
    childId: query.get("childId") || "",
    framed: framed
  };
  var classes = ["mk-js"];
  if (flags.dark !== "auto") classes.push("mk-" + flags.dark);
  if (flags.plain) classes.push("mk-plain");
  if (flags["static"]) classes.push("mk-static");
  if (framed) classes.push("mk-framed");  // in an iframe: the map fits the iframe's height
  root.className = classes.join(" ");
  window.mapkitFlags = flags;
})(document.documentElement);
