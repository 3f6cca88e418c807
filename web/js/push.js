// Web Push for "My ticket": with the server's VAPID key, the service worker subscribes to the
// browser's push service and the subscription is registered for the ticket, so the reminder
// arrives while the phone is locked and the page's timers are stopped.

import { getJSON, sendJSON } from "./api.js";

const READY_TIMEOUT_MS = 5000;

function keyBytes(b64url) {
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (b64url.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function sameKey(sub, key) {
  const have = sub.options && sub.options.applicationServerKey;
  if (!have) return false;
  const a = new Uint8Array(have);
  return a.length === key.length && a.every((v, i) => v === key[i]);
}

async function registration() {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) return null;
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), READY_TIMEOUT_MS));
  return Promise.race([navigator.serviceWorker.ready, timeout]);
}

function path(office, ticket) {
  return `/v1/offices/${encodeURIComponent(office)}/tickets/${encodeURIComponent(ticket)}/push`;
}

/**
 * Subscribes and registers the subscription for the ticket.
 * @returns {Promise<"on"|"off"|"failed">} "off": the server has no VAPID key or the browser no push
 */
export async function enablePush(office, ticket, notice) {
  let key;
  try {
    const answer = await getJSON("/v1/push/key");
    if (!answer.public_key) return "off";
    key = keyBytes(answer.public_key);
  } catch {
    return "failed";
  }
  const reg = await registration();
  if (!reg) return "off";
  try {
    let sub = await reg.pushManager.getSubscription();
    if (sub && !sameKey(sub, key)) {
      await sub.unsubscribe();
      sub = null;
    }
    if (!sub) sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    const json = sub.toJSON();
    await sendJSON("POST", path(office, ticket), {
      endpoint: json.endpoint,
      keys: { p256dh: json.keys.p256dh, auth: json.keys.auth },
      notify_before: notice,
    });
    return "on";
  } catch (e) {
    console.warn("push:", e.message);
    return "failed";
  }
}

/** Removes the ticket's subscription on the server (the browser keeps its own for later). */
export async function disablePush(office, ticket) {
  const reg = await registration();
  const sub = reg ? await reg.pushManager.getSubscription() : null;
  if (!sub) return;
  try {
    await sendJSON("DELETE", path(office, ticket), { endpoint: sub.endpoint });
  } catch {
    // The server drops it at the end of the day anyway.
  }
}
