// Start of the app: texts, the four views behind the tabs (#offices, #ticket, #best,
// #services), the banner when the server is unreachable, "Stand: …", the service worker.

import { applyStatic, setLang, onLang, currentLang, t } from "./i18n.js";
import { onStatus, offices, getJSON } from "./api.js";
import { clock, dateText } from "./format.js";
import * as officesView from "./offices.js";
import * as ticketView from "./ticket.js";
import * as bestView from "./best.js";
import * as servicesView from "./services.js";

const VIEWS = { offices: officesView, ticket: ticketView, best: bestView, services: servicesView };
let active = null;
let status = { reachable: true, lastOk: null };
let generatedAt = null;
let probe = null;

function route(focus) {
  const name = location.hash.slice(1);
  const next = name in VIEWS ? name : "offices";
  for (const [key, view] of Object.entries(VIEWS)) {
    document.getElementById(`view-${key}`).hidden = key !== next;
    if (key !== next && key === active) view.hide?.();
  }
  for (const a of document.querySelectorAll(".tabs a")) {
    if (a.dataset.view === next) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  active = next;
  VIEWS[next].show?.();
  if (focus) document.getElementById(`h-${next}`).focus({ preventScroll: false });
}

function renderStatus() {
  const banner = document.getElementById("offline");
  banner.hidden = status.reachable;
  banner.textContent = status.lastOk ? t("offline", { at: clock(status.lastOk) }) : t("offline_never");
  document.getElementById("main").classList.toggle("stale", !status.reachable);
  const parts = [];
  if (status.lastOk) parts.push(t("fresh", { at: clock(status.lastOk) }));
  if (generatedAt) parts.push(t("fresh_forecast", { date: dateText(generatedAt.slice(0, 10)) }));
  document.getElementById("fresh").textContent = parts.join(" · ");
  clearInterval(probe);
  probe = status.reachable
    ? null
    : setInterval(() => getJSON("/healthz").then(() => VIEWS[active].show?.()).catch(() => {}), 10000);
}

function boot() {
  applyStatic();
  for (const h of document.querySelectorAll("h2")) h.tabIndex = -1;
  document.getElementById("lang").addEventListener("click", () => setLang(currentLang() === "de" ? "en" : "de"));
  onLang(() => {
    for (const v of Object.values(VIEWS)) v.rerender?.();
    renderStatus();
  });
  onStatus((s) => {
    status = s;
    renderStatus();
  });
  offices()
    .then((o) => {
      generatedAt = o.offices[0]?.freshness.generated_at ?? null;
      renderStatus();
    })
    .catch(() => {});
  ticketView.init();
  servicesView.init();
  window.addEventListener("hashchange", () => route(true));
  route(false);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((e) => console.warn("service worker:", e.message));
  }
}

boot();
