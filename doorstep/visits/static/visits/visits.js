/* Technician app: offline queue with idempotency keys, knock-protocol timer, arrival location,
   signature canvas. Forms marked data-queue are sent by fetch; when the phone is offline (or the
   request cannot reach the server) they are kept in localStorage (per signed-in user) and replayed in
   order when the connection returns, each with its status (waiting / sent / refused and why). Each form
   carries a client-generated key, so a replay is done only once. A queued step shows as done, so the
   next one is open; the service worker (templates/visits/sw.js) keeps the pages for a reload offline. */
(function () {
  "use strict";
  // htmx-boosted navigation runs this file again with every page that includes it: the document-level
  // handlers must be added once, or one tap sends one request per page visited (walk finding 7).
  if (window.doorstepVisits) return;
  window.doorstepVisits = true;
  var KEY = "doorstep.visits.queue";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0; return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
    });
  }
  // the app's offline settings and words (visits_tags.offline_app): the user's key, the service worker
  function app() {
    var el = document.getElementById("offline-app");
    try { return el ? JSON.parse(el.textContent) : null; } catch (e) { return null; }
  }
  function word(name, values) {
    var a = app(), text = (a && a.texts[name]) || name;
    Object.keys(values || {}).forEach(function (k) { text = text.replace("%(" + k + ")s", values[k]); });
    return text;
  }
  function me() { var a = app(); return a ? a.user : ""; }

  // The queue: every action the phone keeps, in the order it was done. An item is "waiting" until the
  // server has answered it, then "sent" or "refused" (with the server's reason) until cleared.
  function load() {
    var q; try { q = JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { q = []; }
    return q.map(function (e, i) { return e.id ? e : Object.assign({ id: "old-" + i }, e); });
  }
  function save(q) { localStorage.setItem(KEY, JSON.stringify(q)); banner(); }
  function mine(q) { var u = me(); return q.filter(function (e) { return (e.user || "") === u; }); }
  function waiting(e) { return !e.state || e.state === "waiting"; }
  function update(id, change) {
    save(load().map(function (e) { return e.id === id ? Object.assign({}, e, change) : e; }));
  }
  function stateText(e) {
    if (waiting(e)) return word("waiting");
    if (e.state === "refused") return word("refused", { reason: e.error || "" });
    return word(e.replayed ? "sent_before" : "sent");
  }
  function banner() {
    var el = document.getElementById("offline-banner"); if (!el) return;
    var items = mine(load()), n = items.filter(waiting).length;
    el.hidden = items.length === 0 && navigator.onLine;
    el.textContent = "";
    var summary = document.createElement("p"); summary.className = "summary";
    summary.textContent = n ? word("banner_queued", { n: n }) : (navigator.onLine ? word("queue_title") : word("banner_offline"));
    el.appendChild(summary);
    if (!items.length) return;
    var list = document.createElement("ol"); list.id = "offline-queue";
    items.forEach(function (e) {
      var li = document.createElement("li");
      li.dataset.state = e.state || "waiting"; li.dataset.label = e.label || "";
      li.className = "queue-item " + li.dataset.state;
      var what = document.createElement("span"); what.className = "what"; what.textContent = e.title || e.label;
      var how = document.createElement("span"); how.className = "how"; how.textContent = stateText(e);
      li.appendChild(what); li.appendChild(document.createTextNode(" — ")); li.appendChild(how);
      list.appendChild(li);
    });
    el.appendChild(list);
    if (items.length > n) {
      var clear = document.createElement("button"); clear.type = "button"; clear.className = "secondary";
      clear.id = "offline-clear"; clear.textContent = word("clear");
      clear.addEventListener("click", function () {
        var u = me(); save(load().filter(function (e) { return (e.user || "") !== u || waiting(e); }));
      });
      el.appendChild(clear);
    }
  }
  function send(entry, live) {  // live: sent from the open page, so a refusal is shown on it
    return fetch(entry.url, {
      method: "POST", body: new URLSearchParams(entry.body), credentials: "same-origin",
      headers: { "X-Visit-Queue": live ? "live" : "1", "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (r) {
      var json = (r.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (json) return r.json();
      // not the app's answer: a refusal of the request itself (4xx), else try again later (signed out, 5xx)
      if (r.status >= 400 && r.status < 500) return { ok: false, error: "HTTP " + r.status };
      throw new Error("no answer");
    });
  }
  // a refusal is shown inside the form, in view, and what was typed stays (walk finding 19)
  function refused(form, data) {
    var box = form.querySelector(".form-error");
    if (!box) {
      box = document.createElement("p"); box.className = "form-error"; box.setAttribute("role", "alert");
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = data.error;
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    var field = data.field && form.querySelector("[name='" + data.field.replace(/'/g, "") + "']");
    if (field) { field.setAttribute("aria-invalid", "true"); field.focus({ preventScroll: true }); }
    var idem = form.querySelector("input[name=idem]");
    if (idem) idem.value = uuid();  // the refused attempt stored no key; the next one is a new action
    (field || box).scrollIntoView({ block: "center" });
  }
  function goTo(url) {
    var a = document.createElement("a"); a.href = url;
    if (a.pathname + a.search === location.pathname + location.search) {
      history.replaceState(null, "", a.hash || location.pathname + location.search);
      location.reload();
    } else { location.assign(url); }
  }

  // Optimistic: a queued action shows as done on its page, so the next step is open at once (walk
  // finding 6: 出发 stayed disabled after a checklist queued offline). The server still checks every rule
  // when the queue is sent (R-PR-1 before R-DI-7's departure, R-AR-* at arrival); a refusal shows on
  // that item and the server writes nothing of it.
  function optimistic() {
    mine(load()).filter(function (e) { return waiting(e) && e.page === location.pathname; }).forEach(function (e) {
      document.querySelectorAll("form[data-queue='" + String(e.label).replace(/'/g, "") + "']").forEach(function (form) {
        if (form.action !== e.url) return;
        form.classList.add("queued");
        if (form.hasAttribute("data-once")) form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        var ticked = e.body.filter(function (kv) { return kv[0] === "item"; }).map(function (kv) { return kv[1]; });
        form.querySelectorAll("input[type=checkbox][name=item]").forEach(function (box) { if (ticked.indexOf(box.value) >= 0) box.checked = true; });
        if (!form.querySelector(".queued-note")) {
          var note = document.createElement("p"); note.className = "queued-note muted"; note.textContent = word("queued");
          form.appendChild(note);
        }
        var step = form.closest(".step"); if (step && e.complete) step.classList.add("done");
      });
      if (!e.complete) return;
      document.querySelectorAll("[data-needs~='" + String(e.label).replace(/'/g, "") + "']").forEach(function (el) {
        el.disabled = false; el.removeAttribute("title");
      });
      document.querySelectorAll("[data-after~='" + String(e.label).replace(/'/g, "") + "']").forEach(function (el) {
        el.hidden = false;
        var status = document.getElementById("status");
        if (status && el.dataset.statusText) status.textContent = el.dataset.statusText;
      });
    });
  }
  function complete(form) {  // a checklist is done when every required item is ticked (the server checks)
    return Array.from(form.querySelectorAll("input[data-required]")).every(function (box) { return box.checked; });
  }
  function title(form) {
    var card = form.closest(".card"), h = card && card.querySelector("h2");
    var name = h ? h.firstChild.textContent.trim() : "";
    var button = form.querySelector("button[type=submit]");
    var order = document.querySelector("h1") ? document.querySelector("h1").firstChild.textContent.trim() : "";
    return [order, name || (button ? button.textContent.trim() : form.dataset.queue)].filter(Boolean).join(" · ");
  }
  function queue(entry, form) {
    var q = load(); q.push(entry); save(q);
    var idem = form.querySelector("input[name=idem]");
    if (idem) idem.value = uuid();  // the next tap is the next action
    optimistic();
  }

  var replaying = false;
  function replay() {
    if (replaying || !navigator.onLine || !mine(load()).some(waiting)) return;
    replaying = true;
    var sent = 0;
    function run() {
      return new Promise(function (done) {
        (function next() {
          var entry = mine(load()).filter(waiting)[0];
          if (!entry) { done(true); return; }
          send(entry).then(function (data) {
            sent += 1;
            update(entry.id, data.ok === false
              ? { state: "refused", error: data.error || "" }
              : { state: "sent", replayed: !!data.replayed });
            next();
          }).catch(function () { done(false); });  // still offline: the rest waits, in order
        })();
      });
    }
    // one tab sends the queue at a time
    var running = navigator.locks ? navigator.locks.request(KEY, run) : run();
    running.then(function (all) {
      replaying = false; banner();
      if (all && sent) window.location.reload();  // the page as the server now has it
    });
  }

  function fill(form) {
    var idem = form.querySelector("input[name=idem]");
    if (idem && !idem.value) idem.value = uuid();
    var at = form.querySelector("input[name=client_at]");
    if (at) at.value = new Date().toISOString();
  }

  document.addEventListener("submit", function (e) {
    var form = e.target, a = app();
    if (a && form.matches && form.getAttribute("action") === a.logout) {
      // log-out forgets the phone's queue (offline.py): say so while actions still wait
      var n = mine(load()).filter(waiting).length;
      if (n && !window.confirm(word("logout_queued", { n: n }))) { e.preventDefault(); e.stopPropagation(); }
      return;
    }
    if (!form.matches || !form.matches("form[data-queue]")) return;
    e.preventDefault(); e.stopPropagation();
    fill(form);
    var entry = {
      id: (form.querySelector("input[name=idem]") || {}).value || uuid(), url: form.action,
      body: Array.from(new FormData(form).entries()).filter(function (kv) { return typeof kv[1] === "string"; }),
      label: form.dataset.queue, page: location.pathname, user: me(), title: title(form),
      complete: complete(form), state: "waiting", at: new Date().toISOString()
    };
    // offline, or earlier actions still waiting: this one goes behind them, in order
    if (!navigator.onLine || mine(load()).some(waiting)) { queue(entry, form); replay(); return; }
    var file = form.querySelector("input[type=file]");
    var sending = (file && file.files.length)
      ? fetch(entry.url, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "X-Visit-Queue": "live" } }).then(function (r) { return r.json(); })
      : send(entry, true);
    sending.then(function (data) { if (data.ok === false && data.error) refused(form, data); else goTo(data.redirect); })
      .catch(function () { queue(entry, form); });
  }, true);

  window.addEventListener("online", replay);
  setInterval(replay, 30000);  // the server could not be reached although the phone was online: try again
  window.addEventListener("offline", banner);

  // the service worker keeps today's page, today's visit pages and the app's files (offline.py)
  function worker() {
    var a = app();
    if (!a || !a.user || !("serviceWorker" in navigator) || !navigator.onLine) return;
    var controlled = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.register(a.worker, { scope: a.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var urls = controlled ? [] : [location.pathname + location.search];
      document.querySelectorAll("a.open-visit").forEach(function (l) { urls.push(l.href); });
      document.querySelectorAll("script[src], link[rel=stylesheet]").forEach(function (el) { urls.push(el.src || el.href); });
      if (reg.active) reg.active.postMessage({ type: "keep", urls: urls });
    }).catch(function () {});
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (e) {
      if (e.data && e.data.type === "kept") document.documentElement.dataset.offlineKept = String(e.data.count);
    });
  }

  function geolocate() {
    var form = document.querySelector("form[data-geo]");
    if (!form || !navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (p) {
      form.querySelector("input[name=lat]").value = p.coords.latitude.toFixed(6);
      form.querySelector("input[name=lng]").value = p.coords.longitude.toFixed(6);
    }, function () {}, { timeout: 8000, maximumAge: 60000 });
  }

  function knockTimer() {
    var el = document.getElementById("knock-timer"); if (!el || el.dataset.bound) return;
    el.dataset.bound = "1";
    var start = Date.parse(el.dataset.start), retry = +el.dataset.retry, callAfter = +el.dataset.callAfter * 60;
    function tick() {
      var s = Math.max(0, Math.floor((Date.now() - start) / 1000));
      var mm = String(Math.floor(s / 60)).padStart(2, "0"), ss = String(s % 60).padStart(2, "0");
      var next = retry - (s % retry);
      el.querySelector(".clock").textContent = mm + ":" + ss;
      el.querySelector(".hint").textContent = s >= callAfter ? el.dataset.callText.replace("{m}", callAfter / 60) : el.dataset.retryText.replace("{s}", next);
      el.classList.toggle("call", s >= callAfter);
    }
    tick();
    var timer = setInterval(function () { if (!el.isConnected) { clearInterval(timer); return; } tick(); }, 1000);
  }

  function signaturePad() {
    var pad = document.getElementById("sign-pad"); if (!pad || pad.dataset.bound) return;
    pad.dataset.bound = "1";
    var ctx = pad.getContext("2d"), drawing = false, drawn = false;
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#102a43";
    function pos(e) { var r = pad.getBoundingClientRect(); return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height]; }
    pad.addEventListener("pointerdown", function (e) { drawing = true; var p = pos(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); });
    pad.addEventListener("pointermove", function (e) { if (!drawing) return; var p = pos(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true; });
    pad.addEventListener("pointerup", function () { drawing = false; });
    pad.addEventListener("pointerleave", function () { drawing = false; });
    document.getElementById("sign-clear").onclick = function () { ctx.clearRect(0, 0, pad.width, pad.height); drawn = false; };
    pad.closest("form").addEventListener("submit", function (e) {  // the signature, or a consent's mark
      if (!drawn) { e.preventDefault(); alert(pad.dataset.empty); return; }
      document.getElementById("sign-image").value = pad.toDataURL("image/png");
    });
  }

  function init() {
    document.querySelectorAll("form[data-queue]").forEach(function (f) {
      var idem = f.querySelector("input[name=idem]"); if (idem && !idem.value) idem.value = uuid();
    });
    banner(); optimistic(); geolocate(); knockTimer(); signaturePad(); worker(); replay();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
  document.addEventListener("htmx:afterSettle", init);
})();
