// "Services and documents": the catalog, searchable; each service with its documents as a
// checklist kept on this device (localStorage), fees, duration, appointment hint, online
// alternative, notes and the date the entry was reviewed.

import { getJSON, Unreachable } from "./api.js";
import { t, currentLang } from "./i18n.js";
import { el, dateText } from "./format.js";

const KEY = "qc.checklist";
let services = null;
const open = new Set();

function checked() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) ?? {};
  } catch {
    return {};
  }
}

function setChecked(code, doc, on) {
  const all = checked();
  const list = new Set(all[code] ?? []);
  if (on) list.add(doc);
  else list.delete(doc);
  if (list.size) all[code] = [...list];
  else delete all[code];
  localStorage.setItem(KEY, JSON.stringify(all));
}

function docKey(d) {
  return d.condition ? `${d.name} (${d.condition})` : d.name;
}

/** Lower-case text a search matches against: code, name, description, documents. */
function haystack(s) {
  return [s.code, s.name, s.description, ...s.documents.map((d) => d.name)].join(" ").toLocaleLowerCase("de");
}

function fees(s) {
  if (!s.fees.length) return [el("li", {}, t("svc_free"))];
  return s.fees.map((f) =>
    el(
      "li",
      {},
      f.text ?? (f.cents === 0 ? t("svc_free") : ""),
      f.condition ? ` – ${f.condition}` : "",
      f.note ? el("span", { class: "cond" }, f.note) : null,
    ),
  );
}

function progress(s, done) {
  return t("svc_progress", { done, total: s.documents.length });
}

function item(s, ticks) {
  const mine = new Set(ticks[s.code] ?? []);
  const counter = el("span", { class: "progress", "aria-live": "polite" }, progress(s, s.documents.filter((d) => mine.has(docKey(d))).length));
  const docs = s.documents.map((d, i) => {
    const key = docKey(d);
    const id = `doc-${s.code}-${i}`;
    const box = el("input", { type: "checkbox", id, "data-doc": key, checked: mine.has(key) });
    box.addEventListener("change", () => {
      setChecked(s.code, key, box.checked);
      const n = [...details.querySelectorAll("input[type=checkbox]")].filter((b) => b.checked).length;
      counter.textContent = progress(s, n);
    });
    return el("li", {}, el("label", { for: id }, box, el("span", {}, d.name, d.condition ? el("span", { class: "cond" }, d.condition) : null)));
  });
  const details = el(
    "details",
    { "data-code": s.code, open: open.has(s.code) },
    el("summary", {}, el("span", {}, s.name), el("span", { class: "meta" }, s.code)),
    el(
      "div",
      { class: "body" },
      el("p", {}, s.description),
      s.appointment_required ? el("p", { class: "appt" }, t("svc_appointment")) : el("p", {}, t("svc_walkin")),
      el("h4", {}, t("svc_documents"), " ", counter),
      el("ul", { class: "checklist" }, docs),
      el("h4", {}, t("svc_fees")),
      el("ul", {}, fees(s)),
      el("p", {}, t("svc_duration", { n: s.duration_minutes })),
      s.online ? el("p", {}, t("svc_online", { name: "" }), el("a", { href: s.online.url, rel: "noopener noreferrer", target: "_blank" }, s.online.name)) : null,
      s.notes.length ? [el("h4", {}, t("svc_notes")), el("ul", {}, s.notes.map((n) => el("li", {}, n)))] : null,
      el(
        "p",
        { class: "hint" },
        t("svc_reviewed", { date: dateText(s.reviewed) }),
        " · ",
        el("a", { href: s.source, rel: "noopener noreferrer", target: "_blank" }, t("svc_source")),
      ),
    ),
  );
  details.addEventListener("toggle", () => (details.open ? open.add(s.code) : open.delete(s.code)));
  return el("li", {}, details);
}

function render() {
  if (!services) return;
  const q = document.getElementById("s-search").value.trim().toLocaleLowerCase("de");
  const words = q.split(/\s+/).filter(Boolean);
  const shown = services.filter((s) => words.every((w) => haystack(s).includes(w)));
  const ticks = checked();
  document.getElementById("service-list").replaceChildren(...shown.map((s) => item(s, ticks)));
  document.getElementById("s-count").textContent = t("services_count", { n: shown.length, total: services.length });
  document.getElementById("s-lang").hidden = currentLang() === "de";
}

export async function show() {
  if (services) {
    render();
    return;
  }
  try {
    services = (await getJSON("/v1/services")).services;
    render();
  } catch (e) {
    if (!(e instanceof Unreachable)) console.warn("services:", e.message);
  }
}

export function init() {
  document.getElementById("s-search").addEventListener("input", render);
}

export function rerender() {
  render();
}
