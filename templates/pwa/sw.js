// todo-web's service worker (served by todo_web/pwa.py at /sw.js, scope /).
//
// It keeps the static files the pages use, by their fingerprinted URLs (/static/...?v=hash,
// whose content never changes), and the offline page. Pages are loaded from the network,
// and when the network fails the offline page is shown instead. Everything else (a user's
// pages, htmx fragments, JSON, form posts) goes to the server untouched and is never kept.
//
// VERSION changes whenever one of the kept files (or the offline page) changes, which
// changes this file: the browser then installs the new worker, which takes over at once
// and deletes the copies the old one kept.
//
// It also shows the Web Push notifications the server sends, and opens the page a
// notification is about when it is clicked.
"use strict";

const VERSION = {{ version|tojson }};
const CACHE = "todo-web-" + VERSION;
const CACHE_PREFIX = "todo-web-";
const PRECACHE = {{ precache|tojson }};
const OFFLINE_URL = {{ offline_url|tojson }};
const START_URL = {{ start_url|tojson }};
const ICON_URL = {{ icon_url|tojson }};

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      // The offline page from the server itself, not from the browser's HTTP cache.
      return cache.addAll(PRECACHE.concat([new Request(OFFLINE_URL, { cache: "reload" })]));
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    const names = await caches.keys();
    await Promise.all(names.map(function (name) {
      return name.startsWith(CACHE_PREFIX) && name !== CACHE ? caches.delete(name) : null;
    }));
    // A page's request starts while the worker is still starting up, instead of after it.
    if (self.registration.navigationPreload) {
      await self.registration.navigationPreload.enable();
    }
    await self.clients.claim();
  })());
});

function isFingerprintedStatic(url) {
  return url.origin === self.location.origin &&
    url.pathname.startsWith("/static/") &&
    url.searchParams.has("v");
}

async function fromNetworkOrOffline(event) {
  try {
    const preloaded = await event.preloadResponse;
    if (preloaded) return preloaded;
    return await fetch(event.request);
  } catch (error) {
    // No network (or no server): the offline page, kept at install.
    const cache = await caches.open(CACHE);
    const offline = await cache.match(OFFLINE_URL, { ignoreVary: true });
    return offline || Response.error();
  }
}

async function fromCacheFirst(request) {
  const cache = await caches.open(CACHE);
  // The same bytes whatever the request's headers (Vary: Accept-Encoding, Cookie).
  const kept = await cache.match(request, { ignoreVary: true });
  if (kept) return kept;
  const response = await fetch(request);
  // A fingerprinted URL always means the same bytes, so a copy is never stale.
  if (response.ok && response.type === "basic") {
    cache.put(request, response.clone()).catch(function () {});
  }
  return response;
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(fromNetworkOrOffline(event));
    return;
  }
  if (isFingerprintedStatic(new URL(request.url))) {
    event.respondWith(fromCacheFirst(request));
  }
  // Anything else: not handled here, so the browser asks the server as if there were no
  // worker, and nothing is kept.
});

// -- Web Push -------------------------------------------------------------------------------

// The page a notification leads to: a path on this site, or the task list.
function sameOriginPath(value) {
  if (typeof value !== "string" || !value) return START_URL;
  try {
    const url = new URL(value, self.location.origin);
    if (url.origin !== self.location.origin) return START_URL;
    return url.pathname + url.search + url.hash;
  } catch (error) {
    return START_URL;
  }
}

// The server sends JSON: {"title", "body", "url", "tag"}; any of them may be missing, and a
// message that is not JSON is shown as the notification's text.
function readMessage(data) {
  if (!data) return {};
  let text = "";
  try {
    text = data.text();
  } catch (error) {
    return {};
  }
  try {
    const message = JSON.parse(text);
    if (message && typeof message === "object" && !Array.isArray(message)) return message;
    return { body: String(message) };
  } catch (error) {
    return { body: text };
  }
}

function asText(value) {
  return typeof value === "string" ? value : (value == null ? "" : String(value));
}

self.addEventListener("push", function (event) {
  const message = readMessage(event.data);
  const title = asText(message.title).trim() || "todo-web";
  const options = {
    body: asText(message.body),
    icon: ICON_URL,
    data: { url: sameOriginPath(message.url) },
  };
  const tag = asText(message.tag);
  if (tag) {
    options.tag = tag;
    options.renotify = true; // a reminder again under the same tag still alerts
  }
  event.waitUntil(self.registration.showNotification(title, options));
});

// A click on a notification: a window of this site already open goes to its page (and
// comes to the front); with none open, a new one opens there.
async function openNotificationPage(path) {
  const target = new URL(path, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const ours = windows.filter(function (client) {
    return new URL(client.url).origin === self.location.origin;
  });
  // The one the user looked at last first.
  ours.sort(function (a, b) { return Number(b.focused) - Number(a.focused); });
  for (const client of ours) {
    let shown = client;
    if (client.url !== target && "navigate" in client) {
      try {
        // Only a window this worker controls can be navigated; null when it then left
        // the site.
        shown = await client.navigate(target);
      } catch (error) {
        continue;
      }
    }
    if (!shown) continue;
    try {
      await shown.focus();
    } catch (error) {
      // Bringing a window forward is refused without a user's click; it has its page.
    }
    return shown;
  }
  return self.clients.openWindow(target);
}

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  const data = event.notification.data || {};
  event.waitUntil(openNotificationPage(sameOriginPath(data.url)));
});
