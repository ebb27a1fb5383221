/* Indicator dashboards: one small map per indicator — a bubble at each unit's centre, sized by its
   value. Tiles only when configured: without them the bubbles still show (and every map has a table). */
(function () {
  "use strict";
  function drawMap(box) {
    var source = document.getElementById(box.dataset.source);
    if (!source || typeof L === "undefined") { return; }
    var rows = JSON.parse(source.textContent).filter(function (r) {
      return r.lat !== null && r.lon !== null && r.value !== null;
    });
    if (!rows.length) { box.hidden = true; return; }
    var map = L.map(box, { scrollWheelZoom: false, attributionControl: false });
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
