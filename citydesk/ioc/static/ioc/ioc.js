/* Operations center: the ward map (bubbles at ward centres, coloured by the chosen measure; click to
   reach the ward's reports) and the live refresh of every panel without reloading the page. */
(function () {
  "use strict";
  var map = null;
  var layer = null;

  function colour(value, measure) {
    if (value === null || value === undefined) { return "#999999"; }
    if (measure === "n") { return "#0072B2"; }
    if (value >= 90) { return "#009E73"; }
    if (value >= 75) { return "#E69F00"; }
    return "#D55E00";
  }

  function drawMap() {
    var box = document.getElementById("ioc-map");
    var data = document.getElementById("ioc-map-data");
    var picker = document.getElementById("map-measure");
    if (!box || !data || typeof L === "undefined") { return; }
    var rows = JSON.parse(data.textContent);
    var measure = picker ? picker.value : "n";
    if (!map || map.getContainer() !== box) {
      map = L.map(box, { scrollWheelZoom: false, attributionControl: false });
      var tiles = box.dataset.tiles;
      if (tiles) { L.tileLayer(tiles, { maxZoom: 18 }).addTo(map); }
      layer = null;
    }
    if (layer) { layer.remove(); }
    layer = L.layerGroup().addTo(map);
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
  }

  function refresh() {
    var box = document.getElementById("ioc-panels");
    if (!box || document.hidden) { return; }
    var params = new URLSearchParams(window.location.search);
    params.set("partial", "1");
    fetch(window.location.pathname + "?" + params.toString(), { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var open = Array.prototype.map.call(box.querySelectorAll("details"), function (d) { return d.open; });
        var measure = document.getElementById("map-measure");
        var chosen = measure ? measure.value : null;
        if (map) { map.remove(); map = null; }
        box.innerHTML = html;
        box.querySelectorAll("details").forEach(function (d, i) { d.open = !!open[i]; });
        var picker = document.getElementById("map-measure");
        if (picker && chosen) { picker.value = chosen; }
        bind();
        drawMap();
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  function bind() {
    var picker = document.getElementById("map-measure");
    if (picker) { picker.addEventListener("change", drawMap); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    bind();
    drawMap();
    var box = document.getElementById("ioc-panels");
    var seconds = box ? parseInt(box.dataset.refresh || "0", 10) : 0;
    if (seconds > 0) { window.setInterval(refresh, seconds * 1000); }
  });
}());
