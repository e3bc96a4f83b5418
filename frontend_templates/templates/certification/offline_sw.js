// Service worker of the offline certificate verifier. It keeps the page, its script and
// stylesheet, and the offline bundle (trust list, status lists). The page and the bundle
// come from the network when it answers in time, so they stay fresh, and from this cache
// when it does not; the versioned static files come from the cache first.
const CACHE = "hocvuso-offline-{{ version }}";
const ASSETS = {{ assets_json|safe }};
const FRESH = {{ fresh_json|safe }};
const NETWORK_TIMEOUT_MS = 5000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("hocvuso-offline-") && name !== CACHE)
          .map((name) => caches.delete(name)),
      ))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!ASSETS.includes(url.pathname)) return;
  event.respondWith(FRESH.includes(url.pathname) ? networkFirst(url.pathname) : cacheFirst(url.pathname));
});

async function networkFirst(path) {
  const cache = await caches.open(CACHE);
  let response = null;
  try {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), NETWORK_TIMEOUT_MS);
    response = await fetch(path, { cache: "no-store", signal: controller.signal });
    clearTimeout(timer);
    if (response.ok) {
      await cache.put(path, response.clone());
      return response;
    }
  } catch (error) {
    // No network, or too slow: the copy kept below.
  }
  return (await cache.match(path, { ignoreVary: true })) || response || Response.error();
}

async function cacheFirst(path) {
  const cached = await caches.match(path, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(path);
  if (response.ok) await (await caches.open(CACHE)).put(path, response.clone());
  return response;
}
