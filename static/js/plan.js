// The plan page without page jumps: tick activities off in place, and drag activities to
// reorder a day or move them to another. Every action is also a plain form that works
// without this script.
(function () {
  'use strict';
  // Copy buttons (a booking's confirmation number) exist only where the clipboard does.
  if (navigator.clipboard) {
    document.querySelectorAll('button.copy[data-copy]').forEach(function (button) {
      button.hidden = false;
      button.addEventListener('click', function () {
        navigator.clipboard.writeText(button.dataset.copy).then(function () {
          button.firstChild.textContent = 'Copied';
        });
      });
    });
  }
  // During the trip the page opens on today, unless a link asked for another place.
  var today = document.querySelector('[data-today]');
  if (today && !window.location.hash) today.scrollIntoView();
  var tokenInput = document.querySelector('input[name="csrf_token"]');
  if (!tokenInput || !window.fetch) return;
  var token = tokenInput.value;

  function post(url, fields) {
    var body = new URLSearchParams(fields);
    body.set('csrf_token', token);
    return fetch(url, {
      method: 'POST',
      body: body,
      credentials: 'same-origin',
      redirect: 'manual',
      headers: { 'X-CSRF-Token': token }
    }).then(function (res) {
      if (res.type !== 'opaqueredirect' && !res.ok) throw new Error('HTTP ' + res.status);
    });
  }

  document.querySelectorAll('form.toggle-form').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var item = form.closest('li.activity');
      var button = form.querySelector('button');
      post(form.action, {}).then(function () {
        var done = !item.classList.contains('done');
        item.classList.toggle('done', done);
        button.setAttribute('aria-pressed', done ? 'true' : 'false');
        button.firstChild.nodeValue = done ? '✔' : '○';
      }).catch(function () { form.submit(); });
    });
  });

  var dragged = null;
  document.querySelectorAll('ol.activities').forEach(function (list) {
    list.addEventListener('dragstart', function (event) {
      dragged = event.target.closest('li.activity');
      if (dragged) {
        dragged.classList.add('dragging');
        event.dataTransfer.effectAllowed = 'move';
        event.dataTransfer.setData('text/plain', dragged.dataset.id);
      }
    });
    list.addEventListener('dragend', function () {
      if (dragged) dragged.classList.remove('dragging');
    });
    list.addEventListener('dragover', function (event) {
      if (!dragged) return;
      event.preventDefault();
      var after = Array.prototype.find.call(list.querySelectorAll('li.activity:not(.dragging)'), function (li) {
        var box = li.getBoundingClientRect();
        return event.clientY < box.top + box.height / 2;
      });
      if (after) list.insertBefore(dragged, after); else list.appendChild(dragged);
    });
    list.addEventListener('drop', function (event) {
      event.preventDefault();
      if (!dragged) return;
      var ids = Array.prototype.map.call(list.querySelectorAll('li.activity'), function (li) { return li.dataset.id; });
      post(list.dataset.reorder, { date: list.dataset.date, ids: ids.join(',') })
        .then(function () { window.location.reload(); })
        .catch(function () { window.location.reload(); });
      dragged = null;
    });
  });
})();
