/* Technician app: offline queue with idempotency keys, knock-protocol timer, arrival location,
   signature canvas. Forms marked data-queue are sent by fetch; when the phone is offline (or the
   request cannot reach the server) they are kept in localStorage and replayed in order when the
   connection returns. Each form carries a client-generated key, so a replay is done only once. */
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
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(KEY, JSON.stringify(q)); banner(); }
  function banner() {
    var el = document.getElementById("offline-banner"); if (!el) return;
    var n = load().length;
    el.hidden = n === 0 && navigator.onLine;
    el.textContent = n ? el.dataset.queued.replace("{n}", n) : (navigator.onLine ? "" : el.dataset.offline);  // texts: the page's, translated
  }
  function send(entry, live) {  // live: sent from the open page, so a refusal is shown on it
    return fetch(entry.url, {
      method: "POST", body: new URLSearchParams(entry.body), credentials: "same-origin",
      headers: { "X-Visit-Queue": live ? "live" : "1", "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (r) { return r.json(); });
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
  function queue(entry) { var q = load(); q.push(entry); save(q); }

  var replaying = false;
  function replay() {
    if (replaying || !navigator.onLine) return;
    var q = load(); if (!q.length) return;
    replaying = true;
    (function next() {
      var q2 = load();
      if (!q2.length) { replaying = false; window.location.reload(); return; }
      send(q2[0]).then(function () { save(load().slice(1)); next(); })
        .catch(function () { replaying = false; banner(); });
    })();
  }

  function fill(form) {
    var idem = form.querySelector("input[name=idem]");
    if (idem && !idem.value) idem.value = uuid();
    var at = form.querySelector("input[name=client_at]");
    if (at) at.value = new Date().toISOString();
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-queue]")) return;
    e.preventDefault(); e.stopPropagation();
    fill(form);
    var entry = { url: form.action, body: Array.from(new FormData(form).entries()).filter(function (kv) { return typeof kv[1] === "string"; }), label: form.dataset.queue };
    if (!navigator.onLine) { queue(entry); return; }
    var file = form.querySelector("input[type=file]");
    var sending = (file && file.files.length)
      ? fetch(entry.url, { method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "X-Visit-Queue": "live" } }).then(function (r) { return r.json(); })
      : send(entry, true);
    sending.then(function (data) { if (data.ok === false && data.error) refused(form, data); else goTo(data.redirect); })
      .catch(function () { queue(entry); });
  }, true);

  window.addEventListener("online", replay);
  window.addEventListener("offline", banner);

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
    banner(); geolocate(); knockTimer(); signaturePad(); replay();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
  document.addEventListener("htmx:afterSettle", init);
})();
