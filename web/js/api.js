// Talking to the queuecast API on the same origin: JSON with a timeout, the server's clock
// (countdowns run on the server's time, not the phone's), and whether the server is reachable.

const TIMEOUT_MS = 8000;

/** An answer of the API that is not 2xx: status and the problem document's detail. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

/** The server cannot be reached (network error or timeout). */
export class Unreachable extends Error {}

const state = {
  skewMs: 0,
  lastOk: null, // server time (RFC 3339 text) of the last successful live answer
  reachable: true,
};
const listeners = [];

/** Calls `f(state)` whenever reachability or freshness changes. */
export function onStatus(f) {
  listeners.push(f);
}

function notify() {
  for (const f of listeners) f({ ...state });
}

export function markReachable(ok) {
  if (state.reachable !== ok) {
    state.reachable = ok;
    notify();
  }
}

/** Records the server's `now` (RFC 3339) of a live answer: the clock offset and freshness. */
export function noteServerNow(rfc) {
  const at = Date.parse(rfc);
  if (Number.isFinite(at)) {
    state.skewMs = at - Date.now();
    state.lastOk = rfc;
    state.reachable = true;
    notify();
  }
}

/** Milliseconds since the epoch on the server's clock. */
export function serverNow() {
  return Date.now() + state.skewMs;
}

/** GET a JSON document of the API. */
export async function getJSON(path) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  let r;
  try {
    r = await fetch(path, { signal: ctl.signal, headers: { Accept: "application/json" } });
  } catch (e) {
    markReachable(false);
    throw new Unreachable(String(e));
  } finally {
    clearTimeout(timer);
  }
  markReachable(true);
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, body && body.detail);
  return body;
}

/** POST (or DELETE) a JSON body; returns the JSON answer or null. */
export async function sendJSON(method, path, value) {
  let r;
  try {
    r = await fetch(path, {
      method,
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(value),
    });
  } catch (e) {
    markReachable(false);
    throw new Unreachable(String(e));
  }
  markReachable(true);
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, body && body.detail);
  return body;
}

/** The office list, cached for the page's lifetime once loaded (names, hours). */
let officesPromise = null;
export function offices(refresh = false) {
  if (refresh || !officesPromise) {
    officesPromise = getJSON("/v1/offices").catch((e) => {
      officesPromise = null;
      throw e;
    });
  }
  return officesPromise;
}
