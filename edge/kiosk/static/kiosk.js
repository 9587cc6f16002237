// Kiosk screen: renders updates pushed by the edge agent (server-sent events), hears a
// keyboard-wedge scanner, and keeps the screen free of one shopper's items for the next.
(function () {
  "use strict";
  const STRINGS = JSON.parse(document.getElementById("strings").textContent);
  const IDLE_MS = Number(document.body.dataset.idleMs) || 90000;
  // Scanners type a key every 1-20 ms. A longer pause starts a new code; 500 ms (not ~50)
  // because a busy page can hold keys back, and a GTIN typed by hand and ended with Enter
  // may as well be looked up too. Tab, arrows and Enter on a button never form a code.
  const KEY_GAP_MS = 500;
  const MIN_CODE = 6;
  let lang = document.documentElement.lang;
  let current = null; // last update shown, re-rendered on a language switch
  let idleTimer = null;
  window.__shown = []; // {seq, arrived_ms, shown_ms}: read by the scan-to-screen benchmark

  const $ = (id) => document.getElementById(id);
  const t = (key) => (STRINGS[lang] || STRINGS.en)[key];

  function money(cents, currency) {
    return new Intl.NumberFormat(lang, { style: "currency", currency }).format(cents / 100);
  }

  function show(view) {
    for (const el of document.querySelectorAll(".view")) el.hidden = el.id !== view;
  }

  function announce(text) {
    $("status").textContent = text;
  }

  function renderProduct(p) {
    $("product-name").textContent = p.name;
    $("product-price").textContent = money(p.price_cents, p.currency);
    $("product-description").textContent = p.description;
    $("product-allergens").textContent = p.allergens.length ? p.allergens.join(", ") : t("no_allergens");
    $("product-stock").textContent = p.stock > 0 ? t("in_stock").replace("{n}", p.stock) : t("out_of_stock");
    $("product-shelf").textContent = p.shelf ? t("shelf") + ": " + p.shelf : "";
    $("product-gtin").textContent = p.gtin;
    const map = $("product-map");
    map.hidden = !p.map;
    if (p.map) map.href = p.map + "&lang=" + encodeURIComponent(lang);
    suggestions("related", p.related);
    suggestions("personal", p.personal || []);
    show("product");
    announce(t("scanned") + ": " + p.name + ", " + money(p.price_cents, p.currency));
  }

  // Each suggestion: its name, the one price, and why it is shown, in the page's language.
  function why(s) {
    const text = s.anchor ? t("why_" + s.reason) : t("why_popular");
    return text.replace("{anchor}", s.anchor || "");
  }

  function suggestions(id, items) {
    const list = $(id + "-list");
    list.replaceChildren();
    for (const s of items) {
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = s.name + " — " + money(s.price_cents, s.currency);
      const reason = document.createElement("span");
      reason.className = "why";
      reason.textContent = why(s);
      li.append(name, reason);
      list.appendChild(li);
    }
    $(id).hidden = items.length === 0;
  }

  function message(key) {
    $("message-text").textContent = t(key);
    show("message");
    announce(t(key));
  }

  function render(update) {
    current = update;
    switch (update.view) {
      case "product": $("paired").hidden = !update.paired; renderProduct(update.product); break;
      case "unknown": show("unknown"); announce(t("unknown_title")); break;
      case "paired": $("paired").hidden = false; message("paired"); break;
      case "pair_failed": message("pair_failed"); break;
      case "ended": reset(); message("ended"); break;
      case "idle": reset(); break;
    }
    if (update.seq !== undefined) {
      // The animation-frame callback runs just before the frame with the card is painted;
      // a task queued from it runs once that frame is out.
      requestAnimationFrame(() => setTimeout(() => {
        window.__shown.push({ seq: update.seq, view: update.view, arrived_ms: update.arrived_ms,
                              shown_ms: performance.timeOrigin + performance.now() });
      }, 0));
    }
    armIdle();
  }

  function reset() {
    current = null;
    $("paired").hidden = true;
    setLarge(false);
    show("welcome");
  }

  function armIdle() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => { reset(); announce(""); }, IDLE_MS);
  }

  function setLarge(on) {
    document.documentElement.classList.toggle("large", on);
    $("large-text").setAttribute("aria-pressed", on ? "true" : "false");
  }

  function setLanguage(code) {
    lang = code;
    document.documentElement.lang = code;
    for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
    document.title = t("title");
    for (const b of document.querySelectorAll("button.lang")) {
      b.setAttribute("aria-pressed", b.dataset.lang === code ? "true" : "false");
    }
    if (current && current.view === "product") renderProduct(current.product);
  }

  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                         body: body ? JSON.stringify(body) : "{}" });
  }

  // Keyboard wedge: a fast burst of printable keys ended by Enter is a scan.
  let buffer = "";
  let lastKey = 0;
  document.addEventListener("keydown", (e) => {
    // The event's own time stamp, not the handler's: a busy page must not split a burst.
    const now = e.timeStamp;
    if (now - lastKey > KEY_GAP_MS) buffer = "";
    lastKey = now;
    if (e.key === "Enter" && buffer.length >= MIN_CODE) {
      e.preventDefault();
      const text = buffer;
      buffer = "";
      post("/api/code", { text });
      return;
    }
    if (e.key.length === 1 && !e.ctrlKey && !e.altKey && !e.metaKey) buffer += e.key;
  }, true);

  let lastTouch = 0;
  function activity() {
    armIdle();
    const now = Date.now();
    if (now - lastTouch > 5000) { lastTouch = now; post("/api/touch"); }
  }
  document.addEventListener("pointerdown", activity);
  document.addEventListener("keydown", activity);

  $("done").addEventListener("click", () => { post("/api/done"); reset(); message("ended"); });
  $("large-text").addEventListener("click", () => {
    setLarge(!document.documentElement.classList.contains("large"));
  });
  for (const b of document.querySelectorAll("button.lang")) {
    b.addEventListener("click", () => setLanguage(b.dataset.lang));
  }

  const source = new EventSource("/events");
  source.onmessage = (e) => render(JSON.parse(e.data));
  source.onopen = () => { document.body.dataset.connected = "true"; };
  armIdle();
})();
