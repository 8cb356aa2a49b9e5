// The admin page: documents (upload, replace, delete, reindex), the feedback queue and audit search.
// Every call goes to the admin API, which checks the role (and MFA when required) on the server;
// this page only decides what to show.
"use strict";

const JOB_POLL_MS = 1000;
const JOB_POLL_LIMIT = 600;

function setAdminStatus(text, isError = false) {
  const status = document.getElementById("admin-status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (className) td.className = className;
  return td;
}

function shortTime(iso) {
  if (!iso) return "";
  return iso.replace("T", " ").replace(/\.\d+/, "").replace(/\+00:00$|Z$/, "");
}

function button(text, className, onClick, label) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  if (className) b.className = className;
  if (label) b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

// ---- documents ---------------------------------------------------------------------------------------------
let collections = [];

function documentRow(doc) {
  const row = document.createElement("tr");
  row.dataset.document = doc.document;
  const name = document.createElement("td");
  const title = document.createElement("strong");
  title.textContent = doc.title || doc.document;
  const path = document.createElement("div");
  path.className = "help";
  path.textContent = doc.document;
  name.append(title, path);
  const actions = document.createElement("td");
  const wrap = document.createElement("div");
  wrap.className = "row-actions";
  wrap.append(
    button("Replace", "secondary", () => chooseReplacement(doc), `Replace ${doc.document}`),
    button("Delete", "danger", () => deleteDocument(doc), `Delete ${doc.document}`),
  );
  actions.append(wrap);
  row.append(
    name,
    cell(doc.collection),
    cell(doc.effective_date || ""),
    cell(shortTime(doc.ingested_at)),
    cell(doc.chunks, "number"),
    cell(doc.status),
    actions,
  );
  return row;
}

function jobOutcome(job) {
  if (job.error) return job.error;
  const parts = [];
  if (job.added.length) parts.push(`added ${job.added.join(", ")}`);
  if (job.changed.length) parts.push(`replaced ${job.changed.join(", ")}`);
  if (job.removed.length) parts.push(`removed ${job.removed.join(", ")}`);
  if (job.skipped.length) parts.push(`skipped ${job.skipped.join("; ")}`);
  if (job.kind === "reindex" && job.status === "done") parts.push(`${job.unchanged} unchanged`);
  return parts.join("; ");
}

function jobRow(job) {
  const row = document.createElement("tr");
  row.append(cell(job.kind), cell(job.document || "whole corpus"), cell(job.status), cell(shortTime(job.submitted_at)),
    cell(jobOutcome(job)));
  return row;
}

async function loadDocuments() {
  const body = await (await api("/v1/documents")).json();
  collections = body.collections;
  const select = document.getElementById("upload-collection");
  const chosen = select.value;
  select.replaceChildren(...collections.map((name) => new Option(name, name)));
  if (chosen) select.value = chosen;
  document.querySelector("#documents-table tbody").replaceChildren(...body.documents.map(documentRow));
  document.getElementById("documents-caption").textContent =
    `Ingested documents (${body.documents.length}, ${body.documents.reduce((n, d) => n + d.chunks, 0)} chunks)`;
  document.querySelector("#jobs-table tbody").replaceChildren(...body.jobs.map(jobRow));
}

async function waitForJob(job) {
  for (let i = 0; i < JOB_POLL_LIMIT; i++) {
    if (job.status === "done" || job.status === "failed") return job;
    await new Promise((resolve) => setTimeout(resolve, JOB_POLL_MS));
    job = await (await api(`/v1/jobs/${job.job_id}`)).json();
  }
  return job;
}

async function submitUpload(file, collection, verb) {
  const form = new FormData();
  form.append("file", file);
  form.append("collection", collection);
  const job = await (await api("/v1/documents", { method: "POST", body: form })).json();
  setAdminStatus(`${verb} ${job.document}: ingesting…`);
  await loadDocuments();
  const finished = await waitForJob(job);
  await loadDocuments();
  if (finished.status === "done") {
    setAdminStatus(`${verb} ${finished.document}: done. ${jobOutcome(finished)}.`);
  } else {
    setAdminStatus(`${verb} ${finished.document} failed: ${jobOutcome(finished) || finished.status}`, true);
  }
}

async function upload(event) {
  event.preventDefault();
  const file = document.getElementById("upload-file").files[0];
  const collection = document.getElementById("upload-collection").value;
  if (!file || !collection) return;
  const uploadButton = document.getElementById("upload-button");
  uploadButton.disabled = true;
  try {
    await submitUpload(file, collection, "Upload of");
    document.getElementById("upload-form").reset();
  } catch (error) {
    setAdminStatus(`Upload failed: ${error.message}`, true);
  } finally {
    uploadButton.disabled = false;
  }
}

let replacing = null;

function chooseReplacement(doc) {
  replacing = doc;
  const picker = document.getElementById("replace-file");
  picker.value = "";
  picker.click();
}

async function replaceChosen() {
  const picker = document.getElementById("replace-file");
  const doc = replacing;
  replacing = null;
  if (!doc || !picker.files[0]) return;
  // Same name, same collection: the upload replaces the document atomically.
  const renamed = new File([picker.files[0]], doc.document.split("/").pop(), { type: picker.files[0].type });
  try {
    await submitUpload(renamed, doc.collection, "Replacement of");
  } catch (error) {
    setAdminStatus(`Replacement failed: ${error.message}`, true);
  }
}

async function deleteDocument(doc) {
  if (!window.confirm(`Delete ${doc.document}? Its passages are purged from the index and its file is removed.`)) {
    return;
  }
  try {
    const deleted = await (await api(`/v1/documents/${encodeURIComponent(doc.doc_id)}`, { method: "DELETE" })).json();
    await loadDocuments();
    setAdminStatus(`Deleted ${deleted.document}: ${deleted.chunks_removed} chunks removed, verified.`);
  } catch (error) {
    setAdminStatus(`Delete failed: ${error.message}`, true);
  }
}

async function reindex() {
  const reindexButton = document.getElementById("reindex-button");
  reindexButton.disabled = true;
  try {
    const job = await (await api("/v1/reindex", { method: "POST" })).json();
    setAdminStatus("Reindexing the corpus folder…");
    await loadDocuments();
    const finished = await waitForJob(job);
    await loadDocuments();
    setAdminStatus(`Reindex ${finished.status}: ${jobOutcome(finished) || "nothing changed"}.`, finished.status !== "done");
  } catch (error) {
    setAdminStatus(`Reindex failed: ${error.message}`, true);
  } finally {
    reindexButton.disabled = false;
  }
}

// ---- feedback queue and audit search -------------------------------------------------------------------------
function feedbackText(record) {
  return record.feedback_received
    .map((note) => note.rating.replace("_", " ") + (note.comment ? `: “${note.comment}”` : ""))
    .join("; ");
}

async function loadFeedback() {
  const page = await (await api("/v1/audit?with_feedback=true&limit=200")).json();
  const rows = page.records.map((record) => {
    const row = document.createElement("tr");
    row.append(cell(shortTime(record.time)), cell(record.user), cell(record.question || ""),
      cell(record.cited.join(", ")), cell(feedbackText(record)));
    return row;
  });
  document.querySelector("#feedback-table tbody").replaceChildren(...rows);
}

function auditRow(record) {
  const row = document.createElement("tr");
  let what = record.question || record.detail || "";
  if (record.refused === true) what += " (not found in the documents)";
  if (record.feedback) what = `${record.feedback.rating.replace("_", " ")} on ${record.feedback.request_id}`;
  row.append(cell(record.seq, "number"), cell(shortTime(record.time)), cell(record.user), cell(record.role || ""),
    cell(record.action), cell(record.status, "number"), cell(what), cell(record.cited.join(", ")));
  return row;
}

async function searchAudit(event) {
  if (event) event.preventDefault();
  const params = new URLSearchParams({ limit: "200" });
  const user = document.getElementById("audit-user").value.trim();
  const action = document.getElementById("audit-action").value;
  const refused = document.getElementById("audit-refused").value;
  const since = document.getElementById("audit-since").value;
  const until = document.getElementById("audit-until").value;
  if (user) params.set("user", user);
  if (action) params.set("action", action);
  if (refused) params.set("refused", refused);
  if (since) params.set("since", `${since}T00:00:00Z`);
  if (until) params.set("until", `${until}T00:00:00Z`);
  try {
    const page = await (await api(`/v1/audit?${params}`)).json();
    document.querySelector("#audit-table tbody").replaceChildren(...page.records.map(auditRow));
    document.getElementById("audit-summary").textContent =
      `${page.matched} matching record${page.matched === 1 ? "" : "s"}` +
      (page.matched > page.records.length ? `, newest ${page.records.length} shown.` : ".");
  } catch (error) {
    document.getElementById("audit-summary").textContent = `Audit search failed: ${error.message}`;
  }
}

async function verifyChain() {
  const summary = document.getElementById("audit-summary");
  try {
    const status = await (await api("/v1/audit/verify")).json();
    summary.textContent = status.summary;
    summary.classList.toggle("error", !status.ok);
  } catch (error) {
    summary.textContent = `Verification failed: ${error.message}`;
  }
}

function deny(text) {
  document.getElementById("denied-text").textContent = text;
  document.getElementById("denied").hidden = false;
  document.getElementById("main").focus();
}

document.addEventListener("DOMContentLoaded", async () => {
  try {
    const me = await ensureSignedIn(() => showSignIn(document.getElementById("signed-out")));
    if (!me) return;
    renderUserBar(me);
    if (me.role !== "admin") {
      deny(`The admin page needs the admin role; you are signed in as ${me.username} (${me.role.replace("_", " ")}).`);
      return;
    }
    if (!me.admin_allowed) {
      deny("Admin actions need a multi-factor sign-in. Sign out and sign in again with your second factor.");
      return;
    }
    document.getElementById("admin").hidden = false;
    document.getElementById("upload-form").addEventListener("submit", upload);
    document.getElementById("reindex-button").addEventListener("click", reindex);
    document.getElementById("replace-file").addEventListener("change", replaceChosen);
    document.getElementById("audit-form").addEventListener("submit", searchAudit);
    document.getElementById("verify-button").addEventListener("click", verifyChain);
    document.getElementById("feedback-refresh").addEventListener("click", () => loadFeedback().catch(
      (error) => setAdminStatus(error.message, true)));
    await Promise.all([loadDocuments(), loadFeedback(), searchAudit()]);
    document.getElementById("documents-heading").tabIndex = -1;
  } catch (error) {
    if (error.status === 403) deny(error.message);
    else setAdminStatus(error.message, true);
  }
});
