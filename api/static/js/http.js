// Every call to the server goes through here, so every failure reaches the reader as a sentence.

const KEY = "rag-key";

export const apiKey = {
  get: () => localStorage.getItem(KEY) || "",
  set: (value) => (value ? localStorage.setItem(KEY, value) : localStorage.removeItem(KEY)),
};

export class Problem extends Error {
  constructor(message, status = 0) {
    super(message);
    this.status = status;
  }
}

const PLAIN = {
  401: "This server needs an API key: open “API key” at the top of the page and enter one.",
  429: "Too many requests just now: wait a moment and try again.",
};

function detailOf(body) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) return detail.map((d) => d.msg).join("; ");
  return typeof detail === "string" ? detail : "";
}

async function problem(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const detail = detailOf(body);
  const message = PLAIN[response.status] || detail;
  return new Problem(message || `The server answered ${response.status} ${response.statusText}.`, response.status);
}

export const UNREACHABLE = "Cannot reach the server. Is it still running? Try again in a moment.";

export async function call(path, { method = "GET", json, body } = {}) {
  const headers = {};
  const key = apiKey.get();
  if (key) headers.authorization = "Bearer " + key;
  if (json !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: json !== undefined ? JSON.stringify(json) : body });
  } catch {
    throw new Problem(UNREACHABLE);
  }
  if (!response.ok) throw await problem(response);
  return response;
}

export function documentPath(docId) {
  return "/documents/" + docId.split("/").map(encodeURIComponent).join("/");
}

// Server-Sent Events from a fetch body: yields {kind, data} with data parsed from JSON.
export async function* events(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch {
      throw new Problem("The connection to the server broke while the answer was being written.");
    }
    if (chunk.done) return;
    buffer += decoder.decode(chunk.value, { stream: true });
    const raw = buffer.split(/\r?\n\r?\n/);
    buffer = raw.pop();
    for (const event of raw) {
      let kind = "message";
      const lines = [];
      for (const line of event.split(/\r?\n/)) {
        if (line.startsWith("event:")) kind = line.slice(6).trim();
        else if (line.startsWith("data:")) lines.push(line.slice(5).trim());
      }
      if (lines.length) yield { kind, data: JSON.parse(lines.join("\n")) };
    }
  }
}
