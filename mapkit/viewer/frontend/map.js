/* The viewer's map: a Streamlit component (API v1, spoken directly over postMessage).
 *
 * Polygons are drawn once. A date change — from the slider, play, the keyboard, or Python —
 * only calls setStyle() on the 27 existing layers, so tiles, zoom and pan stay and nothing
 * flashes. Colours come from Python (mapkit.scale) as a palette; this file only looks them up.
 * Every text from the data (names, sources, notes) goes into the page with textContent, never
 * as HTML.
 */
(function () {
  "use strict";

  const HATCH = "hatch";
  const HATCH_ID = "mapkit-partial-hatch";

  const state = {
    map: null,
    layers: [],            // index = region index in data.regions
    layerByCode: {},
    geometryId: null,
    dataId: null,
    data: null,
    args: null,
    index: 0,
    dateRev: null,
    selected: null,
    playing: false,
    timer: null,
    sendTimer: null,
    hovered: null,
    counter: 0,
    height: 0,
  };

  const el = (id) => document.getElementById(id);

  // --- Streamlit protocol ------------------------------------------------------------------
  function send(type, payload) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, payload), "*");
  }

  function setFrameHeight() {
    const height = Math.ceil(document.documentElement.scrollHeight);
    if (height !== state.height) {
      state.height = height;
      send("streamlit:setFrameHeight", { height: height });
    }
  }

  function reportValue(event) {
    state.counter += 1;
    const data = state.data;
    const value = {
      event: event,
      date: data && data.dates.length ? data.dates[state.index] : null,
      selected: state.selected,
      n: state.counter,
    };
    send("streamlit:setComponentValue", { value: value, dataType: "json" });
  }

  // Manual moves repaint at once; Python hears about the date after the hand rests.
  function reportDateSoon() {
    clearTimeout(state.sendTimer);
    state.sendTimer = setTimeout(() => reportValue("date"), 250);
  }

  window.addEventListener("message", (event) => {
    const message = event.data;
    if (!message || message.type !== "streamlit:render") return;
    try {
      render(message.args);
    } catch (error) {
      showError(String(error && error.stack ? error.stack : error));
    }
  });

  function showError(text) {
    const box = el("load-error");
    box.hidden = false;
    box.textContent = text;
    setFrameHeight();
  }

  // --- Render ------------------------------------------------------------------------------
  function render(args) {
    state.args = args;
    if (typeof L === "undefined") {
      showError(args.labels.leaflet_missing || "Leaflet could not be loaded.");
      return;
    }
    el("map").style.height = (args.height || 520) + "px";
    if (!state.map) createMap(args);
    if (args.geometry_id !== state.geometryId) drawGeometry(args);

    let repaint = false;
    if (args.data_id !== state.dataId) {
      state.dataId = args.data_id;
      state.data = args.data;
      setupTimeline(args.data);
      repaint = true;
    }
    if (args.date_rev !== state.dateRev) {
      state.dateRev = args.date_rev;
      const wanted = state.data.dates.indexOf(args.date);
      if (wanted >= 0 && wanted !== state.index) {
        state.index = wanted;
        repaint = true;
      }
      if (args.selected !== undefined && args.selected !== state.selected) {
        state.selected = args.selected;
        repaint = true;
      }
    }
    if (state.index >= state.data.dates.length) {
      state.index = state.data.dates.length - 1;
      repaint = true;
    }
    renderChrome(args);
    if (repaint || !state.painted) paint();
    setFrameHeight();
  }

  function createMap(args) {
    const map = L.map("map", {
      zoomSnap: 0.25,
      preferCanvas: false, // SVG paths: the partial hatch is an SVG pattern
      attributionControl: true,
    });
    L.tileLayer(args.tiles.url, {
      attribution: args.tiles.attribution,
      subdomains: "abcd",
      maxZoom: 12,
    }).addTo(map);
    map.fitBounds(args.bounds);
    state.map = map;
    document.addEventListener("keydown", onKey);
    el("slider").addEventListener("input", () => {
      stop();
      goTo(Number(el("slider").value), true);
    });
    el("play").addEventListener("click", () => (state.playing ? stop(true) : play()));
    el("prev").addEventListener("click", () => { stop(); goTo(state.index - 1, true); });
    el("next").addEventListener("click", () => { stop(); goTo(state.index + 1, true); });
    window.addEventListener("resize", setFrameHeight);
  }

  function onKey(event) {
    if (!state.data || state.data.dates.length < 2) return;
    const tag = (event.target && event.target.tagName) || "";
    // The range input handles its own arrows (and fires "input").
    if (tag === "INPUT") return;
    const last = state.data.dates.length - 1;
    const moves = {
      ArrowLeft: state.index - 1, ArrowRight: state.index + 1, Home: 0, End: last,
      PageDown: state.index - 10, PageUp: state.index + 10,
    };
    if (event.key in moves) {
      event.preventDefault();
      stop();
      goTo(moves[event.key], true);
    } else if (event.key === " " && tag !== "BUTTON") {
      event.preventDefault();
      state.playing ? stop(true) : play();
    }
  }

  function hatchPattern(args) {
    const svg = state.map.getPanes().overlayPane.querySelector("svg");
    if (!svg || svg.getElementById(HATCH_ID)) return;
    const ns = "http://www.w3.org/2000/svg";
    const defs = document.createElementNS(ns, "defs");
    const pattern = document.createElementNS(ns, "pattern");
    pattern.setAttribute("id", HATCH_ID);
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("width", "7");
    pattern.setAttribute("height", "7");
    pattern.setAttribute("patternTransform", "rotate(45)");
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("width", "7");
    rect.setAttribute("height", "7");
    rect.setAttribute("fill", args.hatch.base);
    const line = document.createElementNS(ns, "line");
    line.setAttribute("x1", "0"); line.setAttribute("y1", "0");
    line.setAttribute("x2", "0"); line.setAttribute("y2", "7");
    line.setAttribute("stroke", args.hatch.stroke);
    line.setAttribute("stroke-width", "2.5");
    pattern.appendChild(rect);
    pattern.appendChild(line);
    defs.appendChild(pattern);
    svg.insertBefore(defs, svg.firstChild);
  }

  function drawGeometry(args) {
    state.layers.forEach((layer) => layer.remove());
    state.layers = [];
    state.layerByCode = {};
    const codes = args.region_codes;
    const group = L.geoJSON(args.geometry, {
      style: () => ({ color: "#555", weight: 0.8, opacity: 1, fillOpacity: 0.85, fillColor: "#d9d9d9" }),
      onEachFeature: (feature, layer) => {
        const code = feature.properties.code;
        const index = codes.indexOf(code);
        layer.mapkitIndex = index;
        layer.mapkitCode = code;
        state.layers[index] = layer;
        state.layerByCode[code] = layer;
        layer.getElement && layer.on("add", () => {
          const path = layer.getElement();
          if (path) path.setAttribute("data-region", code);
        });
        layer.bindTooltip(() => tooltipFor(index), { sticky: true, className: "region-tip", direction: "auto" });
        layer.on("mouseover", () => { state.hovered = index; layer.setStyle({ weight: 2.2, color: "#111" }); });
        layer.on("mouseout", () => { state.hovered = null; outline(layer); });
        layer.on("click", () => {
          state.selected = code;
          state.layers.forEach(outline);
          reportValue("click");
        });
      },
    }).addTo(state.map);
    group.eachLayer((layer) => {
      const path = layer.getElement();
      if (path) path.setAttribute("data-region", layer.mapkitCode);
    });
    state.group = group;
    state.geometryId = args.geometry_id;
    hatchPattern(args);
  }

  function outline(layer) {
    const chosen = layer.mapkitCode === state.selected;
    layer.setStyle({ weight: chosen ? 3 : 0.8, color: chosen ? "#000" : "#555" });
    if (chosen) layer.bringToFront();
  }

  // --- Time ----------------------------------------------------------------------------------
  function setupTimeline(data) {
    const slider = el("slider");
    const many = data.dates.length > 1;
    el("timeline").hidden = !many;
    slider.max = String(Math.max(0, data.dates.length - 1));
    state.index = Math.min(state.index, data.dates.length - 1);
    if (!many) stop();
  }

  function goTo(index, fromUser) {
    const last = state.data.dates.length - 1;
    const next = Math.max(0, Math.min(last, index));
    if (next === state.index && state.painted) return;
    state.index = next;
    paint();
    if (fromUser) reportDateSoon();
  }

  function play() {
    if (!state.data || state.data.dates.length < 2) return;
    state.playing = true;
    if (state.index >= state.data.dates.length - 1) goTo(0, false);
    const frameMs = (state.args && state.args.frame_ms) || 600;
    state.timer = setInterval(() => {
      if (state.index >= state.data.dates.length - 1) { stop(true); return; }
      goTo(state.index + 1, false);
    }, frameMs);
    renderPlayButton();
  }

  function stop(report) {
    const was = state.playing;
    state.playing = false;
    clearInterval(state.timer);
    state.timer = null;
    renderPlayButton();
    if (was && report) reportValue("date");
  }

  function renderPlayButton() {
    const labels = (state.args && state.args.labels) || {};
    const button = el("play");
    button.textContent = state.playing ? "❚❚" : "▶";
    button.setAttribute("aria-pressed", state.playing ? "true" : "false");
    button.setAttribute("aria-label", state.playing ? labels.pause || "Pause" : labels.play || "Play");
    button.title = button.getAttribute("aria-label");
  }

  // --- Paint -----------------------------------------------------------------------------------
  function fillFor(paletteEntry) {
    return paletteEntry === HATCH ? "url(#" + HATCH_ID + ")" : paletteEntry;
  }

  function paint() {
    const data = state.data;
    const frame = data.frames[state.index];
    const palette = data.palette;
    for (let i = 0; i < state.layers.length; i++) {
      const layer = state.layers[i];
      if (!layer) continue;
      const entry = palette[parseInt(frame.c[i], 36)];
      layer.setStyle({ fillColor: fillFor(entry) });
      const path = layer.getElement();
      if (path) path.setAttribute("data-percent", frame.p[i] === null ? "" : String(frame.p[i]));
    }
    state.layers.forEach(outline);
    state.painted = true;
    el("slider").value = String(state.index);
    el("slider").setAttribute("aria-valuetext", data.date_labels[state.index]);
    el("date-label").textContent = data.date_labels[state.index];
    el("title").textContent = state.args.title.split("{date}").join(data.date_labels[state.index]);
    el("map").setAttribute("data-date", data.dates[state.index]);
    el("source-line").textContent = sourceLine(frame);
    if (state.hovered !== null) {
      const layer = state.layers[state.hovered];
      if (layer && layer.isTooltipOpen()) layer.setTooltipContent(tooltipFor(state.hovered));
    }
  }

  function sourceLine(frame) {
    const args = state.args;
    const data = state.data;
    if (!frame.s) return args.source_line; // compare mode: the page writes the whole line
    const seen = [];
    for (const code of frame.s) {
      if (code !== "." && seen.indexOf(code) < 0) seen.push(code);
    }
    const names = seen.map((code) => sourceText(data.sources[parseInt(code, 36)]));
    return args.source_line.split("{sources}").join(names.length ? names.join("; ") : args.labels.no_data);
  }

  // --- Chrome: legend, source line, labels ----------------------------------------------------
  function renderChrome(args) {
    const key = JSON.stringify([args.legend, args.legend_title, args.source_line, args.labels]);
    if (key === state.chromeKey) return;
    state.chromeKey = key;
    document.documentElement.lang = args.lang || "en";
    const legend = el("legend");
    legend.textContent = "";
    const heading = document.createElement("span");
    heading.className = "legend-title";
    heading.textContent = args.legend_title;
    legend.appendChild(heading);
    args.legend.forEach(([label, colour]) => {
      const item = document.createElement("span");
      item.className = "legend-item";
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      if (colour === HATCH) {
        swatch.classList.add("hatch");
        swatch.style.background = "repeating-linear-gradient(45deg, " + args.hatch.stroke + " 0 2px, " + args.hatch.base + " 2px 6px)";
      } else {
        swatch.style.background = colour;
      }
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(label));
      legend.appendChild(item);
    });
    el("map").setAttribute("aria-label", args.labels.map_label || "Map");
    el("slider").setAttribute("aria-label", args.labels.date_slider || "Date");
    el("prev").setAttribute("aria-label", args.labels.previous || "Previous date");
    el("next").setAttribute("aria-label", args.labels.next || "Next date");
    renderPlayButton();
  }

  // --- Tooltip: built from text nodes only ------------------------------------------------------
  function formatPercent(value) {
    return (Math.round(value * 10) / 10).toLocaleString(state.args.lang === "uk" ? "uk-UA" : "en-GB") + " %";
  }

  function formatChange(value) {
    const text = (Math.round(value * 10) / 10).toLocaleString(state.args.lang === "uk" ? "uk-UA" : "en-GB");
    return (value > 0 ? "+" : "") + text + " " + (state.args.labels.pp || "pp");
  }

  function line(parent, label, value, className) {
    const row = document.createElement("div");
    if (className) row.className = className;
    if (label) {
      const name = document.createElement("span");
      name.textContent = label + ": ";
      row.appendChild(name);
    }
    const strong = document.createElement("span");
    strong.className = "tip-value";
    strong.textContent = value;
    row.appendChild(strong);
    parent.appendChild(row);
    return row;
  }

  function sourceText(source) {
    const labels = state.args.labels;
    const method = labels[source.method] || source.method;
    return source.name + " (" + method + ")";
  }

  function tooltipFor(index) {
    const args = state.args;
    const labels = args.labels;
    const data = state.data;
    const region = data.regions[index];
    const frame = data.frames[state.index];
    const box = document.createElement("div");
    const primary = args.lang === "uk" ? region.uk : region.en;
    const secondary = args.lang === "uk" ? region.en : region.uk;
    const title = document.createElement("div");
    const name = document.createElement("span");
    name.className = "tip-name";
    name.textContent = primary;
    const alt = document.createElement("span");
    alt.className = "tip-name-alt";
    alt.textContent = " / " + secondary;
    title.appendChild(name);
    title.appendChild(alt);
    box.appendChild(title);

    if (data.mode === "change") {
      const pp = frame.p[index];
      line(box, labels.change, pp === null ? labels.no_data : formatChange(pp));
      const from = frame.f[index], to = frame.t[index];
      line(box, data.date_labels_pair[0], from === null ? labels.no_data : formatPercent(from));
      line(box, data.date_labels_pair[1], to === null ? labels.no_data : formatPercent(to));
      return box;
    }

    const sourceIndex = frame.s[index];
    const hasData = sourceIndex !== ".";
    const percent = frame.p[index];
    const palette = data.palette[parseInt(frame.c[index], 36)];
    let valueText = labels.no_data;
    if (hasData) valueText = percent === null ? (palette === HATCH ? labels.partial : labels.no_data) : formatPercent(percent);
    line(box, labels.percent, valueText);
    if (frame.k && frame.k[index] != null) line(box, labels.contested, formatPercent(frame.k[index]));
    line(box, labels.date, data.date_labels[state.index]);
    if (hasData) {
      const source = data.sources[parseInt(sourceIndex, 36)];
      if (frame.a && frame.a[index] != null) line(box, labels.as_of, frame.a[index]);
      line(box, labels.source, source.name);
      line(box, labels.method, labels[source.method] || source.method);
      // Reported figures keep the reporter's words; computed ones' processing notes live in
      // the table and CSV, not in the way of the map.
      if (source.method === "reported" && frame.n && frame.n[index] != null) {
        line(box, labels.note, frame.n[index]);
      }
    }
    const others = frame.o && frame.o[index];
    if (others && others.length) {
      const block = document.createElement("div");
      block.className = "tip-other";
      const heading = document.createElement("div");
      heading.textContent = labels.other_sources;
      block.appendChild(heading);
      others.forEach(([otherIndex, value, partial]) => {
        const text = value === null ? (partial ? labels.partial : labels.no_data) : formatPercent(value);
        line(block, sourceText(data.sources[otherIndex]), text);
      });
      box.appendChild(block);
    }
    return box;
  }

  send("streamlit:componentReady", { apiVersion: 1 });
})();
