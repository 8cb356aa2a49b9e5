// Sign-in for the web UI: OIDC authorization code with PKCE against the configured issuer
// (the practice's IdP, or the built-in local issuer). The access token stays in this tab's sessionStorage.
"use strict";

const KB_TOKEN = "kb.token";
const KB_EXPIRES = "kb.expires";
const KB_VERIFIER = "kb.pkce_verifier";
const KB_STATE = "kb.oauth_state";
const KB_RETURN = "kb.return_to";
const REDIRECT_URI = window.location.origin + "/ui/";

function base64url(bytes) {
  let text = "";
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(length) {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return base64url(bytes);
}

async function clientConfig() {
  const response = await fetch("/oauth/client-config");
  if (!response.ok) throw new Error("sign-in settings are unavailable");
  return response.json();
}

async function startSignIn() {
  const config = await clientConfig();
  const verifier = randomString(48);
  const state = randomString(16);
  sessionStorage.setItem(KB_VERIFIER, verifier);
  sessionStorage.setItem(KB_STATE, state);
  sessionStorage.setItem(KB_RETURN, window.location.pathname);
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const url = new URL(config.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: config.client_id,
    redirect_uri: REDIRECT_URI,
    scope: config.scope,
    state: state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  window.location.assign(url.toString());
}

async function finishSignIn(params) {
  const expected = sessionStorage.getItem(KB_STATE);
  const verifier = sessionStorage.getItem(KB_VERIFIER);
  sessionStorage.removeItem(KB_STATE);
  sessionStorage.removeItem(KB_VERIFIER);
  if (!expected || params.get("state") !== expected || !verifier) throw new Error("sign-in was interrupted; try again");
  const config = await clientConfig();
  const response = await fetch(config.token_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: REDIRECT_URI,
      client_id: config.client_id,
      code_verifier: verifier,
    }),
  });
  if (!response.ok) throw new Error("sign-in failed; try again");
  const token = await response.json();
  sessionStorage.setItem(KB_TOKEN, token.access_token);
  sessionStorage.setItem(KB_EXPIRES, String(Date.now() + (token.expires_in - 30) * 1000));
  const back = sessionStorage.getItem(KB_RETURN) || "/ui/";
  sessionStorage.removeItem(KB_RETURN);
  window.history.replaceState(null, "", "/ui/");  // the code must not stay in the address bar
  if (back !== "/ui/" && /^\/ui\/[a-z]+\.html$/.test(back)) window.location.assign(back);
}

function accessToken() {
  const token = sessionStorage.getItem(KB_TOKEN);
  const expires = Number(sessionStorage.getItem(KB_EXPIRES) || 0);
  return token && Date.now() < expires ? token : null;
}

function signOut() {
  sessionStorage.removeItem(KB_TOKEN);
  sessionStorage.removeItem(KB_EXPIRES);
  window.location.assign("/ui/");
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `request failed (${status})`);
    this.status = status;
    this.body = body;
  }
}

// fetch with the bearer token; a 401 sends the user back through sign-in.
async function api(path, options = {}) {
  const token = accessToken();
  if (!token) {
    await startSignIn();
    throw new ApiError(401, { detail: "signing in" });
  }
  const headers = new Headers(options.headers || {});
  headers.set("Authorization", "Bearer " + token);
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) {
    signOut();
    throw new ApiError(401, { detail: "your sign-in expired" });
  }
  if (!response.ok) {
    let body = null;
    try { body = await response.json(); } catch (_) { body = null; }
    throw new ApiError(response.status, body);
  }
  return response;
}

// Resolves to the signed-in user (GET /v1/me), or null while the sign-in button is shown.
async function ensureSignedIn(onSignedOut) {
  const params = new URLSearchParams(window.location.search);
  if (params.has("code")) await finishSignIn(params);
  if (!accessToken()) {
    onSignedOut();
    return null;
  }
  return (await api("/v1/me")).json();
}

function renderUserBar(me) {
  const bar = document.getElementById("user-bar");
  bar.replaceChildren();
  const who = document.createElement("span");
  who.textContent = `${me.username} (${me.role.replace("_", " ")})`;
  bar.append(who);
  if (me.role === "admin") {
    const link = document.createElement("a");
    const onAdmin = window.location.pathname.endsWith("admin.html");
    link.href = onAdmin ? "/ui/" : "/ui/admin.html";
    link.textContent = onAdmin ? "Ask" : "Admin";
    bar.append(link);
  }
  const out = document.createElement("button");
  out.type = "button";
  out.textContent = "Sign out";
  out.addEventListener("click", signOut);
  bar.append(out);
}

function showSignIn(container) {
  container.replaceChildren();
  const text = document.createElement("p");
  text.textContent = "Sign in to search the practice's documents.";
  const button = document.createElement("button");
  button.type = "button";
  button.id = "sign-in";
  button.textContent = "Sign in";
  button.addEventListener("click", () => startSignIn().catch((e) => { text.textContent = e.message; }));
  container.append(text, button);
  button.focus();
}
