/* CityDesk: the map of the public reports (/phan-anh/). Progressive enhancement only: the list under the
 * map has every report of the page, and without this script (or without Leaflet) the map's box says so.
 *
 * - the page's reports (#public-map-points, written by the server) as markers large enough to tap
 *   (32 px), each a button in the Tab order named by its code and category; picking one opens a popup
 *   with its code, category and status and a link to its tracking page;
 * - the province's ward outlines from CityDesk's own GeoJSON (no tile server, nothing from another host);
 * - one finger scrolls the page on a touch screen: the map is not dragged with one finger (two fingers
 *   move and zoom it), nor zoomed by a mouse wheel passing over it; the arrow keys and the +/- buttons
 *   still move and zoom it.
 * Texts come from the page, already translated by the server.
 */
(function () {
  "use strict";

  function readJSON(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /* A touch screen: one finger is the page's scroll, not the map's. */
  function touchScreen() {
    var coarse = !!(window.matchMedia && window.matchMedia("(pointer: coarse)").matches);
    return coarse || !!(window.L && L.Browser && L.Browser.mobile);
  }

  /* Leaflet makes every shape with a tooltip focusable: the ward layer would put hundreds of invisible
     stops in the Tab order (as reports.js keeps them out). */
  function keepShapesOutOfTabOrder(map) {
    map.on("layeradd", function (e) {
      var node = typeof e.layer.getElement === "function" ? e.layer.getElement() : null;
      if (node && node instanceof SVGElement) node.setAttribute("tabindex", "-1");
    });
  }

  function popupFor(point, seeText) {
    var box = el("div", "public-popup");
    box.appendChild(el("strong", "", point.code));
    box.appendChild(el("span", "", point.category));
    box.appendChild(el("span", "hint", point.status));
    var link = el("a", "", seeText || point.code);
    link.href = point.url;
    link.setAttribute("data-testid", "popup-link");
    if (seeText) link.appendChild(el("span", "visually-hidden", " " + point.code));
    box.appendChild(link);
    return box;
  }

  function loadWards(map, container) {
    var province = container.dataset.province;
    var url = container.dataset.wardsUrl;
    if (!province || !url || !window.fetch) return;
    var approx = container.dataset.approx || "";
    fetch(url + "?province=" + encodeURIComponent(province), {
      headers: { Accept: "application/geo+json, application/json" },
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var layer = L.geoJSON(data, {
          style: function () {
            return { color: "#0b4f8a", weight: 1, opacity: 0.7, fillColor: "#0b4f8a", fillOpacity: 0.04 };
          },
          onEachFeature: function (feature, shape) {
            var p = feature.properties || {};
            shape.bindTooltip(p.name + (p.approximate && approx ? " (" + approx + ")" : ""), {
              sticky: true, className: "ward-label",
            });
          },
        }).addTo(map);
        layer.bringToBack();
      })
      .catch(function () { /* the map and its markers stay usable without the ward layer */ });
  }

  function start() {
    var container = document.getElementById("public-map");
    if (!container || !window.L) return;
    var points = readJSON("public-map-points");
    if (!Array.isArray(points) || !points.length) return;
    var texts = readJSON("citydesk-map-texts") || {};
    var touch = touchScreen();
    container.textContent = "";
    var map = L.map(container, {
      attributionControl: false,
      zoomControl: false,
      keyboard: true,
      zoomSnap: 0.5,
      dragging: !touch,
      scrollWheelZoom: false,
    });
    container.setAttribute("data-one-finger", touch ? "page" : "map");
    keepShapesOutOfTabOrder(map);
    L.control.zoom({ zoomInTitle: texts.zoom_in || "Zoom in", zoomOutTitle: texts.zoom_out || "Zoom out" }).addTo(map);
    L.control.attribution({ prefix: "Leaflet" }).addTo(map);
    if (container.dataset.tiles) L.tileLayer(container.dataset.tiles, { maxZoom: 19 }).addTo(map);
    // The view first: Leaflet draws a marker (and makes its element) only on a map that has one.
    var bounds = points.map(function (p) { return [p.lat, p.lon]; });
    if (bounds.length === 1) map.setView(bounds[0], 15);
    else map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    points.forEach(function (p) {
      var name = p.code + " · " + p.category;
      var marker = L.marker([p.lat, p.lon], {
        icon: L.divIcon({
          className: "public-marker" + (p.done ? " public-marker-done" : ""),
          iconSize: [32, 32],
          iconAnchor: [16, 16],
          popupAnchor: [0, -14],
        }),
        title: name,
        keyboard: true,
        riseOnHover: true,
      }).addTo(map);
      var icon = marker.getElement();
      if (icon) {
        icon.setAttribute("aria-label", name + " · " + p.status);
        icon.setAttribute("data-code", p.code);
      }
      marker.bindPopup(popupFor(p, container.dataset.see));
    });
    // Opened from the keyboard (Enter on a marker): the popup's link is the next step, not the next marker.
    map.on("popupopen", function (e) {
      var link = e.popup.getElement() ? e.popup.getElement().querySelector("a[data-testid=popup-link]") : null;
      if (link && container.contains(document.activeElement)) link.focus({ preventScroll: true });
    });
    loadWards(map, container);
    container.classList.add("map-ready");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
