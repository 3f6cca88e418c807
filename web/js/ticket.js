// "My ticket": the number from the ticket → position, the call window ("zwischen 10:40 und
// 10:55"), the reminder with the chosen notice (Notification API, countdown, Web Push), kept
// current by the ETA event stream; the number is kept on this device (localStorage) only.

import { getJSON, offices, noteServerNow, serverNow, ApiError, Unreachable } from "./api.js";
import { t } from "./i18n.js";
import { el, clock, callRange, localDate } from "./format.js";
import { Alarm, isDue, permission } from "./alarm.js";
import { enablePush, disablePush } from "./push.js";

const KEY = "qc.ticket";
const NUMBER = /^[A-Za-z0-9._-]{1,32}$/;
const POLL_MS = 30000;

let current = null; // { rec, es, alarm, poll, eta, name }
const $ = (id) => document.getElementById(id);

function stored() {
  try {
    const rec = JSON.parse(localStorage.getItem(KEY));
    return rec && NUMBER.test(rec.ticket) && rec.office ? rec : null;
  } catch {
    return null;
  }
}

function save(rec) {
  localStorage.setItem(KEY, JSON.stringify(rec));
}

function etaPath(rec, stream = false) {
  const base = `/v1/offices/${encodeURIComponent(rec.office)}/tickets/${encodeURIComponent(rec.ticket)}/eta`;
  return `${base}${stream ? "/stream" : ""}?notify_before=${rec.notice}`;
}

function stop() {
  if (!current) return;
  current.es?.close();
  current.alarm?.stop();
  clearInterval(current.poll);
  current = null;
}

function showError(text) {
  const box = $("t-error");
  box.textContent = text;
  box.hidden = !text;
}

function renderAlarm() {
  const eta = current?.eta;
  const box = $("ts-alarm");
  if (!eta || eta.status !== "waiting") {
    box.replaceChildren();
    return;
  }
  const notice = eta.notice_minutes;
  let p;
  if (isDue(eta, serverNow())) {
    p = el("p", { class: "due" }, t("alarm_due", { notice }));
  } else if (eta.alarm_at) {
    p = el("p", {}, t("alarm_at", { at: clock(eta.alarm_at), notice }));
  } else {
    p = el("p", {}, t("alarm_uncalibrated"));
  }
  box.replaceChildren(p);
}

function renderPermission() {
  const note = $("ts-perm");
  const allow = $("ts-allow");
  const p = permission();
  const waiting = current?.eta?.status === "waiting";
  note.hidden = !waiting || p === "granted";
  note.classList.toggle("warn", p === "denied" || p === "unsupported");
  allow.hidden = !waiting || p !== "default";
  if (p === "denied") note.textContent = t("perm_denied");
  else if (p === "default") note.textContent = t("perm_default");
  else if (p === "unsupported") note.textContent = t("perm_unsupported");
}

function renderPush() {
  const box = $("ts-push");
  const state = current?.push;
  box.hidden = !state || current?.eta?.status !== "waiting";
  if (state) box.textContent = t(state === "on" ? "push_on" : state === "off" ? "push_off" : "push_failed");
}

function render() {
  const eta = current?.eta;
  if (!eta) return;
  const art = $("ticket-status");
  art.hidden = false;
  art.classList.toggle("called", eta.status === "called");
  Object.assign(art.dataset, {
    status: eta.status,
    ticket: eta.ticket,
    callP10: eta.call_p10 ?? "",
    callP50: eta.call_p50 ?? "",
    callP90: eta.call_p90 ?? "",
    position: eta.position ? String(eta.position.position) : "",
    alarmAt: eta.alarm_at ?? "",
    notice: eta.notice_minutes ?? "",
  });
  $("ts-heading").textContent = t("ticket_heading", { ticket: eta.ticket, office: current.name });
  const pos = $("ts-position");
  if (eta.status === "waiting") {
    const [from, to] = callRange(eta.call_p10, eta.call_p90);
    $("ts-main").textContent = t("ticket_range", { from, to });
    const n = eta.position?.position;
    pos.replaceChildren(
      n === 1 ? t("ticket_position_first") : n ? t("ticket_position", { n }) : "",
      " ",
      el("span", { class: "hint" }, `(${t("ticket_likely", { at: clock(eta.call_p50) })})`),
    );
  } else if (eta.status === "called") {
    const at = clock(eta.called_at);
    $("ts-main").textContent = eta.counter
      ? t("ticket_called_counter", { at, counter: eta.counter })
      : t("ticket_called", { at });
    pos.replaceChildren();
  } else {
    $("ts-main").textContent = t("ticket_cancelled");
    pos.replaceChildren();
  }
  $("ts-fresh").textContent = t("fresh", { at: clock(eta.now) });
  renderAlarm();
  renderPermission();
  renderPush();
}

function showMessage(rec, text) {
  const art = $("ticket-status");
  art.hidden = false;
  art.classList.remove("called");
  art.dataset.status = "unknown";
  $("ts-heading").textContent = t("ticket_heading", { ticket: rec.ticket, office: current?.name ?? rec.office });
  $("ts-main").textContent = text;
  for (const id of ["ts-position", "ts-alarm"]) $(id).replaceChildren();
  for (const id of ["ts-perm", "ts-push", "ts-allow"]) $(id).hidden = true;
  $("ts-countdown").textContent = "";
}

