/* The technician app's service worker (doorstep/visits/offline.py): a reload or a page change while the
   phone is offline shows the kept app, not the browser's offline page (walk finding 6).

   - Pages under the scope are fetched from the network first; a copy is kept only when the server marks
     the response with its user key (today's page, the visit pages): one cache per user, only the current
     user's is served, another user's is deleted when a new user's page arrives. Customer mode, tracking,
     card, report and photo responses carry no key and are never kept. Log-out clears everything.
   - Static files (the app's script, styles, htmx) are kept as they are fetched.
   - POSTs are never touched: the page queues the actions itself (visits.js). */
"use strict";
const CONFIG = {{ config|safe }};
const STATIC_CACHE = "doorstep-static-v" + CONFIG.version;
const PAGES = "doorstep-pages-";  // + the user's key
const META = "doorstep-meta";
const CURRENT = CONFIG.scope + "__offline-user";  // a key of the META cache, never fetched

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("doorstep-static-") === 0 && n !== STATIC_CACHE;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function isPage(url) { return url.origin === self.location.origin && url.pathname.indexOf(CONFIG.scope) === 0; }
function isStatic(url) { return url.origin === self.location.origin && url.pathname.indexOf(CONFIG.static) === 0; }

async function currentUser() {
  const kept = await (await caches.open(META)).match(CURRENT);
  return kept ? kept.text() : "";
}
async function userIs(key) {  // a new user signed in: the previous user's pages go
  if ((await currentUser()) === key) return;
  const names = await caches.keys();
  await Promise.all(names.filter(function (n) { return n.indexOf(PAGES) === 0 && n !== PAGES + key; })
    .map(function (n) { return caches.delete(n); }));
  await (await caches.open(META)).put(CURRENT, new Response(key));
}

async function signedIn() {  // who signed in last on this phone (offline.py COOKIE); null: cannot tell
  if (!self.cookieStore) return null;
  try { const c = await self.cookieStore.get(CONFIG.cookie); return c ? c.value : ""; } catch (e) { return null; }
}
async function signedOut() { return (await signedIn()) === ""; }

async function keep(url, response) {
  if (!response.ok || response.redirected) return;
  const key = response.headers.get(CONFIG.header);
  const page = key && isPage(url);
  if ((!page && !isStatic(url)) || await signedOut()) return;  // a fetch that ends after log-out keeps nothing
  if (page) {
    await userIs(key);
    await (await caches.open(PAGES + key)).put(url.pathname + url.search, response);
  } else {
    await (await caches.open(STATIC_CACHE)).put(url.href, response);
  }
  // log-out's Clear-Site-Data may have run while this copy was written: it must not bring a cache back
  if (await signedOut()) {
    await Promise.all((await caches.keys()).map(function (n) { return caches.delete(n); }));
  }
}

async function kept(url) {
  if (isStatic(url)) return (await caches.open(STATIC_CACHE)).match(url.href, { ignoreVary: true });
  const key = await currentUser(), who = await signedIn();
  if (!key || (who !== null && who !== key)) return undefined;  // another user's pages are not shown
  const pages = await caches.open(PAGES + key);
  return (await pages.match(url.pathname + url.search, { ignoreVary: true }))
    || pages.match(url.pathname, { ignoreVary: true });
}

function offlinePage() {
  const esc = function (s) { return String(s).replace(/[&<>"]/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); };
  const html = "<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width, initial-scale=1'>"
    + "<title>" + esc(CONFIG.offline_title) + "</title><link rel='stylesheet' href='" + CONFIG.static + "web/doorstep.css'></head>"
    + "<body><main class='phone' id='offline-page'><h1>" + esc(CONFIG.offline_title) + "</h1><p>" + esc(CONFIG.offline_text)
    + "</p><p><a href='" + CONFIG.scope + "'>← " + esc(CONFIG.today) + "</a></p></main></body></html>";
  return new Response(html, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

async function networkFirst(event, url) {
  const request = event.request;
  try {
    const response = await fetch(request);
    event.waitUntil(keep(url, response.clone()).catch(function () {}));
    return response;
  } catch (err) {
    const copy = await kept(url);
    if (copy) return copy;
    if (request.mode === "navigate" || request.headers.get("HX-Request")) return offlinePage();
    throw err;
  }
}

self.addEventListener("fetch", function (event) {
  if (event.request.method !== "GET") return;
  const url = new URL(event.request.url);
  if (!isPage(url) && !isStatic(url)) return;
  event.respondWith(networkFirst(event, url));
});

// the page asks for today's visit pages and its own files to be kept, then hears that they are
self.addEventListener("message", function (event) {
  const data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) return;
  event.waitUntil((async function () {
    for (const href of data.urls) {
      if (await signedOut()) break;  // logged out while the list was being kept
      const url = new URL(href, self.location.origin);
      if (!isPage(url) && !isStatic(url)) continue;
      try { await keep(url, await fetch(url.href, { credentials: "same-origin" })); } catch (e) { /* offline */ }
    }
    if (event.source) event.source.postMessage({ type: "kept", count: data.urls.length });
  })());
});
