/* CityDesk 1022 pages: progressive enhancement only. Every page works without this script.
 *
 * - report form: show the chosen category's questions, commune/ward suggestions refilled from /api/v1/units,
 *   the map to pick a point (mouse or keyboard), "Is it one of these?" before sending;
 * - maps: Leaflet with the province's ward polygons (GeoJSON served by CityDesk; no tile server needed);
 * - hotline: wards per province, the saved code announced and in view, routing suggestions while typing,
 *   "next call"; the caller's-answer page focuses its "recorded" message;
 * - tracking page: the reopen box only for "unsatisfied"; queue: select all.
 * Texts come from the page (json_script), already translated by the server.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return {};
    try { return JSON.parse(el.textContent); } catch (e) { return {}; }
  }

  function fmt(text, values) {
    // Django-style "%(name)s" placeholders; "%%" is a literal percent sign.
    return String(text || "").replace(/%\((\w+)\)s|%%/g, function (match, key) {
      if (match === "%%") return "%";
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function byLabel(a, b) {
    return a.label.localeCompare(b.label, "vi") || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
  }

  /* The division words a commune/ward's name starts with, longest first (as wards.py). */
  var WARD_WORDS = ["đặc khu", "thị trấn", "phường", "xã"];

  /* Lower-case, without accents ("Phường Bến Thành" → "phuong ben thanh"), as citydesk.lib.text.search_key. */
  function searchKey(text) {
    return String(text || "").toLowerCase().replace(/đ/g, "d").normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "").replace(/\s+/g, " ").trim();
  }

  /* "Phường Bến Thành" → "Bến Thành (phường)", or "Bến Thành (ward)" on an English page (the page gives the
     words, #ward-words): the proper name first, as the server's list (wards.py). */
  function wardLabel(unit, words) {
    var name = unit.name || "";
    var lowered = name.toLowerCase();
    var kinds = (unit.division_type ? [unit.division_type.toLowerCase()] : []).concat(WARD_WORDS);
    for (var i = 0; i < kinds.length; i++) {
      var word = kinds[i];
      if (word && lowered.indexOf(word + " ") === 0 && name.length > word.length + 1) {
        return name.slice(word.length + 1).trim() + " " + ((words || {})[word] || "(" + word + ")");
      }
    }
    return name;
  }

  /* Commune/ward options of a province from the public units API, in Vietnamese order of their labels. */
  function fetchWards(unitsUrl, province, words) {
    var query = new URLSearchParams({ province: province, level: "ward", limit: "1000" });
    return fetch(unitsUrl + "?" + query.toString(), { headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("units " + r.status);
        return r.json();
      })
      .then(function (data) {
        return (data.items || []).map(function (unit) {
          var label = wardLabel(unit, words);
          return { code: unit.code, name: unit.name, label: label, search: searchKey(label) + " · " + unit.code };
        }).sort(byLabel);
      });
  }

  /* The ward field's suggestions (a <datalist>, as the server renders it): the label is what a pick puts
     in the field; the search text (no accents, the code) lets unaccented typing find it. */
  function fillWardList(list, items) {
    while (list.firstChild) list.removeChild(list.firstChild);
    items.forEach(function (unit) {
      list.appendChild(el("option", { value: unit.label, label: unit.search, "data-code": unit.code }));
    });
  }

  /* The code of the ward typed in the field, when the list names exactly one (else ""; the server still
     resolves the text, and says when it is ambiguous). */
  function wardCodeOf(input, list) {
    var text = (input.value || "").trim();
    if (!text || !list) return "";
    if (/^\d+$/.test(text)) return text;
    var key = searchKey(text);
    var found = [];
    Array.prototype.forEach.call(list.options, function (option) {
      var label = searchKey(option.value);
      var name = searchKey(option.value.replace(/\s*\([^()]*\)\s*$/, ""));
      if (option.value === text || label === key || name === key || key.slice(-name.length - 1) === " " + name) {
        found.push(option.getAttribute("data-code"));
      }
    });
    return found.length === 1 ? found[0] : "";
  }

  function wardLabelOf(list, code) {
    var option = list ? list.querySelector("option[data-code='" + code + "']") : null;
    return option ? option.value : "";
  }

  /* ---- Maps ------------------------------------------------------------------------------------ */

  /* The map is one stop of the Tab order (arrows pan it, + and − zoom), then its two zoom buttons,
     titled in the page's language. Leaflet makes every shape with a tooltip focusable (Chromium focuses
     SVG elements with focus listeners): a ward layer would put hundreds of invisible stops in the way. */
  function keepShapesOutOfTabOrder(map) {
    map.on("layeradd", function (e) {
      var node = typeof e.layer.getElement === "function" ? e.layer.getElement() : null;
      if (node && node instanceof SVGElement) node.setAttribute("tabindex", "-1");
    });
  }

  function addZoomControl(map) {
    var texts = readJSON("citydesk-map-texts");
    L.control.zoom({
      zoomInTitle: texts.zoom_in || "Zoom in",
      zoomOutTitle: texts.zoom_out || "Zoom out",
    }).addTo(map);
  }

  /* A phone or a tablet (its main pointer a finger): one finger scrolls the page, two move and zoom the map
     (Leaflet's pinch pans too), a tap still puts the point. The map is half the screen: dragged with one
     finger it kept the page from scrolling. A mouse (even on a touch laptop) drags as before. */
  function touchFirst() {
    return !!(window.matchMedia && window.matchMedia("(pointer: coarse)").matches);
  }

  /* The hint "Use two fingers to move the map", shown on a touch screen: the page's own line above the
     map (data-touch-hint names it), else one made from the map texts every page carries. */
  function showTouchHint(container) {
    var hint = container.dataset.touchHint ? document.getElementById(container.dataset.touchHint) : null;
    if (!hint) {
      var text = readJSON("citydesk-map-texts").two_fingers;
      if (!text) return;
      hint = el("p", { className: "hint map-touch-hint", id: (container.id || "map") + "-touch-hint" }, text);
      var anchor = container.closest(".map-wrap") || container;
      anchor.parentNode.insertBefore(hint, anchor);
    }
    hint.hidden = false;
    var described = (container.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    if (described.indexOf(hint.id) < 0) container.setAttribute("aria-describedby", described.concat(hint.id).join(" "));
  }

  /* A tooltip kept inside its map: Leaflet puts a sticky one left or right of the finger, and a long ward
     name near the edge was cut off ("g Tân Định (gần đúng)"). Moved in, it loses its little arrow. */
  var InsideTooltip = window.L ? L.Tooltip.extend({
    _setPosition: function (pos) {
      L.Tooltip.prototype._setPosition.call(this, pos);
      var map = this._map;
      var node = this._container;
      if (!map || !node) return;
      // Where it is drawn (Leaflet's margins for the arrow included), against the map's box.
      var box = map.getContainer().getBoundingClientRect();
      var tip = node.getBoundingClientRect();
      var pad = 4;
      var dx = 0;
      var dy = 0;
      if (tip.right > box.right - pad) dx = box.right - pad - tip.right;
      if (tip.left + dx < box.left + pad) dx = box.left + pad - tip.left;
      if (dx) {
        // Moved sideways it would cover the point put by the tap: above it then, or below near the top.
        var gap = tip.height / 2 + 14;
        dy = tip.top - gap < box.top + pad ? gap : -gap;
      }
      if (tip.bottom + dy > box.bottom - pad) dy = box.bottom - pad - tip.bottom;
      if (tip.top + dy < box.top + pad) dy = box.top + pad - tip.top;
      node.classList.toggle("tooltip-moved-in", !!(dx || dy));
      if (dx || dy) L.DomUtil.setPosition(node, L.DomUtil.getPosition(node).add(L.point(dx, dy)));
    },
  }) : null;

  function insideTooltip(content, options) {
    return new InsideTooltip(options).setContent(content);
  }

  function initMap(container) {
    if (!window.L) return null;
    container.textContent = "";
    var touch = touchFirst();
    var map = L.map(container, {
      attributionControl: false, zoomControl: false, keyboard: true, zoomSnap: 0.5,
      dragging: !touch, touchZoom: true,
    });
    if (touch) {
      container.classList.add("map-two-fingers");
      showTouchHint(container);
    }
    keepShapesOutOfTabOrder(map);
    addZoomControl(map);
    L.control.attribution({ prefix: "Leaflet" }).addTo(map);
    if (container.dataset.tiles) {
      L.tileLayer(container.dataset.tiles, { maxZoom: 19 }).addTo(map);
    }
    var lat = parseFloat(container.dataset.lat);
    var lon = parseFloat(container.dataset.lon);
    if (isFinite(lat) && isFinite(lon)) map.setView([lat, lon], container.dataset.marker ? 15 : 12);
    else map.setView([10.7769, 106.7009], 11);
    var approx = container.dataset.approx || "";
    var state = { map: map, wards: null, province: null };
    state.loadWards = function (province, fit) {
      if (!province || !container.dataset.wardsUrl) return Promise.resolve();
      state.province = province;
      var url = container.dataset.wardsUrl + "?province=" + encodeURIComponent(province);
      return fetch(url, { headers: { Accept: "application/geo+json, application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || state.province !== province) return;
          if (state.wards) map.removeLayer(state.wards);
          state.wards = L.geoJSON(data, {
            style: function () {
              return { color: "#0b4f8a", weight: 1, opacity: 0.7, fillColor: "#0b4f8a", fillOpacity: 0.04 };
            },
            onEachFeature: function (feature, layer) {
              var p = feature.properties || {};
              var label = p.name + (p.approximate && approx ? " (" + approx + ")" : "");
              layer.bindTooltip(insideTooltip(label, { sticky: true, className: "ward-label" }));
            },
          }).addTo(map);
          state.wards.bringToBack();
          if (fit && state.wards.getLayers().length) map.fitBounds(state.wards.getBounds());
        })
        .catch(function () { /* the map stays usable without the ward layer */ });
    };
    return state;
  }

  /* ---- Photos: checked against the server's limit before sending -------------------------------- */

  /* A phone photo is often larger than the server takes (CITYDESK_MAX_ATTACHMENT_MB, given by the page as
     data-max-mb): sent whole it went up for a minute, then came back refused. A photo over the limit is
     made smaller here (long side 2,560 px, JPEG; the server re-encodes every image and strips its EXIF data
     anyway); any other file over it is named beside the field and taken out of the selection, not sent. The
     others keep their order and names. Without this script (or DataTransfer), the server's check stays. */
  var PHOTO_TYPES = /^image\/(jpeg|png|webp)$/;
  var PHOTO_NAMES = /\.(jpe?g|png|webp)$/i;
  var PHOTO_STEPS = [[2560, 0.85], [2048, 0.8], [1600, 0.75]];  // long side in px, JPEG quality

  function canReplaceFiles() {
    try { return typeof DataTransfer === "function" && !!new DataTransfer().items; } catch (e) { return false; }
  }

  function decodeImage(file) {
    // createImageBitmap reads a File without an object URL (the CSP allows no blob: image).
    function plain() {
      if (window.createImageBitmap) return createImageBitmap(file).catch(readAsImage);
      return readAsImage();
    }
    function readAsImage() {
      return new Promise(function (resolve, reject) {
        var reader = new FileReader();
        reader.onerror = function () { reject(new Error("read")); };
        reader.onload = function () {
          var image = new Image();
          image.onload = function () { resolve(image); };
          image.onerror = function () { reject(new Error("decode")); };
          image.src = reader.result;  // a data: URL
        };
        reader.readAsDataURL(file);
      });
    }
    if (!window.createImageBitmap) return plain();
    try {
      return createImageBitmap(file, { imageOrientation: "from-image" }).catch(plain);  // upright, as taken
    } catch (e) {
      return plain();
    }
  }

  function jpegName(name) {
    if (/\.jpe?g$/i.test(name)) return name;
    return /\.[^./]+$/.test(name) ? name.replace(/\.[^./]+$/, ".jpg") : name + ".jpg";
  }

  function shrinkPhoto(file, limit) {
    return decodeImage(file).then(function (image) {
      var width = image.width;
      var height = image.height;
      function attempt(step) {
        var scale = Math.min(1, step[0] / Math.max(width, height, 1));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(width * scale));
        canvas.height = Math.max(1, Math.round(height * scale));
        var context = canvas.getContext("2d");
        context.fillStyle = "#fff";  // a transparent PNG: white, not black, behind it
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", step[1]); });
      }
      function next(i) {
        if (i >= PHOTO_STEPS.length) return Promise.reject(new Error("still too large"));
        return attempt(PHOTO_STEPS[i]).then(function (blob) {
          return blob && blob.size <= limit ? blob : next(i + 1);
        });
      }
      function done() { if (image.close) image.close(); }
      return next(0).then(function (blob) {
        done();
        return new File([blob], jpegName(file.name), { type: "image/jpeg", lastModified: file.lastModified });
      }, function (error) { done(); throw error; });
    });
  }

  function initPhotoCheck(input) {
    var state = { pending: null, ready: function () { return Promise.resolve(state.pending); } };
    var box = input ? document.getElementById(input.dataset.checkBox || "") : null;
    var maxMb = input ? parseFloat(input.dataset.maxMb) : 0;
    if (!box || !(maxMb > 0)) return state;
    var limit = maxMb * 1024 * 1024;
    var replacing = false;
    function describe(on) {
      var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
        return id && id !== box.id;
      });
      if (on) ids.push(box.id);
      if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
      else input.removeAttribute("aria-describedby");
    }
    function show(notes) {
      box.textContent = "";
      notes.forEach(function (note) {
        if (!note) return;
        var line = el("p", { className: note.refused ? "field-error" : "hint photo-shrunk" });
        line.appendChild(el("strong", {}, note.name));
        line.appendChild(document.createTextNode(": " + note.text));
        box.appendChild(line);
      });
      describe(!!box.firstChild);
    }
    input.addEventListener("change", function () {
      if (replacing) return;
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.some(function (file) { return file.size > limit; })) { show([]); return; }
      var replace = canReplaceFiles();
      var notes = [];
      box.textContent = "";
      box.appendChild(el("p", { className: "hint" }, input.dataset.shrinking || ""));
      var work = Promise.all(files.map(function (file, i) {
        if (file.size <= limit) return file;
        var refused = { name: file.name, text: input.dataset.tooLarge || "", refused: true };
        if (!replace || !(PHOTO_TYPES.test(file.type) || (!file.type && PHOTO_NAMES.test(file.name)))) {
          notes[i] = refused;
          return replace ? null : file;
        }
        return shrinkPhoto(file, limit).then(function (small) {
          notes[i] = { name: file.name, text: input.dataset.shrunk || "" };
          return small;
        }, function () {
          notes[i] = refused;
          return null;
        });
      })).then(function (chosen) {
        if (replace) {
          var transfer = new DataTransfer();
          chosen.forEach(function (file) { if (file) transfer.items.add(file); });
          replacing = true;
          try {
            input.files = transfer.files;
            input.dispatchEvent(new Event("change", { bubbles: true }));  // the field's names (files.js)
          } finally {
            replacing = false;
          }
        }
        show(notes);
      });
      state.pending = work;
      work.then(function () { if (state.pending === work) state.pending = null; });
    });
    return state;
  }

  /* ---- Citizen report form --------------------------------------------------------------------- */

  /* After a refused send, a field's message goes once the citizen changes that field: the message under
     it, its mark on the field, and its line in the list of problems at the top (the list goes with its
     last line). The server checks everything again on the next send. */
  function clearFieldError(form, name) {
    var message = document.getElementById("err-" + name);
    if (!message || !form.contains(message)) return;
    message.parentNode.removeChild(message);
    form.querySelectorAll("[aria-invalid=true]").forEach(function (input) {
      var described = (input.getAttribute("aria-describedby") || "").split(/\s+/);
      if (described.indexOf("err-" + name) < 0) return;
      input.removeAttribute("aria-invalid");
      var rest = described.filter(function (id) { return id && id !== "err-" + name; });
      if (rest.length) input.setAttribute("aria-describedby", rest.join(" "));
      else input.removeAttribute("aria-describedby");
    });
    var summary = document.getElementById("error-summary");
    if (!summary) return;
    var removed = 0;
    summary.querySelectorAll("a[href='#field-" + name + "']").forEach(function (link) {
      var item = link.closest("li");
      if (item) { item.parentNode.removeChild(item); removed += 1; }
    });
    if (removed && !summary.querySelector("li")) summary.parentNode.removeChild(summary);
  }

  function clearErrorsOnChange(form) {
    function changed(e) {
      var input = e.target;
      if (!input || !input.name) return;
      var name = input.name;
      if (name === "lon" || name === "lat") name = "location";
      clearFieldError(form, name);
      // The category's own questions: a missing answer is said under the category too.
      if (name.indexOf("a_") === 0) clearFieldError(form, "category");
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
  }

  function initReportForm(form) {
    var cfg = readJSON("report-form-config");
    var category = form.querySelector("#id_category");
    var description = form.querySelector("#id_description");
    var province = form.querySelector("#id_province");
    var wardInput = form.querySelector("#id_ward");
    var lonInput = form.querySelector("#id_lon");
    var latInput = form.querySelector("#id_lat");
    var pointStatus = form.querySelector("#point-status");
    var clearButton = form.querySelector("#clear-point");
    var submitButton = form.querySelector("#submit-report");
    var dupBox = form.querySelector("#duplicates");
    var duplicatesChecked = false;
    clearErrorsOnChange(form);
    // Large photos are made smaller first: a send waits for them (this listener comes before the others).
    var photoCheck = initPhotoCheck(form.querySelector("#id_photos"));
    form.addEventListener("submit", function (e) {
      if (!photoCheck.pending) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      var submitter = e.submitter && e.submitter.form === form ? e.submitter : null;
      photoCheck.ready().then(function () {
        if (form.requestSubmit) form.requestSubmit(submitter || undefined);
        else form.submit();
      });
    });
    function pointChanged() {
      // A point put or removed by the script fires no event: its messages go here. A point is a place:
      // "give the place" (said under the address) goes too, when no address was typed.
      clearFieldError(form, "location");
      if (lonInput.value && !((form.querySelector("#id_address") || {}).value || "").trim()) {
        clearFieldError(form, "address");
      }
    }

    // Category questions: only the chosen category's, the others disabled (not sent).
    var groups = Array.prototype.slice.call(form.querySelectorAll(".question-group"));
    var questions = form.querySelector("#questions");
    function showQuestions() {
      var any = false;
      groups.forEach(function (group) {
        var on = group.dataset.category === category.value;
        any = any || on;
        group.hidden = !on;
        group.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !on; });
      });
      if (questions) questions.hidden = !any;
    }
    category.addEventListener("change", function () { showQuestions(); duplicatesChecked = false; });
    showQuestions();

    // Commune/ward: a text field with suggestions (accents optional), refilled for the chosen province.
    // Not a <select>: its type-ahead is accent-sensitive and would pick another ward without a word.
    var wardList = document.getElementById("ward-list");
    var wardWords = readJSON("ward-words");
    function loadWards(code) {
      if (!wardList) return Promise.resolve();
      return fetchWards(form.dataset.unitsUrl, province.value, wardWords).then(function (items) {
        fillWardList(wardList, items);
        if (code) wardInput.value = wardLabelOf(wardList, code) || wardInput.value;
      }).catch(function () { /* keep the list the server gave */ });
    }

    // Map: click, or Enter on the focused map, puts the point.
    var mapEl = document.getElementById("report-map");
    var mapState = mapEl ? initMap(mapEl) : null;
    var marker = null;
    function showPoint(lat, lon) {
      var latlng = L.latLng(lat, lon);
      if (!marker) {
        marker = L.circleMarker(latlng, { radius: 9, color: "#c8102e", weight: 3, fillColor: "#c8102e", fillOpacity: 0.5 });
        marker.addTo(mapState.map);
      } else {
        marker.setLatLng(latlng);
      }
      pointStatus.textContent = fmt(cfg.chosen_point, { lat: lat, lon: lon });
      clearButton.hidden = false;
    }
    function setPoint(latlng) {
      var lat = Math.round(latlng.lat * 1e6) / 1e6;
      var lon = Math.round(latlng.lng * 1e6) / 1e6;
      latInput.value = String(lat);
      lonInput.value = String(lon);
      duplicatesChecked = false;
      pointChanged();
      showPoint(lat, lon);
      var query = new URLSearchParams({ lon: String(lon), lat: String(lat) });
      fetch(form.dataset.locateUrl + "?" + query.toString())
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (unit) {
          if (!unit || latInput.value !== String(lat)) return;
          pointStatus.textContent = fmt(cfg.chosen_point, { lat: lat, lon: lon }) + " — " + fmt(cfg.in_unit, { name: unit.name });
          if (unit.province_code && unit.province_code !== province.value) {
            province.value = unit.province_code;
            wardInput.value = unit.name;
            clearFieldError(form, "province");
            clearFieldError(form, "ward");
            loadWards(unit.code);
            mapState.loadWards(unit.province_code, false);
          } else {
            wardInput.value = wardLabelOf(wardList, unit.code) || unit.name;
            clearFieldError(form, "ward");
          }
        })
        .catch(function () {});
    }
    if (mapState) {
      var lat0 = parseFloat(latInput.value);
      var lon0 = parseFloat(lonInput.value);
      if (isFinite(lat0) && isFinite(lon0)) {
        mapState.map.setView([lat0, lon0], 15);
        showPoint(lat0, lon0);
        mapState.loadWards(province.value, false);
      } else {
        mapState.loadWards(province.value, false);
      }
      mapState.map.on("click", function (e) { setPoint(e.latlng); });
      mapEl.addEventListener("keydown", function (e) {
        if ((e.key === "Enter" || e.key === " ") && e.target === mapEl) {
          e.preventDefault();
          setPoint(mapState.map.getCenter());
        }
      });
      // On a phone, the place where the citizen stands: the browser asks them first (https or localhost).
      var hereButton = form.querySelector("#use-my-location");
      if (hereButton && navigator.geolocation) {
        hereButton.hidden = false;
        hereButton.addEventListener("click", function () {
          pointStatus.textContent = cfg.locating || "";
          hereButton.disabled = true;
          navigator.geolocation.getCurrentPosition(function (position) {
            hereButton.disabled = false;
            var here = L.latLng(position.coords.latitude, position.coords.longitude);
            mapState.map.setView(here, 17);
            setPoint(here);
          }, function () {
            hereButton.disabled = false;
            pointStatus.textContent = cfg.locate_failed || "";
          }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
        });
      }
      clearButton.addEventListener("click", function () {
        if (marker) { mapState.map.removeLayer(marker); marker = null; }
        lonInput.value = "";
        latInput.value = "";
        pointStatus.textContent = cfg.no_point || "";
        pointChanged();
        clearButton.hidden = true;
        mapEl.focus();
      });
    }
    province.addEventListener("change", function () {
      loadWards("");
      if (mapState) mapState.loadWards(province.value, true);
    });
    description.addEventListener("change", function () { duplicatesChecked = false; });
    window.addEventListener("pageshow", function () { submitButton.disabled = false; });

    // "Is it one of these?": open reports of the same category near the point, before sending.
    function sendForm() {
      duplicatesChecked = true;
      submitButton.disabled = true;
      photoCheck.ready().then(function () { form.submit(); });
    }
    function followInstead(code, button, message) {
      var email = form.querySelector("#id_contact_email");
      var phone = form.querySelector("#id_contact_phone");
      if (!email.value.trim() && !phone.value.trim()) {
        message.className = "field-error";
        message.textContent = cfg.dup_need_contact;
        email.focus();
        return;
      }
      button.disabled = true;
      fetch(form.dataset.followUrl.replace("CODE", encodeURIComponent(code)), {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(form), Accept: "application/json" },
        // One address to confirm: the e-mail when both are given (the API refuses both at once).
        body: JSON.stringify(email.value.trim() ? { email: email.value.trim() } : { phone: phone.value.trim() }),
      })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (result) {
          if (result.ok) {
            message.className = "success";
            // The server says what happened: followed (201/200), or a code sent to confirm (202).
            message.textContent = ((result.body && result.body.detail) || fmt(cfg.dup_followed, { code: code })) + " ";
            message.appendChild(el("a", { href: form.dataset.trackUrl.replace("CODE", encodeURIComponent(code)) }, cfg.dup_see));
            dupBox.querySelectorAll("button[data-follow]").forEach(function (b) { b.disabled = true; });
          } else {
            button.disabled = false;
            message.className = "field-error";
            message.textContent = fmt(cfg.dup_error, { reason: (result.body && result.body.detail) || "" });
          }
        })
        .catch(function () {
          button.disabled = false;
          message.className = "field-error";
          message.textContent = fmt(cfg.dup_error, { reason: "" });
        });
    }
    function showDuplicates(list) {
      dupBox.textContent = "";
      var title = el("h2", { tabindex: "-1" }, cfg.dup_title);
      dupBox.appendChild(title);
      dupBox.appendChild(el("p", {}, cfg.dup_intro));
      var message = el("p", { role: "alert" });
      var ul = el("ul");
      list.forEach(function (c) {
        var li = el("li");
        li.appendChild(el("strong", {}, c.code));
        li.appendChild(el("span", { className: "badge status-" + c.status }, (cfg.status || {})[c.status] || c.status));
        li.appendChild(el("span", { className: "hint" },
          c.distance_m === null ? cfg.dup_same_ward : fmt(cfg.dup_distance, { m: Math.round(c.distance_m) })));
        if (c.description) li.appendChild(el("p", {}, c.description.length > 240 ? c.description.slice(0, 240) + "…" : c.description));
        li.appendChild(el("a", { href: form.dataset.trackUrl.replace("CODE", encodeURIComponent(c.code)), target: "_blank", rel: "noopener", "aria-label": fmt(cfg.dup_see_named, { code: c.code }) }, cfg.dup_see));
        var follow = el("button", { type: "button", "data-follow": c.code, "aria-label": fmt(cfg.dup_follow_named, { code: c.code }) }, cfg.dup_follow);
        follow.addEventListener("click", function () { followInstead(c.code, follow, message); });
        li.appendChild(follow);
        ul.appendChild(li);
      });
      dupBox.appendChild(ul);
      dupBox.appendChild(message);
      var mine = el("button", { type: "button", className: "primary" }, cfg.dup_submit);
      mine.addEventListener("click", sendForm);
      dupBox.appendChild(mine);
      // The box at the top of the screen, not only its heading at the bottom: on a phone the list and its
      // buttons were below the screen. Without a jump when the citizen asks for less motion.
      title.focus({ preventScroll: true });
      var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      dupBox.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
    }
    form.addEventListener("submit", function (e) {
      // "Remove" beside a kept photo sends the form back to the server as it is: nothing is reported.
      if (e.submitter && e.submitter.name === "unstage") return;
      // The place: the point on the map, else the commune/ward typed with the address (no map).
      var hasPoint = lonInput.value && latInput.value;
      var wardCode = hasPoint ? "" : wardCodeOf(wardInput, document.getElementById("ward-list"));
      if (duplicatesChecked || !(hasPoint || wardCode) || !category.value) {
        submitButton.disabled = true;  // a second click would send nothing new (idempotency key) anyway
        return;
      }
      e.preventDefault();
      submitButton.disabled = true;
      var place = hasPoint ? { lon: lonInput.value, lat: latInput.value } : {
        ward_code: wardCode, address: ((form.querySelector("#id_address") || {}).value || "").slice(0, 300),
      };
      var query = new URLSearchParams(Object.assign({
        category: category.value, description: description.value.slice(0, 1000),
      }, place));
      fetch(form.dataset.duplicatesUrl + "?" + query.toString(), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .catch(function () { return []; })
        .then(function (list) {
          submitButton.disabled = false;
          if (!list || !list.length) { sendForm(); return; }
          duplicatesChecked = true;  // seen: the normal button now sends
          showDuplicates(list);
        });
    });
  }

  /* ---- Officer page map -------------------------------------------------------------------------- */

  function initReportMap(container) {
    var state = initMap(container);
    if (!state) return;
    var lat = parseFloat(container.dataset.lat);
    var lon = parseFloat(container.dataset.lon);
    if (isFinite(lat) && isFinite(lon)) {
      L.circleMarker([lat, lon], { radius: 9, color: "#c8102e", weight: 3, fillColor: "#c8102e", fillOpacity: 0.6 })
        .addTo(state.map);
    }
    state.loadWards(container.dataset.province, false);
  }

  /* ---- Queue map: the page's reports as points (the list stays the way to reach them by keyboard) -- */

  var QUEUE_MARKER_RADIUS = 12;

  function initQueueMap(details) {
    var container = document.getElementById("queue-map");
    var points = readJSON("queue-map-points");
    if (!Array.isArray(points)) points = [];
    var state = null;
    function draw() {
      if (state || !container) return;
      state = initMap(container);
      if (!state) return;
      var bounds = [];
      points.forEach(function (p) {
        var colour = p.overdue ? "#c8102e" : "#0b4f8a";
        // 12 px radius: a 24 px disc (26 px with its edge) to tap (WCAG 2.5.8), 14 px was too small.
        var marker = L.circleMarker([p.lat, p.lon], {
          radius: QUEUE_MARKER_RADIUS, color: colour, weight: 2, fillColor: colour, fillOpacity: 0.55,
        }).addTo(state.map);
        marker.bindTooltip(insideTooltip(p.code + " · " + p.status, {}));
        marker.on("click", function () { window.location.href = p.url; });
        bounds.push([p.lat, p.lon]);
      });
      if (bounds.length === 1) state.map.setView(bounds[0], 15);
      else if (bounds.length) state.map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
      state.loadWards(container.dataset.province, false);
    }
    // Leaflet needs a visible box to size itself: draw on first opening.
    if (details.open) draw();
    details.addEventListener("toggle", function () {
      if (!details.open) return;
      draw();
      if (state) state.map.invalidateSize();
    });
  }

  /* ---- Hotline ------------------------------------------------------------------------------------- */

  /* After a save: the code the operator reads to the caller is said (the live region is filled after
     load: a region filled on load is not announced), is in the title (server), described by the phone
     field, and stays in view although the phone field has the focus for the next call. */
  function showSavedCode(form, phone) {
    var card = document.querySelector("#hotline-result .result-card");
    if (!card) return;
    phone.focus({ preventScroll: true });
    card.scrollIntoView({ block: "start" });
    var announce = document.getElementById("hotline-announce");
    if (!announce) return;
    var parts = ["hotline-saved-intro", "hotline-saved", "hotline-saved-unit"].map(function (id) {
      var node = document.getElementById(id);
      return node ? node.textContent.replace(/\s+/g, " ").trim() : "";
    });
    setTimeout(function () { announce.textContent = parts.join(" ").trim(); }, 150);
  }

  /* The number in its national form, as citydesk.core.validators.national_phone stores it: separators dropped,
   * full-width digits read, +84 / 0084 / 84 / +84(0) put back to 0, a caller ID's number without its 0 given it. */
  function nationalPhone(value) {
    var compact = String(value || "")
      .replace(/[\uFF10-\uFF19]/g, function (d) { return String.fromCharCode(d.charCodeAt(0) - 0xFF10 + 48); })
      .replace(/\uFF0B/g, "+")
      .replace(/[\s.\-()]/g, "");
    var prefixes = ["+84", "0084"];
    for (var i = 0; i < prefixes.length; i++) {
      if (compact.indexOf(prefixes[i]) === 0) return "0" + compact.slice(prefixes[i].length).replace(/^0/, "");
    }
    if (/^84/.test(compact) && compact.length >= 11) return "0" + compact.slice(2);
    if (/^(?:[35789]\d{8}|2\d{9})$/.test(compact)) return "0" + compact;
    return compact;
  }

  /* The server's landline warning (no SMS reaches a 02… number), shown as soon as a whole landline number is
   * typed, so that the operator asks for a mobile number while the caller is still on the line. */
  function warnLandlineWhileTyping(phone) {
    var box = document.getElementById("landline-box");
    if (!phone || !box) return;
    function check() {
      var landline = /^02\d{9}$/.test(nationalPhone(phone.value));
      box.hidden = !landline;
      var described = (phone.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== "warn-contact_phone";
      });
      if (landline && phone.getAttribute("aria-invalid") !== "true") described.push("warn-contact_phone");
      if (described.length) phone.setAttribute("aria-describedby", described.join(" "));
      else phone.removeAttribute("aria-describedby");
    }
    phone.addEventListener("input", check);
  }

  function initHotline(form) {
    var province = form.querySelector("#id_province");
    var ward = form.querySelector("#id_ward");
    var wardList = document.getElementById("ward-list");
    var wardWords = readJSON("ward-words");
    var phone = form.querySelector("#id_contact_phone");
    province.addEventListener("change", function () {
      if (!wardList) return;
      fetchWards(form.dataset.unitsUrl, province.value, wardWords)
        .then(function (items) { fillWardList(wardList, items); })
        .catch(function () {});
    });

    showSavedCode(form, phone);
    warnLandlineWhileTyping(phone);
    var next = document.getElementById("next-call");
    if (next) {
      next.addEventListener("click", function (e) {
        e.preventDefault();
        var result = document.getElementById("hotline-result");
        result.textContent = "";
        var announce = document.getElementById("hotline-announce");
        if (announce) announce.textContent = "";
        if (result.dataset.title) document.title = result.dataset.title;
        phone.removeAttribute("aria-describedby");
        form.reset();
        phone.dispatchEvent(new Event("input"));  // no landline warning left from the last call
        if (window.history && history.replaceState) history.replaceState(null, "", window.location.pathname);
        phone.focus();
      });
    }

    var box = document.getElementById("suggestions");
    if (!box) return;
    var texts = readJSON("suggest-texts");
    var description = form.querySelector("#id_description");
    var category = form.querySelector("#id_category");
    var status = document.getElementById("suggestions-status");
    var body = document.getElementById("suggestions-body");
    var catList = document.getElementById("suggested-categories");
    var unitList = document.getElementById("suggested-units");
    var quick = document.getElementById("quick-suggestion");
    var quickButton = document.getElementById("use-top-category");
    var quickCode = "";
    var timer = null;
    var sequence = 0;
    function updateQuick(top) {
      // The most likely category, one Tab after the description, until it is the one chosen.
      if (!quick) return;
      quickCode = top && category.value !== top.code ? top.code : "";
      quick.hidden = !quickCode;
      if (quickCode) quickButton.textContent = fmt(texts.use_top, { name: top.name, p: Math.round(top.confidence * 100) });
    }
    if (quickButton) {
      quickButton.addEventListener("click", function () {
        if (!quickCode) return;
        category.value = quickCode;
        quick.hidden = true;
        quickCode = "";
        category.dispatchEvent(new Event("change"));
        (ward || category).focus();  // on to the place
      });
      category.addEventListener("change", function () {
        if (quickCode && category.value === quickCode) { quick.hidden = true; quickCode = ""; }
      });
    }
    function percent(p) { return fmt(texts.percent, { p: Math.round(p * 100) }); }
    function render(data) {
      catList.textContent = "";
      unitList.textContent = "";
      (data.categories || []).forEach(function (c) {
        var li = el("li");
        li.appendChild(el("span", {}, c.name + " · " + percent(c.confidence)));
        var use = el("button", { type: "button", "aria-label": texts.use + ": " + c.name }, texts.use);
        use.addEventListener("click", function () {
          category.value = c.code;
          category.focus();
        });
        li.appendChild(use);
        catList.appendChild(li);
      });
      (data.units || []).forEach(function (u) {
        unitList.appendChild(el("li", {}, u.name + " · " + percent(u.confidence)));
      });
      var any = (data.categories || []).length || (data.units || []).length;
      body.hidden = !any;
      // The live region says the most likely category (else unit), not only that there are suggestions.
      var topCategory = (data.categories || [])[0];
      var topUnit = (data.units || [])[0];
      updateQuick(topCategory);
      if (topCategory) {
        status.textContent = fmt(texts.top_category, { name: topCategory.name, p: Math.round(topCategory.confidence * 100) });
      } else if (topUnit) {
        status.textContent = fmt(texts.top_unit, { name: topUnit.name, p: Math.round(topUnit.confidence * 100) });
      } else {
        status.textContent = texts.none;
      }
    }
    function ask() {
      var text = description.value.trim();
      if (text.length < 6) return;
      var mine = ++sequence;
      var query = new URLSearchParams({
        description: text, ward_code: wardCodeOf(ward, wardList), province: province.value, category: category.value,
      });
      fetch(form.dataset.suggestUrl + "?" + query.toString(), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || mine !== sequence) return;
          if (!data.available) { box.hidden = true; updateQuick(null); return; }
          box.hidden = false;
          render(data);
        })
        .catch(function () {});
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(ask, 400);
    }
    description.addEventListener("input", later);
    ward.addEventListener("change", later);
    category.addEventListener("change", later);  // a category chosen: the unit routing will choose
    province.addEventListener("change", later);
  }

  /* ---- Tracking page: rating ------------------------------------------------------------------- */

  function initRating(form) {
    var reopen = form.querySelector("[data-show-for=unsatisfied]");
    if (!reopen) return;
    var box = reopen.querySelector("input[type=checkbox]");
    function update() {
      var chosen = form.querySelector("input[name=level]:checked");
      var show = !!chosen && chosen.value === "unsatisfied";
      reopen.hidden = !show;
      box.disabled = !show;
      if (!show) box.checked = false;
    }
    form.querySelectorAll("input[name=level]").forEach(function (r) { r.addEventListener("change", update); });
    update();
  }

  /* ---- Long texts: the characters left ---------------------------------------------------------- */

  /* A text box with data-counter: a live count of the characters left ("còn 120 ký tự"), and past the limit
     how many too many, as the server counts the text it stores (citydesk.lib.text.nfc_lines: NFC, spaces
     collapsed and trimmed in each line, at most one empty line in a row; data-count="reply" drops every
     empty line, as a reply is stored). The box has no maxlength: a longer text is never cut without a word;
     the server refuses it and keeps what was typed. The words come from the page (data-left, data-over). */
  function storedLength(text, mode) {
    var lines = String(text || "").normalize("NFC")
      .replace(/\r\n?/g, "\n").replace(/\u2028/g, "\n").replace(/\u2029/g, "\n\n")
      .split("\n").map(function (line) { return line.replace(/\s+/g, " ").trim(); });
    var stored = mode === "reply"
      ? lines.filter(function (line) { return line; }).join("\n")
      : lines.join("\n").replace(/\n{3,}/g, "\n\n").trim();
    return Array.from(stored).length;
  }

  function initCounter(box) {
    var counter = document.getElementById(box.getAttribute("data-counter"));
    var max = parseInt(box.getAttribute("data-max"), 10);
    if (!counter || !max) return;
    var group = new Intl.NumberFormat(document.documentElement.lang || undefined);
    function update() {
      var left = max - storedLength(box.value, box.getAttribute("data-count"));
      var template = left >= 0 ? counter.getAttribute("data-left") : counter.getAttribute("data-over");
      counter.textContent = String(template || "").replace("%(n)s", group.format(Math.abs(left)));
      counter.classList.toggle("over", left < 0);
    }
    box.addEventListener("input", update);
    update();
  }

  /* ---- Queue: select all ----------------------------------------------------------------------- */

  function initQueue(form) {
    var all = document.getElementById("select-all");
    if (!all) return;
    var picks = Array.prototype.slice.call(form.querySelectorAll("input.pick"));
    if (!picks.length) return;
    var row = document.getElementById("select-all-row");
    if (row) row.hidden = false;
    // Ticked when every report is, half-ticked when some are (also after a refused assignment).
    function sync() {
      var ticked = picks.filter(function (p) { return p.checked; }).length;
      all.checked = ticked === picks.length;
      all.indeterminate = ticked > 0 && ticked < picks.length;
    }
    all.addEventListener("change", function () {
      picks.forEach(function (p) { p.checked = all.checked; });
      all.indeterminate = false;
    });
    picks.forEach(function (p) { p.addEventListener("change", sync); });
    sync();
  }

  /* After a refused submission: the citizen form focuses the list of problems, the hotline the first
     field at fault (operators fix and resend without leaving the keyboard). */
  function focusErrors() {
    var summary = document.getElementById("error-summary");
    if (!summary) return;
    var hotline = document.getElementById("hotline-form");
    var invalid = hotline ? hotline.querySelector("[aria-invalid=true]") : null;
    if (invalid && !invalid.disabled && !invalid.hidden) invalid.focus();
    else summary.focus();
  }

  /* The caller's-answer page after "Record the answer": the success message gets the focus (it is on
     the page from the start, so its role=status alone would not be announced). */
  function focusRecordedAnswer() {
    if (!document.querySelector("[data-answer-recorded]")) return;
    var message = document.querySelector(".messages .msg-success");
    if (!message) return;
    message.setAttribute("tabindex", "-1");
    message.focus();
  }

  function start() {
    focusErrors();
    focusRecordedAnswer();
    document.querySelectorAll("textarea[data-counter]").forEach(initCounter);
    var reportForm = document.getElementById("report-form");
    if (reportForm) initReportForm(reportForm);
    else {
      var mapEl = document.getElementById("report-map");
      if (mapEl) initReportMap(mapEl);
    }
    var hotline = document.getElementById("hotline-form");
    if (hotline) initHotline(hotline);
    var rating = document.getElementById("rating-form");
    if (rating) initRating(rating);
    var bulk = document.getElementById("bulk-form");
    if (bulk) initQueue(bulk);
    var queueMap = document.querySelector("details.queue-map");
    if (queueMap) initQueueMap(queueMap);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
