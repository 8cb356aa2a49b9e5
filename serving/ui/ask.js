// The staff page: ask, read the answer with its [n] markers, open each citation, give feedback.
"use strict";

let lastRequestId = null;

function normalise(text) {
  return text.replace(/\s+/g, " ").trim();
}

// The passage text with the quoted span wrapped in <mark>; built from text nodes only (no HTML injection).
function passageWithQuote(passageText, quote) {
  const block = document.createElement("blockquote");
  const text = normalise(passageText);
  const start = text.toLowerCase().indexOf(normalise(quote).toLowerCase());
  if (start < 0) {
    block.textContent = text;
    return block;
  }
  const end = start + normalise(quote).length;
  const mark = document.createElement("mark");
  mark.textContent = text.slice(start, end);
  block.append(text.slice(0, start), mark, text.slice(end));
  return block;
}

// Long passages scroll inside their box: bring the highlighted quote into view there.
function revealQuote(block) {
  const mark = block.querySelector("mark");
  if (mark) block.scrollTop = Math.max(0, mark.offsetTop - 32);
}

function whereLabel(citation) {
  const parts = [];
  if (citation.page) parts.push(`page ${citation.page}`);
  if (citation.section) parts.push(citation.section);
  return parts.join(", ");
}

async function download(documentPath) {
  const response = await api("/v1/files/" + documentPath.split("/").map(encodeURIComponent).join("/"));
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = documentPath.split("/").pop();
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function citationItem(citation, passage) {
  const item = document.createElement("li");
  item.id = `citation-${citation.marker}`;
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  const title = document.createElement("span");
  title.className = "citation-title";
  title.textContent = `[${citation.marker}] ${citation.title || citation.document}`;
  summary.append(title);
  const where = whereLabel(citation);
  if (where) {
    const place = document.createElement("span");
    place.className = "citation-where";
    place.textContent = ` — ${where}`;
    summary.append(place);
  }
  const passageBlock = passageWithQuote(passage ? passage.text : citation.quote, citation.quote);
  details.append(summary, passageBlock);
  details.addEventListener("toggle", () => { if (details.open) revealQuote(passageBlock); });
  const source = document.createElement("button");
  source.type = "button";
  source.className = "link-button";
  source.textContent = `Download ${citation.document.split("/").pop()}`;
  source.addEventListener("click", () => download(citation.document).catch((e) => setStatus(e.message)));
  details.append(source);
  item.append(details);
  return item;
}

function openCitation(marker) {
  const item = document.getElementById(`citation-${marker}`);
  if (!item) return;
  const details = item.querySelector("details");
  details.open = true;
  details.querySelector("summary").focus();
}

// "text [1] more [2]." -> text nodes and marker buttons that open their citation.
function answerWithMarkers(answer, markers) {
  const paragraph = document.getElementById("answer");
  paragraph.replaceChildren();
  for (const piece of answer.split(/(\[\d+\])/)) {
    const match = /^\[(\d+)\]$/.exec(piece);
    if (match && markers.has(Number(match[1]))) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "marker";
      button.textContent = piece;
      button.setAttribute("aria-label", `Source ${match[1]}`);
      button.addEventListener("click", () => openCitation(Number(match[1])));
      paragraph.append(button);
    } else {
      paragraph.append(piece);
    }
  }
}

function setStatus(text) {
  document.getElementById("status").textContent = text;
}

function showAnswer(body) {
  document.getElementById("result").hidden = false;
  const notFound = document.getElementById("not-found");
  const citations = document.getElementById("citations");
  citations.replaceChildren();
  document.getElementById("notes").replaceChildren();
  document.getElementById("feedback-status").textContent = "";
  document.getElementById("feedback-comment").value = "";
  if (body.refused) {
    notFound.hidden = false;
    document.getElementById("not-found-text").textContent = body.answer;
    document.getElementById("answer").replaceChildren();
    document.getElementById("citations-heading").hidden = true;
    document.getElementById("draft-notice").hidden = true;
    const related = document.getElementById("related-list");
    related.replaceChildren(...body.related.map((r) => {
      const li = document.createElement("li");
      li.textContent = r.title || r.document;
      return li;
    }));
    document.getElementById("related").hidden = body.related.length === 0;
    setStatus("Not found in the documents.");
    return;
  }
  notFound.hidden = true;
  document.getElementById("draft-notice").hidden = false;
  document.getElementById("citations-heading").hidden = false;
  answerWithMarkers(body.answer, new Set(body.citations.map((c) => c.marker)));
  const passages = new Map((body.passages || []).map((p) => [p.chunk_id, p]));
  citations.append(...body.citations.map((c) => citationItem(c, passages.get(c.chunk_id))));
  document.getElementById("notes").append(...body.notes.map((note) => {
    const li = document.createElement("li");
    li.textContent = note;
    return li;
  }));
  setStatus(`Answer ready, with ${body.citations.length} source${body.citations.length === 1 ? "" : "s"}.`);
}

async function ask(event) {
  event.preventDefault();
  const question = document.getElementById("question").value.trim();
  if (!question) return;
  const button = document.getElementById("ask-button");
  button.disabled = true;
  setStatus("Searching the documents…");
  try {
    const response = await api("/v1/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question, include_passages: true }),
    });
    lastRequestId = response.headers.get("X-Request-ID");
    showAnswer(await response.json());
    document.getElementById("result-heading").focus();
  } catch (error) {
    setStatus(error.message);
  } finally {
    button.disabled = false;
  }
}

async function giveFeedback(event) {
  const rating = event.target.dataset.rating;
  if (!rating || !lastRequestId) return;
  const status = document.getElementById("feedback-status");
  const comment = document.getElementById("feedback-comment").value.trim();
  try {
    await api("/v1/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ request_id: lastRequestId, rating, comment: comment || null }),
    });
    status.textContent = "Thank you — your feedback was sent to the administrators.";
    document.getElementById("feedback-comment").value = "";
  } catch (error) {
    status.textContent = error.message;
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  document.getElementById("result-heading").tabIndex = -1;
  document.getElementById("ask-form").addEventListener("submit", ask);
  document.getElementById("feedback").addEventListener("click", giveFeedback);
  try {
    const me = await ensureSignedIn(() => showSignIn(document.getElementById("signed-out")));
    if (!me) return;
    renderUserBar(me);
    document.getElementById("ask-section").hidden = false;
    document.getElementById("question").focus();
  } catch (error) {
    document.getElementById("signed-out").textContent = error.message;
  }
});
