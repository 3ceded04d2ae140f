// Maps on top of pages that already list everything: the plan's stops, numbered in
// itinerary order with one line per day, and a picker that fills coordinates on click.
(function () {
  'use strict';
  if (!window.L) return;
  var ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';
  // Markers this close (about a metre) would hide each other: each further one is drawn
  // SPREAD pixels away around the first, at any zoom.
  var SPREAD = 28;

  function baseMap(el) {
    el.hidden = false;
    var map = L.map(el, { scrollWheelZoom: false });
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: ATTRIBUTION }).addTo(map);
    return map;
  }

  // The map is one tab stop (its container: arrow keys pan, +/- zoom); the list beside it
  // is the keyboard way to each activity, so the controls' links leave the tab order.
  function oneTabStop(map, el, name) {
    el.setAttribute('role', 'region');
    el.setAttribute('aria-label', name);
    el.querySelectorAll('.leaflet-control-container a').forEach(function (a) { a.tabIndex = -1; });
  }

  function dayColour(i) {
    return getComputedStyle(document.documentElement).getPropertyValue('--wayfare-day-' + (i % 7)).trim();
  }

  function numberIcon(p, dayIndex, offset) {
    var className = 'map-number' + (dayIndex === null ? '' : ' day-colour-' + (dayIndex % 7));
    return L.divIcon({ className: className, html: String(p.n), iconSize: [26, 26], iconAnchor: [13 - offset[0], 13 - offset[1]] });
  }

  function popup(p) {
    var box = document.createElement('div');
    var title = document.createElement('strong');
    title.textContent = p.n + '. ' + p.title;
    box.appendChild(title);
    if (p.time) {
      box.appendChild(document.createElement('br'));
      box.appendChild(document.createTextNode(p.time));
    }
    if (document.getElementById(p.card)) {
      var link = document.createElement('a');
      link.href = '#' + p.card;
      link.textContent = 'Go to ' + p.title + ' in the itinerary';
      box.appendChild(document.createElement('br'));
      box.appendChild(link);
    }
    return box;
  }

  var planEl = document.getElementById('map');
  if (planEl) {
    var data = JSON.parse(planEl.dataset.points || '{"days":[]}');
    var points = [];
    data.days.forEach(function (day) { points = points.concat(day); });
    if (points.length) {
      var map = baseMap(planEl);
      var bounds = [];
      var seen = {};
      data.days.forEach(function (day, i) {
        var lastIsUnscheduled = i === data.days.length - 1;
        var dayIndex = lastIsUnscheduled ? null : i;
        var line = [];
        day.forEach(function (p) {
          var place = p.lat.toFixed(5) + ',' + p.lng.toFixed(5);
          var before = seen[place] || 0;
          seen[place] = before + 1;
          var angle = before * 2.4;
          var offset = before ? [Math.round(SPREAD * Math.cos(angle)), Math.round(SPREAD * Math.sin(angle))] : [0, 0];
          L.marker([p.lat, p.lng], { icon: numberIcon(p, dayIndex, offset), title: p.n + '. ' + p.title, keyboard: false })
            .bindPopup(popup(p)).addTo(map);
          line.push([p.lat, p.lng]);
          bounds.push([p.lat, p.lng]);
        });
        if (line.length > 1 && !lastIsUnscheduled) {
          L.polyline(line, { color: dayColour(i), weight: 3, opacity: 0.8 }).addTo(map);
        }
      });
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
      oneTabStop(map, planEl, 'Map of the numbered activities; the itinerary lists the same numbers');
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
    // Without coordinates yet: on the plan's destination, else around its activities.
    var around = pickerEl.dataset.start ? JSON.parse(pickerEl.dataset.start) : {};
    if (start && !isNaN(start[0]) && !isNaN(start[1])) {
      marker = L.marker(start).addTo(picker);
      picker.setView(start, 14);
    } else if (around.center) {
      picker.setView(around.center, 12);
    } else if (around.bounds) {
      picker.fitBounds(around.bounds, { padding: [30, 30], maxZoom: 14 });
    } else {
      picker.setView([20, 0], 2);
    }
    pickerEl.dataset.opened = JSON.stringify(picker.getCenter());
    // A place chosen from the search (places.js) moves the marker there.
    document.addEventListener('wayfare:place', function () {
      var p = [parseFloat(lat.value), parseFloat(lng.value)];
      if (isNaN(p[0]) || isNaN(p[1])) return;
      if (marker) marker.setLatLng(p); else marker = L.marker(p).addTo(picker);
      picker.setView(p, 14);
    });
    picker.on('click', function (e) {
      var p = e.latlng.wrap();
      lat.value = p.lat.toFixed(6);
      lng.value = p.lng.toFixed(6);
      if (marker) marker.setLatLng(p); else marker = L.marker(p).addTo(picker);
    });
  }
})();
