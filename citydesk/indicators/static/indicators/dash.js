/* Indicator dashboards: one small map per indicator — a bubble at each unit's centre, sized by its
   value. Tiles only when configured: without them the bubbles still show (and every map has a table). */
(function () {
  "use strict";
  function readJSON(id) {
    var node = document.getElementById(id);
    if (!node) { return {}; }
    try { return JSON.parse(node.textContent); } catch (e) { return {}; }
  }

  /* Zoom buttons titled in the page's language, and no bubble in the Tab order (Leaflet makes a shape
     with a tooltip focusable; the table under the map has the same figures). */
  function localise(map) {
    var texts = readJSON("citydesk-map-texts");
    L.control.zoom({ zoomInTitle: texts.zoom_in || "Zoom in", zoomOutTitle: texts.zoom_out || "Zoom out" }).addTo(map);
    map.on("layeradd", function (e) {
      var node = typeof e.layer.getElement === "function" ? e.layer.getElement() : null;
      if (node && node instanceof SVGElement) { node.setAttribute("tabindex", "-1"); }
    });
  }

  function drawMap(box) {
    var source = document.getElementById(box.dataset.source);
    if (!source || typeof L === "undefined") { return; }
    var rows = JSON.parse(source.textContent).filter(function (r) {
      return r.lat !== null && r.lon !== null && r.value !== null;
    });
    if (!rows.length) { box.hidden = true; return; }
    var map = L.map(box, { scrollWheelZoom: false, attributionControl: false, zoomControl: false });
    localise(map);
    if (box.dataset.tiles) { L.tileLayer(box.dataset.tiles, { maxZoom: 18 }).addTo(map); }
    var top = 0;
    rows.forEach(function (r) { top = Math.max(top, Math.abs(r.value)); });
    top = top || 1;
    var bounds = [];
    rows.forEach(function (r) {
      var marker = L.circleMarker([r.lat, r.lon], {
        radius: 4 + 16 * Math.sqrt(Math.abs(r.value) / top),
        color: "#ffffff", weight: 1, fillOpacity: 0.75, fillColor: "#0072B2"
      });
      marker.bindTooltip(r.name + ": " + r.text);
      marker.addTo(map);
      bounds.push([r.lat, r.lon]);
    });
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 14 });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".ind-map").forEach(drawMap);
  });
}());
