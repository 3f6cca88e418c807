// The reminder of "My ticket": a timer to the ETA's `alarm_at` (re-armed with every ETA from
// the event stream), a notification when it is due, a visible countdown either way, and the
// page's own message when notifications are refused. Due = `alarm_at` reached, or the ETA
// says the call may come within the notice. One notification per crossing; another only if
// the queue moves the expected call at least RENOTIFY_MIN earlier than the one announced
// (the same rule as the server's Web Push, and the same tag, so the two never double up).

import { serverNow } from "./api.js";
import { t } from "./i18n.js";
import { callRange, duration } from "./format.js";

export const RENOTIFY_MIN = 5;

/** Whether the ETA's alarm is due at `nowMs` (server clock). */
export function isDue(eta, nowMs) {
  if (eta.status !== "waiting") return false;
  if (eta.alarm_at) return Date.parse(eta.alarm_at) <= nowMs;
  return eta.alarm_reason === "call_may_come_within_notice";
}

/** Whether a notification is to be shown now, given the p50 last announced (ms or null). */
export function shouldNotify(eta, nowMs, announcedP50) {
  if (!isDue(eta, nowMs)) return false;
  if (announcedP50 === null || announcedP50 === undefined) return true;
  return Date.parse(eta.call_p50) <= announcedP50 - RENOTIFY_MIN * 60000;
}

export function permission() {
  if (!("Notification" in window)) return "unsupported";
  return Notification.permission;
}

/** Shows a notification through the service worker (required on Android), else directly. */
export async function showNotification(title, options) {
  if (permission() !== "granted") return false;
  try {
    const reg = "serviceWorker" in navigator ? await navigator.serviceWorker.getRegistration() : null;
    if (reg) {
      await reg.showNotification(title, options);
    } else {
      new Notification(title, options);
    }
    return true;
  } catch (e) {
    console.warn("notification:", e.message);
    return false;
  }
}

export class Alarm {
  /**
   * @param {object} o
   * @param {(eta: object) => void} o.onNotify called when a notification is due (after showing it)
   * @param {(text: string) => void} o.onTick countdown text, every second
   * @param {number|null} o.announcedP50 p50 (ms) of the last notification for this ticket
   */
  constructor({ onNotify, onTick, announcedP50 = null, label = {} }) {
    this.onNotify = onNotify;
    this.onTick = onTick;
    this.announcedP50 = announcedP50;
    this.label = label;
    this.eta = null;
    this.timer = null;
    this.ticker = setInterval(() => this.tick(), 1000);
  }

  /** A new ETA: re-arm the timer and check now. */
  update(eta) {
    this.eta = eta;
    clearTimeout(this.timer);
    if (eta.status !== "waiting") {
      this.tick();
      return;
    }
    if (eta.alarm_at) {
      const wait = Date.parse(eta.alarm_at) - serverNow();
      if (wait > 0) this.timer = setTimeout(() => this.check(), Math.min(wait, 2 ** 31 - 1));
    }
    this.check();
    this.tick();
  }

  check() {
    const eta = this.eta;
    if (!eta || !shouldNotify(eta, serverNow(), this.announcedP50)) return;
    this.announcedP50 = Date.parse(eta.call_p50);
    const [from, to] = callRange(eta.call_p10, eta.call_p90);
    showNotification(t("note_title", { ticket: eta.ticket }), {
      body: t("note_body", { office: this.label.office ?? eta.office_id, from, to }),
      tag: `qc-${eta.office_id}-${eta.ticket}`,
      renotify: true,
      icon: "/icons/icon-192.png",
      data: { url: "/#ticket" },
    }).finally(() => this.onNotify(eta, this.announcedP50));
  }

  tick() {
    const eta = this.eta;
    if (!eta || eta.status !== "waiting") {
      this.onTick("");
      return;
    }
    const now = serverNow();
    if (eta.alarm_at && Date.parse(eta.alarm_at) > now) {
      this.onTick(t("countdown", { time: duration(Date.parse(eta.alarm_at) - now) }));
    } else if (eta.call_p10) {
      this.onTick(t("countdown_call", { time: duration(Date.parse(eta.call_p10) - now) }));
    }
    // A timer may have been throttled in the background: catch up here.
    if (isDue(eta, now)) this.check();
  }

  stop() {
    clearTimeout(this.timer);
    clearInterval(this.ticker);
  }
}
