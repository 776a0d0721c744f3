// The time controls of the embed and the Leaflet page (after payload_reader.js): the slider,
// spaced by time and stopping only on dates with figures; its keys, date to date (not day by
// day), Space to play; and play/pause, each date held as long as data.steps says: longer the
// more time it spans, so a week is a step and the eight years 2014–2022 a pause
// (mapkit.publish.payload). ``current()`` is the shown date's index, ``show(i)`` shows date i.
function mapkitTimeControls(data, labels, reader, slider, play, current, show) {
  var timer = null;
  var speed = {factor: 1};
  function stop() {
    if (timer !== null) { clearTimeout(timer); timer = null; }
    play.textContent = labels.play;
    play.setAttribute("aria-pressed", "false");
  }
  function next() {
    timer = setTimeout(function () {
      if (current() >= data.dates.length - 1) { stop(); return; }
      show(current() + 1);
      next();
    }, data.steps[current()] / speed.factor);
  }
  function start() {
    if (current() >= data.dates.length - 1) show(0);
    play.textContent = labels.pause;
    play.setAttribute("aria-pressed", "true");
    next();
  }
  play.addEventListener("click", function () { if (timer === null) start(); else stop(); });
  slider.addEventListener("input", function () { stop(); show(reader.nearest(+slider.value)); });
  slider.addEventListener("keydown", function (e) {
    var at = current(), last = data.dates.length - 1;
    var moves = {ArrowLeft: at - 1, ArrowDown: at - 1, ArrowRight: at + 1, ArrowUp: at + 1,
                 PageDown: at - 10, PageUp: at + 10, Home: 0, End: last};
    if (e.key in moves) {
      e.preventDefault();
      stop();
      show(Math.max(0, Math.min(last, moves[e.key])));
    } else if (e.key === " ") {
      e.preventDefault();
      if (timer === null) start(); else stop();
    }
  });
  return {speed: speed, stop: stop};
}
