// "Offices now": every office with its waiting count, level (colour and text), expected wait,
// open or closed with today's hours, and which office is quickest right now.

import { getJSON, offices, noteServerNow, Unreachable } from "./api.js";
import { t } from "./i18n.js";
import { el, waitBucket, localMinutes, localDate, isoWeekday } from "./format.js";

const REFRESH_MS = 30000;
let timer = null;
let last = null; // the last rendered data, re-rendered on a language switch

/** Today's opening hours of an office as text, or null when closed today. */
export function hoursToday(office, weekday) {
  const day = office.opening_hours.find((d) => d.weekday === weekday);
  if (!day || day.hours.length === 0) return null;
  return day.hours.map((h) => h.replace("-", "–")).join(", ");
}

/** The forecast slot of the instant `nowText` in a forecast day, if open. */
function slotNow(forecast, nowText) {
  if (!forecast || localDate(nowText) !== forecast.day.date) return null;
  const slot = Math.floor(localMinutes(nowText) / 15);
  return forecast.day.slots.find((s) => s.slot === slot) ?? null;
}

/** One office's picture now: live answer, forecast of today and what the card shows. */
async function load(office) {
  const [now, forecast] = await Promise.all([
    getJSON(`/v1/offices/${encodeURIComponent(office.id)}/now`).catch((e) => {
      if (e instanceof Unreachable) throw e;
      return null;
    }),
    getJSON(`/v1/offices/${encodeURIComponent(office.id)}/forecast`).catch((e) => {
      if (e instanceof Unreachable) throw e;
      return null;
    }),
  ]);
  if (now) noteServerNow(now.now);
  const slot = now ? slotNow(forecast, now.now) : null;
  const open = now?.open_now ?? office.open_now ?? false;
  const wait = now?.expected_wait?.remaining_min?.p50;
  return {
    office,
    now,
    open: open === true,
    level: now?.level ?? office.level_now ?? null,
    waitMin: Number.isFinite(wait) ? wait : slot?.wait_p50_min ?? null,
    live: Number.isFinite(wait),
    bucket: Number.isFinite(wait) ? waitBucket(wait) : slot?.wait_bucket ?? null,
  };
}

const LEVEL_RANK = { low: 0, medium: 1, high: 2 };

/** The open office with the shortest expected wait (live before forecast), else the quietest. */
export function quickest(rows) {
  const open = rows.filter((r) => r.open);
  const byWait = open.filter((r) => r.waitMin !== null).sort((a, b) => a.waitMin - b.waitMin);
  if (byWait.length) return { row: byWait[0], by: "wait" };
  const byLevel = open.filter((r) => r.level).sort((a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level]);
  return byLevel.length ? { row: byLevel[0], by: "level" } : null;
}

function levelPill(level) {
  const key = level ? `level_${level}` : "level_none";
  return el("span", { class: `lvl ${level ?? "none"}` }, t(key));
}

function card(row, best, weekday) {
  const o = row.office;
  const hours = hoursToday(o, weekday);
  const waiting = row.now ? (row.now.waiting === 1 ? t("waiting_one") : t("waiting_now", { n: row.now.waiting })) : null;
  let waitLine = null;
  if (row.open) {
    if (row.bucket) waitLine = t(row.live ? "wait_expected" : "wait_forecast", { bucket: row.bucket });
    else waitLine = t("wait_unknown");
  }
  return el(
    "li",
    { class: `card${best ? " best" : ""}`, "data-office": o.id },
    el("h3", {}, o.name, " ", best ? el("span", { class: "badge" }, t("best_badge")) : null),
    o.address ? el("p", { class: "addr" }, o.address) : null,
    el(
      "p",
      { class: "row" },
      el("span", { class: `badge${row.open ? "" : " closed"}` }, t(row.open ? "open_now" : "closed_now")),
      el("span", {}, hours ? t("hours_today", { hours }) : t("closed_today")),
    ),
    row.open ? el("p", { class: "row" }, levelPill(row.level), waiting ? el("span", { class: "waiting" }, waiting) : null) : null,
    waitLine ? el("p", { class: "wait" }, waitLine) : null,
  );
}

function render() {
  const list = document.getElementById("office-list");
  const q = document.getElementById("quickest");
  if (!last) return;
  const { rows, serverNow } = last;
  const weekday = isoWeekday(localDate(serverNow));
  const best = quickest(rows);
  list.replaceChildren(...rows.map((r) => card(r, best && best.row === r && rows.length > 1, weekday)));
  list.setAttribute("aria-busy", "false");
  q.hidden = false;
  if (!best) q.textContent = t("none_open");
  else if (best.by === "wait") q.textContent = t("quickest", { name: best.row.office.name, bucket: best.row.bucket });
  else q.textContent = t("quickest_level", { name: best.row.office.name });
  list.classList.remove("stale");
}

export async function refresh() {
  const list = document.getElementById("office-list");
  try {
    const data = await offices(true);
    const rows = await Promise.all(data.offices.map(load));
    const serverNow = rows.find((r) => r.now)?.now.now ?? new Date().toISOString();
    last = { rows, serverNow };
    render();
  } catch (e) {
    list.classList.add("stale");
    list.setAttribute("aria-busy", "false");
    if (!(e instanceof Unreachable)) console.warn("offices:", e.message);
  }
}

export function show() {
  refresh();
  clearInterval(timer);
  timer = setInterval(() => {
    if (document.visibilityState === "visible") refresh();
  }, REFRESH_MS);
}

export function hide() {
  clearInterval(timer);
  timer = null;
}

export function rerender() {
  render();
}
