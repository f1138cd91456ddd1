// The pages' service worker: keeps the page itself (index.html and its hashed assets)
// available when the network is cut, so that a handheld reloaded offline still opens the
// scanner, whose scans then wait in IndexedDB (src/scan_queue.ts). API calls are never
// cached: they go to the network or fail, and the page decides.
const kCache = "entrepot-pages-v1";

// Caches the page and the assets it names, so that the first reload offline works too.
async function cachePage() {
  const cache = await caches.open(kCache);
  const response = await fetch("/", { cache: "no-cache" });
  if (!response.ok) return;
  const html = await response.clone().text();
  await cache.put("/", response);
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]);
  await cache.addAll(assets);
}

self.addEventListener("install", (event) => {
  event.waitUntil(cachePage());
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== kCache).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/assets/")) {
    // Content-hashed: a cached copy is always right.
    event.respondWith(
      caches.match(event.request).then(
        (cached) =>
          cached ??
          fetch(event.request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              caches.open(kCache).then((cache) => cache.put(event.request, copy));
            }
            return response;
          }),
      ),
    );
  } else if (event.request.mode === "navigate" && (url.pathname === "/" || url.pathname === "/index.html")) {
    // The page: the network's when it answers (a new build), else the last one seen.
    event.respondWith(
      fetch(event.request)
        .then((response) => {
          if (response.ok && (response.headers.get("content-type") ?? "").startsWith("text/html")) {
            const copy = response.clone();
            caches.open(kCache).then((cache) => cache.put("/", copy));
          }
          return response;
        })
        .catch(() => caches.match("/")),
    );
  }
});
