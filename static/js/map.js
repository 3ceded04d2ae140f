// Maps on top of pages that already list everything: the plan's stops, numbered in
// itinerary order with one line per day, and a picker that fills coordinates on click.
(function () {
  'use strict';
  if (!window.L) return;
  var ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';
  var COLOURS = ['#1d6fa5', '#b3261e', '#1e7a3a', '#8e44ad', '#d35400', '#16a085', '#7f8c8d'];

  function baseMap(el) {
    el.hidden = false;
    var map = L.map(el, { scrollWheelZoom: false });
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: ATTRIBUTION }).addTo(map);
    return map;
  }

  function numberIcon(n) {
    return L.divIcon({ className: 'map-number', html: String(n), iconSize: [26, 26], iconAnchor: [13, 13] });
  }

  var planEl = document.getElementById('map');
  if (planEl) {
    var data = JSON.parse(planEl.dataset.points || '{"days":[]}');
    var points = [];
    data.days.forEach(function (day) { points = points.concat(day); });
    if (points.length) {
      var map = baseMap(planEl);
      var bounds = [];
      data.days.forEach(function (day, i) {
        var line = [];
        day.forEach(function (p) {
          var label = document.createElement('span');
          label.textContent = p.n + '. ' + p.title;
          L.marker([p.lat, p.lng], { icon: numberIcon(p.n), title: p.title }).bindPopup(label).addTo(map);
          line.push([p.lat, p.lng]);
          bounds.push([p.lat, p.lng]);
        });
        var lastIsUnscheduled = i === data.days.length - 1;
        if (line.length > 1 && !lastIsUnscheduled) {
          L.polyline(line, { color: COLOURS[i % COLOURS.length], weight: 3, opacity: 0.8 }).addTo(map);
        }
      });
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
    }
  }

  var pickerEl = document.getElementById('picker');
  if (pickerEl) {
    var lat = document.getElementById('latitude');
    var lng = document.getElementById('longitude');
    var picker = baseMap(pickerEl);
    var hint = document.querySelector('.map-hint');
    if (hint) hint.hidden = false;
    var marker = null;
    var start = lat.value && lng.value ? [parseFloat(lat.value), parseFloat(lng.value)] : null;
    if (start && !isNaN(start[0]) && !isNaN(start[1])) {
      marker = L.marker(start).addTo(picker);
      picker.setView(start, 14);
    } else {
      picker.setView([20, 0], 2);
    }
    picker.on('click', function (e) {
      var p = e.latlng.wrap();
      lat.value = p.lat.toFixed(6);
      lng.value = p.lng.toFixed(6);
      if (marker) marker.setLatLng(p); else marker = L.marker(p).addTo(picker);
    });
  }
})();
