// Service worker of the queuecast app: keeps the shell (HTML, CSS, scripts, icons) for
// offline starts and shows Web Push reminders. API answers are never cached: requests to
// /v1/, /healthz, /readyz and /openapi.json go to the network untouched, so nothing stale is
// ever shown as current. The shell is fetched from the network first (revalidated by ETag)
// and taken from the cache only when the server cannot be reached.

const VERSION = "%SHELL_VERSION%";
const CACHE = `queuecast-shell-${VERSION}`;
const SHELL = [
  "/",
  "/app.css",
  "/js/main.js",
  "/js/api.js",
  "/js/i18n.js",
  "/js/format.js",
  "/js/offices.js",
  "/js/ticket.js",
  "/js/alarm.js",
  "/js/push.js",
  "/js/best.js",
  "/js/services.js",
  "/manifest.webmanifest",
  "/icons/icon.svg",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("queuecast-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function isShell(url) {
  return url.origin === self.location.origin && SHELL.includes(url.pathname);
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !isShell(url)) return; // API and everything else: network only
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((c) => c.put(event.request, copy));
        }
        return response;
      })
      .catch(() => caches.match(event.request, { ignoreSearch: true }).then((r) => r ?? Response.error())),
  );
});

function clockOf(rfc) {
  const m = /T(\d{2}):(\d{2})/.exec(rfc ?? "");
  return m ? `${m[1]}:${m[2]}` : "";
}

self.addEventListener("push", (event) => {
  let msg = {};
  try {
    msg = event.data ? event.data.json() : {};
  } catch {
    msg = { title: event.data ? event.data.text() : "queuecast" };
  }
  const en = msg.lang === "en";
  const title =
    msg.title ?? (en ? `Your turn soon: ${msg.ticket}` : `Gleich sind Sie dran: ${msg.ticket}`);
  const from = clockOf(msg.call_p10);
  const to = clockOf(msg.call_p90);
  const body = en
    ? `${msg.office_name ?? msg.office_id}: expected call between ${from} and ${to}.`
    : `${msg.office_name ?? msg.office_id}: Aufruf voraussichtlich zwischen ${from} und ${to} Uhr.`;
  event.waitUntil(
    self.registration.showNotification(title, {
      body,
      tag: `qc-${msg.office_id}-${msg.ticket}`,
      renotify: true,
      icon: "/icons/icon-192.png",
      data: { url: "/#ticket" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((list) => {
      for (const c of list) {
        if (new URL(c.url).origin === self.location.origin && "focus" in c) {
          c.navigate(target).catch(() => {});
          return c.focus();
        }
      }
      return self.clients.openWindow(target);
    }),
  );
});
