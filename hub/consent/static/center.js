// Consent center: a switch takes effect at once (no page reload); without script the
// form's button does the same. The words "on"/"off" come from the page, in its language.
(function () {
  "use strict";
  for (const box of document.querySelectorAll("input[role=switch]")) {
    box.addEventListener("change", async () => {
      const label = box.parentElement.querySelector(".state");
      const r = await fetch(box.form.action, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ on: box.checked }),
      });
      if (!r.ok) { box.checked = !box.checked; return; }
      const j = await r.json();
      box.checked = j.on;
      label.textContent = j.on ? label.dataset.on : label.dataset.off;
      box.closest("section").dataset.receipt = j.receipt;
    });
  }
})();
