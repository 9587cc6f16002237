// Progressive enhancement: without this file every page still works (forms, links,
// a meta refresh). With it, a server-sent event stream keeps the devices and alarms
// fresh without reloading, and the alarm badge in the menu shows unacknowledged alarms.
(function () {
  "use strict";
  if (!window.EventSource || document.querySelector("form[action='/login']")) return;
  var lastFingerprint = null;
  var lastDevices = null;
  var busy = {};

  function refresh(id) {
    var box = document.getElementById(id);
    if (!box || busy[id]) return;
    busy[id] = true;
    fetch(box.getAttribute("data-fragment"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        // Keep keyboard focus where it was if the focused control is replaced.
        var focused = document.activeElement && document.activeElement.getAttribute("aria-label");
        box.innerHTML = html;
        if (focused) {
          var again = box.querySelector('[aria-label="' + focused.replace(/"/g, "") + '"]');
          if (again) again.focus();
        }
      })
      .finally(function () { busy[id] = false; });
  }

  var source = new EventSource("/live");
  source.addEventListener("summary", function (e) {
    var s = JSON.parse(e.data);
    var badge = document.getElementById("alarm-badge");
    if (badge) {
      badge.textContent = s.alarms_unacked > 0 ? String(s.alarms_unacked) : "";
      badge.setAttribute("title", s.alarms_unacked + " unacknowledged alarms");
    }
    if (lastFingerprint !== null && s.alarms_fingerprint !== lastFingerprint) refresh("alarms-live");
    lastFingerprint = s.alarms_fingerprint;
    var devices = JSON.stringify([s.device_states, s.events, s.dead_letters, s.alarms]);
    if (lastDevices !== null && devices !== lastDevices) refresh("devices-live");
    lastDevices = devices;
  });
})();
