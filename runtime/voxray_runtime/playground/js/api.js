// The API client: same origin, relative URLs (so the page works under a Serve route prefix), the API
// key from sessionStorage as a Bearer token, and problem+json answers turned into readable errors.

const KEY_STORAGE = "voxray.apiKey";

export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE) || "";
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** An error answer of the API: status, its problem body, and a message fit to show. */
export class ApiError extends Error {
  constructor(status, problem, message) {
    super(message);
    this.status = status;
    this.problem = problem;
  }

  /** The fields the server named (problem.errors[].field), for highlighting controls. */
  get fields() {
    const errors = (this.problem && this.problem.errors) || [];
    return errors.map((e) => e.field).filter(Boolean);
  }
}

/** A readable sentence from a problem+json body (pure; tested through the page). */
export function describeProblem(status, problem, retryAfter) {
  if (!problem || typeof problem !== "object") {
    return `The server answered ${status} without details.`;
  }
  const title = problem.title || `Error ${status}`;
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  let detail = problem.detail || "";
  if (status === 422 && errors.length) {
    detail = errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  } else if (errors.length === 1 && errors[0].field && !detail.includes(errors[0].field)) {
    detail = `${detail} (field: ${errors[0].field})`;
  }
  let text = `${title}: ${detail}`;
  if (status === 429 && retryAfter) text += ` Retry in ${retryAfter} s.`;
  if (status === 401) text += " Check the API key.";
  return text;
}

function headers(extra) {
  const h = new Headers(extra || {});
  const key = apiKey();
  if (key) h.set("Authorization", `Bearer ${key}`);
  return h;
}

/** fetch() against the API; resolves with the Response when it is ok, else rejects with an ApiError. */
export async function request(path, { method = "GET", json, signal, accept } = {}) {
  const init = { method, headers: headers(accept ? { Accept: accept } : {}), signal, cache: "no-store" };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers.set("Content-Type", "application/json");
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, null, `The server could not be reached (${err && err.message ? err.message : err}).`);
  }
  if (response.ok) return response;
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    problem = null;
  }
  const message = describeProblem(response.status, problem, response.headers.get("Retry-After"));
  throw new ApiError(response.status, problem, message);
}

export async function getJson(path, options) {
  return (await request(path, options)).json();
}

/** What the X-Voxray-* headers say about the voice that spoke. */
export function voiceFromHeaders(h) {
  return {
    avatar: h.get("X-Voxray-Avatar") || "",
    model: h.get("X-Voxray-Model") || "",
    engine: h.get("X-Voxray-Engine") || "",
    speaker: h.get("X-Voxray-Speaker") || "",
    fallback: h.get("X-Voxray-Fallback") === "true",
    fallbackReason: h.get("X-Voxray-Fallback-Reason") || "",
  };
}
