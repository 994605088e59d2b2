// @odoo-module ignore
/* The kiosk's service worker (scope /mes/kiosk): the kiosk page and the assets it loads are
 * kept, so that a tablet reloaded or restarted while the server cannot be reached opens the
 * kiosk again and its queued results (IndexedDB) are still there. Network first: online, the
 * tablet always gets the current page and assets; the cache is only the fallback. Calls to
 * the server (POST) are never cached. */
const CACHE = "mes-kiosk-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
    const urls = (event.data && event.data.urlsToCache) || [];
    event.waitUntil(
        caches.open(CACHE).then((cache) =>
            Promise.all(urls.map((url) => cache.add(url).catch(() => undefined)))
        )
    );
});

self.addEventListener("fetch", (event) => {
    const request = event.request;
    const url = new URL(request.url);
    if (request.method !== "GET" || url.origin !== self.location.origin) {
        return;
    }
    // the kiosk page (any query), its assets, and what they load (translations, fonts)
    const key = url.pathname === "/mes/kiosk" ? "/mes/kiosk" : request;
    event.respondWith(
        fetch(request)
            .then((response) => {
                if (response.ok && response.type === "basic") {
                    const copy = response.clone();
                    caches.open(CACHE).then((cache) => cache.put(key, copy));
                }
                return response;
            })
            .catch(() =>
                caches.match(key).then((cached) => cached || caches.match(request, { ignoreSearch: true })).then(
                    (cached) => cached || Response.error()
                )
            )
    );
});