function onEta(eta) {
  if (!current) return;
  noteServerNow(eta.now);
  current.eta = eta;
  if (!current.rec.date) {
    current.rec.date = localDate(eta.now);
    save(current.rec);
  }
  render();
  current.alarm.update(eta);
  if (eta.status !== "waiting") {
    current.es?.close();
    clearInterval(current.poll);
  }
}

async function poll() {
  if (!current) return;
  try {
    onEta(await getJSON(etaPath(current.rec)));
  } catch {
    // Reachability is shown by the banner; the next poll tries again.
  }
}

function openStream(rec) {
  const es = new EventSource(etaPath(rec, true));
  es.addEventListener("eta", (ev) => {
    $("ts-fresh").classList.remove("stale");
    onEta(JSON.parse(ev.data));
  });
  es.addEventListener("problem", () => es.close());
  es.addEventListener("error", () => {
    if (!current || current.es !== es) return;
    $("ts-fresh").textContent = t("stream_lost");
    $("ts-fresh").classList.add("stale");
    if (es.readyState === EventSource.CLOSED && !current.poll) {
      current.poll = setInterval(poll, POLL_MS);
    }
  });
  return es;
}

async function setUpPush() {
  if (!current || permission() !== "granted") return;
  const { office, ticket, notice } = current.rec;
  const mine = current;
  const state = await enablePush(office, ticket, notice);
  if (current === mine) {
    current.push = state;
    renderPush();
  }
}

async function start(rec) {
  stop();
  const list = await offices().catch(() => null);
  const name = list?.offices.find((o) => o.id === rec.office)?.name ?? rec.office;
  current = {
    rec,
    name,
    eta: null,
    es: null,
    poll: null,
    push: null,
    alarm: new Alarm({
      announcedP50: rec.announced ?? null,
      label: { office: name },
      onNotify: (_eta, p50) => {
        rec.announced = p50;
        save(rec);
        renderAlarm();
      },
      onTick: (text) => {
        $("ts-countdown").textContent = text;
        renderAlarm();
      },
    }),
  };
  const mine = current;
  let first;
  try {
    first = await getJSON(etaPath(rec));
  } catch (e) {
    if (current !== mine) return;
    if (e instanceof ApiError && e.status === 404) {
      // A number of an earlier day is forgotten quietly.
      const now = await getJSON(`/v1/offices/${encodeURIComponent(rec.office)}/now`).catch(() => null);
      if (now && rec.date && rec.date !== localDate(now.now)) {
        forget();
        return;
      }
      showMessage(rec, t("ticket_unknown", { ticket: rec.ticket, office: name }));
    } else if (e instanceof ApiError) {
      showMessage(rec, t("ticket_no_model"));
    } else if (e instanceof Unreachable) {
      showMessage(rec, t("offline_never"));
      current.poll = setInterval(() => start(rec), POLL_MS);
    }
    return;
  }
  if (current !== mine) return;
  onEta(first);
  if (first.status === "waiting") {
    current.es = openStream(rec);
    setUpPush();
  }
}

function forget() {
  const rec = current?.rec ?? stored();
  stop();
  if (rec) disablePush(rec.office, rec.ticket);
  localStorage.removeItem(KEY);
  $("ticket-status").hidden = true;
  $("t-number").value = "";
}

function formRecord() {
  const form = $("ticket-form");
  const ticket = $("t-number").value.trim().toUpperCase();
  const notice = Number(new FormData(form).get("notice") ?? 10);
  return { office: $("t-office").value, ticket, notice };
}

async function fillOffices(selected) {
  const select = $("t-office");
  try {
    const list = await offices();
    select.replaceChildren(...list.offices.map((o) => el("option", { value: o.id }, o.name)));
    if (selected) select.value = selected;
  } catch {
    // The banner says the server is unreachable; the list fills on the next visit.
  }
}

export function init() {
  const form = $("ticket-form");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const rec = formRecord();
    if (!NUMBER.test(rec.ticket) || !rec.office) {
      showError(t("ticket_bad_number"));
      $("t-number").focus();
      return;
    }
    showError("");
    $("t-number").value = rec.ticket;
    const old = stored();
    if (old && old.office === rec.office && old.ticket === rec.ticket) {
      rec.date = old.date;
      rec.announced = old.notice === rec.notice ? old.announced : null;
    }
    save(rec);
    start(rec);
  });
  for (const radio of form.querySelectorAll('input[name="notice"]')) {
    radio.addEventListener("change", () => {
      const rec = stored();
      if (!current || !rec) return;
      rec.notice = Number(radio.value);
      rec.announced = null;
      save(rec);
      start(rec);
    });
  }
  $("ts-forget").addEventListener("click", forget);
  $("ts-allow").addEventListener("click", async () => {
    if (permission() === "default") await Notification.requestPermission();
    renderPermission();
    setUpPush();
  });
  const rec = stored();
  fillOffices(rec?.office);
  if (rec) {
    $("t-number").value = rec.ticket;
    const radio = form.querySelector(`input[name="notice"][value="${rec.notice}"]`);
    if (radio) radio.checked = true;
    start(rec);
  }
}

export function rerender() {
  if (current?.eta) render();
}
