// Formatting of the API's values. Times come as RFC 3339 in the office's own zone
// ("2025-02-24T10:40:26.130+01:00"), so the wall clock is read from the text itself and the
// phone's time zone never matters; instants (for countdowns) are parsed in full.

import { t, currentLang } from "./i18n.js";

/** Minutes since local midnight of an RFC 3339 text, as written (seconds included). */
export function localMinutes(rfc) {
  const m = /T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?/.exec(rfc ?? "");
  if (!m) return NaN;
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3] ?? 0) / 60;
}

/** `HH:MM` of a number of minutes since midnight. */
export function hhmm(minutes) {
  const m = ((Math.round(minutes) % 1440) + 1440) % 1440;
  const h = Math.floor(m / 60);
  return `${String(h).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/** The local `HH:MM` of an RFC 3339 text (rounded to the minute). */
export function clock(rfc) {
  return hhmm(Math.round(localMinutes(rfc)));
}

/** The call window as `[from, to]` texts: p10 rounded down and p90 rounded up to 5 minutes. */
export function callRange(p10, p90) {
  const from = Math.floor(localMinutes(p10) / 5) * 5;
  const to = Math.max(from + 5, Math.ceil(localMinutes(p90) / 5) * 5);
  return [hhmm(from), hhmm(to)];
}

/** The local date `YYYY-MM-DD` of an RFC 3339 text. */
export function localDate(rfc) {
  return (rfc ?? "").slice(0, 10);
}

/** `24.02.2025` or `24 Feb 2025`. */
export function dateText(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  if (!y) return iso;
  if (currentLang() === "en") {
    const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    return `${d} ${months[m - 1]} ${y}`;
  }
  return `${String(d).padStart(2, "0")}.${String(m).padStart(2, "0")}.${y}`;
}

/** Short weekday name of an ISO weekday (1 = Monday). */
export function weekday(n, long = false) {
  return t(long ? "weekdays_long" : "weekdays")[(n - 1 + 7) % 7];
}

/** ISO weekday (1 = Monday) of a `YYYY-MM-DD` date. */
export function isoWeekday(iso) {
  const d = new Date(`${iso}T12:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

/** The label of the 15-minute wait bucket of `minutes`, as the export writes it. */
export function waitBucket(minutes) {
  const m = Number.isFinite(minutes) ? Math.max(0, minutes) : 0;
  const i = Math.min(8, Math.floor(m / 15));
  if (i === 0) return "< 15 min";
  if (i === 8) return "> 120 min";
  return `${i * 15}–${(i + 1) * 15} min`;
}

/** A countdown text such as `12 Min. 05 Sek.` or `1 Std. 02 Min.` (never negative). */
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  if (h > 0) return `${h} ${t("unit_h")} ${pad(m)} ${t("unit_min")}`;
  return `${m} ${t("unit_min")} ${pad(s % 60)} ${t("unit_s")}`;
}

/** Creates an element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) e.append(c);
  }
  return e;
}
