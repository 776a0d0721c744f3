/*
 * mapkit's embed.js: include it once on a page, and every <iframe data-mapkit-embed> on it
 * takes the height its map asks for. It reads the embed's height in pym.js's message format,
 * AMP's embed-size and mapkit's own, only from that iframe's own window; it loads nothing.
 */
(function () {
  "use strict";
  if (window.mapkitEmbedLoader) return;
  window.mapkitEmbedLoader = true;
  var SELECTOR = "iframe[data-mapkit-embed]";
  function heightIn(message) {
    if (typeof message === "string") {  /* pym.js: pym xPYMx id xPYMx height xPYMx px */
      var bits = message.split("xPYMx");
      return bits.length === 4 && bits[0] === "pym" && bits[2] === "height" ? +bits[3] : NaN;
    }
    if (message && (message.type === "mapkit-embed-height"
                    || (message.sentinel === "amp" && message.type === "embed-size"))) {
      return +message.height;
    }
    return NaN;
  }
  window.addEventListener("message", function (event) {
    var height = heightIn(event.data);
    if (!(height > 0 && height < 100000)) return;
    var frames = document.querySelectorAll(SELECTOR);
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.ceil(height) + "px";
      }
    }
  });
  function ask(frame) {  /* an embed that spoke before this script listened says it again */
    try { frame.contentWindow.postMessage({type: "mapkit-embed-ping"}, "*"); } catch (e) { /* gone */ }
  }
  function watch() {
    var frames = document.querySelectorAll(SELECTOR);
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].mapkitWatched) continue;
      frames[i].mapkitWatched = true;
      frames[i].addEventListener("load", ask.bind(null, frames[i]));
      ask(frames[i]);
    }
  }
  watch();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
})();
