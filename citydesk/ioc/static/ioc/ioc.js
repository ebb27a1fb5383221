/* Operations center: the ward map (bubbles at ward centres, coloured by the chosen measure; click to
   reach the ward's reports) and the live refresh of every panel without reloading the page. */
(function () {
  "use strict";
  var map = null;
  var layer = null;
  var shapes = null;
  var boundaries = {};  // province code -> GeoJSON (fetched once per page)

  function readJSON(id) {
    var node = document.getElementById(id);
    if (!node) { return {}; }
    try { return JSON.parse(node.textContent); } catch (e) { return {}; }
  }

  /* Zoom buttons titled in the page's language, and no shape in the Tab order: Leaflet makes a shape
     with a tooltip focusable, so each ward would be an invisible stop (the table below lists them). */
  function localise(m) {
    var texts = readJSON("citydesk-map-texts");
    L.control.zoom({ zoomInTitle: texts.zoom_in || "Zoom in", zoomOutTitle: texts.zoom_out || "Zoom out" }).addTo(m);
    m.on("layeradd", function (e) {
      var node = typeof e.layer.getElement === "function" ? e.layer.getElement() : null;
      if (node && node instanceof SVGElement) { node.setAttribute("tabindex", "-1"); }
    });
  }

  function loadBoundaries(provinces, done) {
    var missing = provinces.filter(function (p) { return !(p in boundaries); });
    if (!missing.length) { done(); return; }
    Promise.all(missing.map(function (p) {
      return fetch("/phan-anh/ban-do/wards.geojson?province=" + encodeURIComponent(p), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { boundaries[p] = data; })
        .catch(function () { boundaries[p] = null; });
    })).then(done);
  }

  function drawShapes(rows, measure) {
    if (shapes) { shapes.remove(); shapes = null; }
    var byCode = {};
    rows.forEach(function (r) { byCode[r.code] = r; });
    var top = 1;
    rows.forEach(function (r) { top = Math.max(top, r.n); });
    var features = [];
    Object.keys(boundaries).forEach(function (p) {
      var data = boundaries[p];
      if (data && data.features) {
        data.features.forEach(function (f) { if (byCode[f.properties.code]) { features.push(f); } });
      }
    });
    if (!features.length) { return; }
    if (measure === "heat") {
      // Under the heat map's squares, the wards' outlines only (dashed: approximate boundaries), so that
      // the squares are placed without tiles too; not clickable: a click is a square's.
      shapes = L.geoJSON({ type: "FeatureCollection", features: features }, {
        interactive: false,
        style: function (f) {
          return { color: "#555555", weight: 1, fill: false, dashArray: f.properties.approximate ? "3 3" : null };
        }
      }).addTo(map);
      shapes.bringToBack();
      return;
    }
    shapes = L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: function (f) {
        var r = byCode[f.properties.code];
        var value = measure === "n" ? r.n : r[measure];
        var opacity = measure === "n" ? 0.15 + 0.6 * r.n / top : 0.55;
        return { color: "#555555", weight: 0.6, dashArray: f.properties.approximate ? "3 3" : null,
                 fillColor: colour(value, measure), fillOpacity: opacity };
      },
      onEachFeature: function (f, shape) {
        var r = byCode[f.properties.code];
        shape.on("click", function () { window.location.href = r.link; });
      }
    }).addTo(map);
    shapes.bringToBack();
  }

  /* The thresholds of a share's colour come from the map's data attributes (the same figures as the
     key above the map, ioc/panels.py map_legend). */
  var thresholds = { good: 90, fair: 75 };

  function readThresholds(box) {
    var good = parseFloat(box.dataset.good);
    var fair = parseFloat(box.dataset.fair);
    thresholds = { good: isNaN(good) ? 90 : good, fair: isNaN(fair) ? 75 : fair };
  }

  function colour(value, measure) {
    if (value === null || value === undefined) { return "#999999"; }
    if (measure === "n") { return "#0072B2"; }
    if (value >= thresholds.good) { return "#009E73"; }
    if (value >= thresholds.fair) { return "#E69F00"; }
    return "#D55E00";
  }

  /* The key of the chosen measure only, and the note that explains what is drawn (bubbles and areas, or
     the heat map's squares). Without JavaScript both notes show: the page has no map then. */
  function showLegend(measure) {
    var items = document.querySelectorAll("#map-legend [data-measure]");
    Array.prototype.forEach.call(items, function (item) { item.hidden = item.dataset.measure !== measure; });
    var notes = document.querySelectorAll(".map-note [data-note]");
    Array.prototype.forEach.call(notes, function (note) {
      note.hidden = (note.dataset.note === "heat") !== (measure === "heat");
    });
  }

  function heatColour(share) {
    // Light yellow to dark red (sequential, readable in grey too).
    var stops = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
    return stops[Math.min(stops.length - 1, Math.floor(share * stops.length))];
  }

  function drawHeat(heat) {
    // One soft dot per ~275 m square, a few pixels wide whatever the zoom: at city scale the dots merge
    // into a heat map; zoomed in, each square stands alone and opens its reports.
    // heat.cells: [latitude, longitude, reports, square id] of each square's centre, busiest first.
    var cells = heat ? heat.cells : [];
    var top = 1;
    cells.forEach(function (c) { top = Math.max(top, c[2]); });
    var bounds = [];
    for (var i = cells.length - 1; i >= 0; i--) {  // the busiest drawn last, on top
      var c = cells[i];
      var share = Math.sqrt(c[2] / top);
      var centre = [c[0], c[1]];
      var dot = L.circleMarker(centre, {
        radius: 5 + 9 * share, stroke: false, fillOpacity: 0.3 + 0.5 * share, fillColor: heatColour(share)
      });
      dot.bindTooltip(String(c[2]));
      dot.on("click", heatLink(heat, c[3]));
      dot.addTo(layer);
      bounds.push(centre);
    }
    return bounds;
  }

  function heatLink(heat, id) {
    var href = heat.link.replace("cell=" + heat.placeholder, "cell=" + String(id));
    return function () { window.location.href = href; };
  }

  function drawMap() {
    var box = document.getElementById("ioc-map");
    var data = document.getElementById("ioc-map-data");
    var picker = document.getElementById("map-measure");
    if (!box || !data || typeof L === "undefined") { return; }
    var rows = JSON.parse(data.textContent);
    var heat = document.getElementById("ioc-heat-data");
    var measure = picker ? picker.value : "n";
    readThresholds(box);
    showLegend(measure);
    if (!map || map.getContainer() !== box) {
      map = L.map(box, { scrollWheelZoom: false, attributionControl: false, zoomControl: false });
      localise(map);
      var tiles = box.dataset.tiles;
      if (tiles) { L.tileLayer(tiles, { maxZoom: 18 }).addTo(map); }
      layer = null;
    }
    if (layer) { layer.remove(); }
    layer = L.layerGroup().addTo(map);
    if (measure === "heat") {
      if (shapes) { shapes.remove(); shapes = null; }
      var heatBounds = drawHeat(heat ? JSON.parse(heat.textContent) : null);
      if (heatBounds.length) { map.fitBounds(heatBounds, { padding: [10, 10], maxZoom: 15 }); }
      else { map.setView([10.78, 106.70], 11); }
      drawOutlines(rows, "heat");
      return;
    }
    var top = 1;
    rows.forEach(function (r) { top = Math.max(top, r.n); });
    var bounds = [];
    rows.forEach(function (r) {
      var value = measure === "n" ? r.n : r[measure];
      var marker = L.circleMarker([r.lat, r.lon], {
        radius: 4 + 16 * Math.sqrt(r.n / top),
        color: "#ffffff", weight: 1, fillOpacity: 0.75,
        fillColor: colour(value, measure)
      });
      var shown = value === null || value === undefined ? "—" : (measure === "n" ? value : value.toFixed(1) + "%");
      marker.bindTooltip(r.name + ": " + shown);
      marker.on("click", function () { window.location.href = r.link; });
      marker.addTo(layer);
      bounds.push([r.lat, r.lon]);
    });
    if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 14 }); } else { map.setView([10.78, 106.70], 11); }
    // Ward areas coloured by the measure (dashed outline: approximate boundaries), under the bubbles.
    drawOutlines(rows, measure);
  }

  /* The ward areas of the rows' provinces (fetched once), drawn for `measure` when they arrive, unless
     the reader has chosen another measure (or the panels were replaced) in the meantime. */
  function drawOutlines(rows, measure) {
    var provinces = [];
    rows.forEach(function (r) { if (r.province && provinces.indexOf(r.province) < 0) { provinces.push(r.province); } });
    var drawnOn = map;
    loadBoundaries(provinces, function () {
      var picker = document.getElementById("map-measure");
      if (map && map === drawnOn && (!picker || picker.value === measure)) { drawShapes(rows, measure); }
    });
  }

  /* The live refresh. The panels are not a live region (a refresh would queue the whole dashboard for a
     screen reader): the status line says "Updated at HH:MM" instead. The pause button stops it (and is
     remembered for this tab). The keyboard keeps its place: the focused element is found again in the
     new panels and focused, at the same height on the screen. */
  var busy = false;
  var paused = false;
  var PAUSED_KEY = "citydesk.ioc.paused";

  function escaped(value) {
    return window.CSS && CSS.escape ? CSS.escape(value) : value.replace(/["\\]/g, "\\$&");
  }

  function rank(list, node) { return Array.prototype.indexOf.call(list, node); }

  /* Where the focus is inside the panels, in terms that survive the swap: an id; else the nearest
     enclosing element with a data-testid (a panel, a card: the n-th with that testid) and, in it, the
     n-th element of the same tag, link and testid. */
  function focusKey(box) {
    var node = document.activeElement;
    if (!node || node === box || !box.contains(node)) { return null; }
    var key = { top: node.getBoundingClientRect().top };
    if (node.id) { key.id = node.id; return key; }
    var scope = node.parentElement ? node.parentElement.closest("[data-testid]") : null;
    if (!scope || !box.contains(scope)) { scope = box; }
    if (scope !== box) {
      key.scope = scope.getAttribute("data-testid");
      key.scopeRank = rank(box.querySelectorAll('[data-testid="' + escaped(key.scope) + '"]'), scope);
    }
    var selector = node.tagName.toLowerCase();
    var href = node.getAttribute("href");
    if (href !== null) { selector += '[href="' + escaped(href) + '"]'; }
    var testid = node.getAttribute("data-testid");
    if (testid !== null) { selector += '[data-testid="' + escaped(testid) + '"]'; }
    key.selector = selector;
    key.rank = rank(scope.querySelectorAll(selector), node);
    return key;
  }

  function restoreFocus(box, key) {
    if (!key) { return; }
    var scope = box;
    var node = null;
    if (key.id) {
      node = document.getElementById(key.id);
    } else {
      if (key.scope) {
        scope = box.querySelectorAll('[data-testid="' + escaped(key.scope) + '"]')[key.scopeRank] || box;
      }
      var same = scope.querySelectorAll(key.selector);
      node = same[Math.min(key.rank, same.length - 1)] || null;
    }
    if (node && box.contains(node)) {
      node.focus({ preventScroll: true });
      if (document.activeElement === node) {
        var moved = node.getBoundingClientRect().top - key.top;
        if (moved) { window.scrollBy(0, moved); }
        return;
      }
    }
    // Gone from the new panels (a unit no longer listed): its panel, so the next Tab continues there.
    if (!scope.hasAttribute("tabindex")) { scope.setAttribute("tabindex", "-1"); }
    scope.focus();
  }

  function announce(box) {
    var status = document.getElementById("ioc-status");
    var stamp = box.querySelector("[data-time]");
    if (!status || !stamp) { return; }
    status.textContent = (status.dataset.template || "{time}").replace("{time}", stamp.dataset.time);
  }

  /* The session ended (the panels' address answered with the log-in page): the old panels stay, and a
     message says so, with a link to log in that comes back to this view. The texts come from the page
     (data attributes of #ioc-session: the script has no translations). The next refresh that gets the
     panels hides it again (logged in again in another tab). */
  function sessionEnded(ended) {
    var note = document.getElementById("ioc-session");
    if (!note) { return; }
    if (!ended) { note.hidden = true; return; }
    if (!note.hidden) { return; }
    note.textContent = "";
    note.appendChild(document.createTextNode((note.dataset.message || "") + " "));
    var link = document.createElement("a");
    link.href = (note.dataset.loginUrl || "") + "?next=" +
      encodeURIComponent(window.location.pathname + window.location.search);
    link.textContent = note.dataset.linkText || "";
    note.appendChild(link);
    note.hidden = false;
  }

  /* Panels, or null: an error, a redirect (fetch follows it: the log-in page answers 200), or a page that
     is not the panels. */
  function panelsOf(response) {
    var note = document.getElementById("ioc-session");
    var loginUrl = note ? note.dataset.loginUrl : "";
    if (response.redirected || (loginUrl && (response.url || "").indexOf(loginUrl) >= 0)) {
      sessionEnded(true);
      return null;
    }
    if (!response.ok) { return null; }
    return response.text().then(function (html) {
      if (html.indexOf('data-testid="cards"') < 0 || /<html[\s>]/i.test(html)) {
        if (/name="password"/.test(html)) { sessionEnded(true); }
        return null;
      }
      sessionEnded(false);
      return html;
    });
  }

  function refresh() {
    var box = document.getElementById("ioc-panels");
    if (!box || document.hidden || paused || busy) { return; }
    var params = new URLSearchParams(window.location.search);
    params.set("partial", "1");
    busy = true;
    fetch(window.location.pathname + "?" + params.toString(), { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(panelsOf)
      .then(function (html) {
        busy = false;
        if (html === null || paused) { return; }
        var open = Array.prototype.map.call(box.querySelectorAll("details"), function (d) { return d.open; });
        var measure = document.getElementById("map-measure");
        var chosen = measure ? measure.value : null;
        var focused = focusKey(box);
        if (map) { map.remove(); map = null; shapes = null; }
        box.innerHTML = html;
        box.querySelectorAll("details").forEach(function (d, i) { d.open = !!open[i]; });
        var picker = document.getElementById("map-measure");
        if (picker && chosen) { picker.value = chosen; }
        bind();
        drawMap();
        restoreFocus(box, focused);
        announce(box);
        box.dispatchEvent(new CustomEvent("ioc:refreshed"));
      })
      .catch(function () { busy = false; /* offline for a moment: the next tick tries again */ });
  }

  function setPaused(button, value) {
    paused = value;
    button.setAttribute("aria-pressed", value ? "true" : "false");
    try {
      if (value) { window.sessionStorage.setItem(PAUSED_KEY, "1"); } else { window.sessionStorage.removeItem(PAUSED_KEY); }
    } catch (e) { /* storage refused: the choice lasts for this page */ }
  }

  function startRefresh() {
    var box = document.getElementById("ioc-panels");
    var seconds = box ? parseInt(box.dataset.refresh || "0", 10) : 0;
    if (!(seconds > 0)) { return; }
    var live = document.querySelector(".ioc-live");
    var button = document.getElementById("ioc-pause");
    if (live && button) {
      live.hidden = false;
      var remembered = false;
      try { remembered = window.sessionStorage.getItem(PAUSED_KEY) === "1"; } catch (e) { remembered = false; }
      setPaused(button, remembered);
      button.addEventListener("click", function () {
        setPaused(button, !paused);
        if (!paused) { refresh(); }  // resumed: the figures may be minutes old
      });
    }
    window.setInterval(refresh, seconds * 1000);
  }

  function bind() {
    var picker = document.getElementById("map-measure");
    if (picker) { picker.addEventListener("change", drawMap); }
  }

  /* The period is a preset or two dates, never both: choosing a preset clears the dates, typing a date
     sets the preset to "dates below" (the server applies the same rule: dates given win). */
  function bindPeriod() {
    var preset = document.getElementById("f-period");
    var start = document.getElementById("f-start");
    var end = document.getElementById("f-end");
    if (!preset || !start || !end) { return; }
    preset.addEventListener("change", function () {
      if (preset.value) { start.value = ""; end.value = ""; }
    });
    [start, end].forEach(function (input) {
      input.addEventListener("change", function () { if (input.value) { preset.value = ""; } });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    bindPeriod();
    bind();
    drawMap();
    startRefresh();
  });
}());
