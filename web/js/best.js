// "Best times": the next days' quietest slots (from /best-times) and the weekday × hour grid
// of the usual median wait (from /profile; cells with too few visits are suppressed).

import { getJSON, offices, noteServerNow, Unreachable } from "./api.js";
import { t } from "./i18n.js";
import { el, dateText, weekday, hhmm, localDate, localMinutes } from "./format.js";

/** Wait classes of the grid, minutes: < 5, < 10, < 20, < 30, ≥ 30. */
export const GRID_LIMITS = [5, 10, 20, 30];

let office = null;
let data = null; // { best, profile, now }

/** The local date and minutes of the office's now, read from the API's own text. */
function todayOf(nowText) {
  return { date: localDate(nowText), minutes: localMinutes(nowText) };
}

function addDays(iso, n) {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function gridClass(min) {
  const i = GRID_LIMITS.findIndex((l) => min < l);
  return `q${i === -1 ? GRID_LIMITS.length : i}`;
}

function dayItem(day, today) {
  const name =
    day.date === today.date ? t("best_today") : day.date === addDays(today.date, 1) ? t("best_tomorrow") : weekday(day.weekday, true);
  const head = el("span", { class: "d" }, `${name}, ${dateText(day.date)}`);
  if (!day.open) return el("li", { "data-date": day.date }, head, el("div", { class: "slots" }, t("best_closed")));
  let slots = day.best_times.filter((b) => b.wait_p50_min !== null);
  if (day.date === today.date) slots = slots.filter((b) => b.slot * 15 + 15 > today.minutes);
  if (slots.length === 0) return el("li", { "data-date": day.date }, head, el("div", { class: "slots" }, t("best_none")));
  const [top, ...rest] = slots;
  const also = rest.map((b) => b.start).sort();
  return el(
    "li",
    { "data-date": day.date },
    head,
    el("div", {}, el("span", { class: "lvl low" }, t("best_from", { at: top.start })), " ", el("span", { class: "nowrap" }, top.wait_p50_min < 1.5 ? t("best_wait_none") : t("best_wait", { min: Math.round(top.wait_p50_min) }))),
    also.length ? el("div", { class: "slots" }, t("best_also", { list: also.join(", ") })) : null,
  );
}

function grid(profile) {
  const cells = profile.cells;
  const days = [...new Set(cells.filter((c) => (c.open_days ?? 0) > 0).map((c) => c.weekday))].sort((a, b) => a - b);
  const hours = cells.map((c) => c.hour);
  const [h0, h1] = [Math.min(...hours), Math.max(...hours)];
  const at = new Map(cells.map((c) => [`${c.weekday}-${c.hour}`, c]));
  const head = el("tr", {}, el("td", {}), ...range(h0, h1).map((h) => el("th", { scope: "col" }, String(h))));
  const rows = days.map((d) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, el("abbr", { title: weekday(d, true) }, weekday(d))),
      ...range(h0, h1).map((h) => {
        const c = at.get(`${d}-${h}`);
        if (!c || !c.open_days) return el("td", { class: "shut" });
        if (c.suppressed || c.wait_median_min === null) {
          return el("td", { class: "sup", title: t("grid_suppressed") }, el("span", { class: "sr" }, t("grid_suppressed")));
        }
        const min = c.wait_median_min;
        return el(
          "td",
          { class: gridClass(min), title: t("grid_cell", { day: weekday(d, true), hour: hhmm(h * 60), min: Math.round(min) }) },
          String(Math.round(min)),
        );
      }),
    ),
  );
  const table = document.getElementById("heat");
  const caption = el("caption", { id: "grid-caption" }, t("grid_caption", { from: dateText(profile.from), to: dateText(profile.to) }));
  table.replaceChildren(caption, el("thead", {}, head), el("tbody", {}, ...rows));
}

function range(a, b) {
  return Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
}

function render() {
  if (!data) return;
  const today = todayOf(data.now);
  document.getElementById("best-days").replaceChildren(...data.best.days.map((d) => dayItem(d, today)));
  document.getElementById("grid-note").textContent = t("grid_note");
  const limits = [0, ...GRID_LIMITS];
  const labels = limits.map((l, i) => (i === limits.length - 1 ? `≥ ${l}` : `${l}–${limits[i + 1]}`));
  document
    .getElementById("grid-legend")
    .replaceChildren(t("grid_legend"), ...labels.map((text, i) => el("span", { class: `key q${i}` }, text)));
  grid(data.profile.profile);
}

async function load(id) {
  office = id;
  try {
    const [best, profile, now] = await Promise.all([
      getJSON(`/v1/offices/${encodeURIComponent(id)}/best-times?days=7`),
      getJSON(`/v1/offices/${encodeURIComponent(id)}/profile`),
      getJSON(`/v1/offices/${encodeURIComponent(id)}/now`),
    ]);
    if (office !== id) return;
    noteServerNow(now.now);
    data = { best, profile, now: now.now };
    render();
  } catch (e) {
    if (!(e instanceof Unreachable)) console.warn("best times:", e.message);
  }
}

export async function show() {
  const select = document.getElementById("b-office");
  if (!select.options.length) {
    try {
      const list = await offices();
      select.replaceChildren(...list.offices.map((o) => el("option", { value: o.id }, o.name)));
    } catch {
      return;
    }
    select.addEventListener("change", () => load(select.value));
  }
  load(select.value);
}

export function rerender() {
  render();
}
