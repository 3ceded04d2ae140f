// Place suggestions while typing in "Find a place" (the ARIA combobox pattern, list
// autocomplete): arrow keys move through the places, Enter chooses one, Escape closes the
// list. Choosing fills the fields the input names in its data-fill-* attributes, as the
// form's "Use …" buttons do without JavaScript; the server debounces nothing, so we wait
// for a pause in the typing.
(function () {
  'use strict';
  var input = document.getElementById('place_query');
  if (!input || !window.fetch) return;
  var status = document.getElementById('place-search-status');
  var DEBOUNCE_MS = 400;
  var list = document.createElement('ul');
  list.id = 'place-suggestions';
  list.className = 'place-suggestions';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Places found');
  list.hidden = true;
  input.closest('.place-search').appendChild(list);
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', list.id);

  var places = [];
  var active = -1;
  var timer = null;
  var asked = '';

  function say(text) { if (status) status.textContent = text; }

  function label(p) {
    return p.address && p.address !== p.name && p.address.indexOf(p.name + ', ') !== 0 ? p.name + ', ' + p.address : (p.address || p.name);
  }

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function highlight(i) {
    var items = list.children;
    for (var k = 0; k < items.length; k++) items[k].setAttribute('aria-selected', k === i ? 'true' : 'false');
    active = i;
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', items[i].id);
      items[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function show(found) {
    places = found;
    list.textContent = '';
    found.forEach(function (p, i) {
      var li = document.createElement('li');
      li.id = 'place-option-' + i;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.textContent = label(p);
      // mousedown, not click: the input keeps the focus.
      li.addEventListener('mousedown', function (e) { e.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    if (found.length) {
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      say(found.length === 1 ? '1 place found: arrow down to choose it.' : found.length + ' places found: arrow down to choose one.');
    } else {
      close();
    }
    active = -1;
  }

  function fill(field, value) {
    var el = field && document.getElementById(field);
    if (el) el.value = value;
  }

  function choose(i) {
    var p = places[i];
    if (!p) return;
    fill(input.dataset.fillName, p.name);
    fill(input.dataset.fillAddress, p.address);
    fill(input.dataset.fillLat, p.latitude);
    fill(input.dataset.fillLng, p.longitude);
    input.value = p.name;
    close();
    say('Filled in from ' + p.name + '. Nothing is saved until you save the form.');
    document.dispatchEvent(new CustomEvent('wayfare:place'));
  }

  function search() {
    var q = input.value.trim();
    if (q.length < 2 || q === asked) return;
    asked = q;
    fetch('/places?q=' + encodeURIComponent(q), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (input.value.trim() !== q) return; // typed on since
        if (answer.message) { close(); say(answer.message); return; }
        show(answer.places || []);
        if (!(answer.places || []).length) say('No place matches ' + q + '.');
      })
      .catch(function () { close(); say('The place search is not available right now; the Search places button still works.'); });
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', function (e) {
    var open = !list.hidden;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!open && places.length) { list.hidden = false; input.setAttribute('aria-expanded', 'true'); }
      if (places.length) highlight((active + 1) % places.length);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      if (places.length) highlight(active <= 0 ? places.length - 1 : active - 1);
    } else if (e.key === 'Enter') {
      // Enter in the search field never saves the form: it chooses, or searches now.
      e.preventDefault();
      if (open && active >= 0) choose(active); else { clearTimeout(timer); asked = ''; search(); }
    } else if (e.key === 'Escape') {
      if (open) { e.preventDefault(); close(); }
    }
  });
  input.addEventListener('blur', function () { setTimeout(close, 150); });
})();
