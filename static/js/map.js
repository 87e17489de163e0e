// Leaflet maps (vendored): a shop's pin on its storefront, shops of the results on the
// search page, and picking a point to search around. Everything on these pages works
// without the map; if tiles can't load, the list is still there.
(function () {
  "use strict";
  if (!window.L) return;

  function markersOf(el) {
    var data = el.dataset.markers && document.getElementById(el.dataset.markers);
    if (!data) return [];
    try { return JSON.parse(data.textContent); } catch (e) { return []; }
  }

  function init(el) {
    if (el.dataset.ready) return;
    el.dataset.ready = "1";
    var icon = L.icon({
      iconUrl: el.dataset.icon, iconRetinaUrl: el.dataset.icon2x, shadowUrl: el.dataset.shadow,
      iconSize: [25, 41], iconAnchor: [12, 41], popupAnchor: [1, -34], shadowSize: [41, 41],
    });
    var map = L.map(el, { scrollWheelZoom: false });
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 18 }).addTo(map);
    var markers = markersOf(el);
    var bounds = [];
    markers.forEach(function (m) {
      var marker = L.marker([m.lat, m.lng], { icon: icon, title: m.label, keyboard: true }).addTo(map);
      var link = document.createElement("a");
      link.href = m.url;
      link.textContent = m.label;
      marker.bindPopup(link);
      bounds.push([m.lat, m.lng]);
    });
    if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 10 });
    else if (bounds.length === 1) map.setView(bounds[0], Number(el.dataset.zoom || 9));
    else map.setView([Number(el.dataset.lat || 30), Number(el.dataset.lng || 0)], Number(el.dataset.zoom || 2));

    if (el.dataset.pick) {
      // Click the map to search around that point.
      var pin = null;
      map.on("click", function (e) {
        var form = document.getElementById(el.dataset.pick);
        if (!form) return;
        form.querySelector(el.dataset.latInput || "[data-lat]").value = e.latlng.lat.toFixed(5);
        form.querySelector(el.dataset.lngInput || "[data-lng]").value = e.latlng.lng.toFixed(5);
        var near = form.querySelector("input[name=near]");
        if (near) near.value = "";
        if (el.dataset.pickSubmit === "0") {
          // Moving a shop's pin: show it, and let the owner save the form.
          if (!pin) pin = L.marker(e.latlng, { icon: icon }).addTo(map);
          pin.setLatLng(e.latlng);
          return;
        }
        form.requestSubmit();
      });
    }
  }

  function initAll(root) {
    (root || document).querySelectorAll("[data-map]").forEach(init);
  }
  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  document.addEventListener("htmx:afterSwap", function (e) { initAll(e.target); });
})();
