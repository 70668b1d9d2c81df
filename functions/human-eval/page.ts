// The rater page: plain HTML and one inline script, no framework. It shows one item at a time (the
// rater's own order and sides, from the tasks endpoint), posts each choice and moves on. It never
// learns which output is which variant: the API gives it "first"/"second" only. The bearer token
// comes in the URL fragment (#token=…, never sent to a server) or is typed into the page.

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.2rem; }
.prompt { background: #f4f4f4; padding: .75rem 1rem; border-radius: 6px; white-space: pre-wrap; }
.outputs { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; margin: 1rem 0; }
.output { border: 1px solid #ccc; border-radius: 6px; padding: .75rem 1rem; white-space: pre-wrap; }
.output h2 { font-size: 1rem; margin: 0 0 .5rem; }
.choices button { font-size: 1rem; margin: 0 .5rem .5rem 0; padding: .5rem 1rem; }
#status { color: #a00; }
[hidden] { display: none !important; }
`;

const SCRIPT = `
const config = JSON.parse(document.getElementById("config").textContent);
const $ = (id) => document.getElementById(id);
const base = "/v1/human-eval/studies/" + encodeURIComponent(config.study);
let token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
let queue = [];
let total = 0;
let done = 0;
let task = null;

function status(text) { $("status").textContent = text; }

async function call(path, init) {
  const headers = { authorization: "Bearer " + token };
  if (init && init.body) headers["content-type"] = "application/json";
  const res = await fetch(base + path, { ...init, headers });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.detail || ("HTTP " + res.status));
  return body;
}

function show() {
  task = queue.shift() || null;
  $("progress").textContent = "Judged " + done + " of " + total;
  if (!task) {
    $("item").hidden = true;
    $("done").hidden = false;
    document.body.dataset.state = "done";
    return;
  }
  $("item").hidden = false;
  $("prompt").textContent = task.prompt;
  if (config.kind === "pairwise") {
    $("first").textContent = task.first;
    $("second").textContent = task.second;
  } else {
    $("output").textContent = task.output;
  }
  for (const b of document.querySelectorAll(".choices button")) b.disabled = false;
  document.body.dataset.state = "item";
  document.body.dataset.item = String(task.item);
}

async function choose(payload) {
  if (!task) return;
  for (const b of document.querySelectorAll(".choices button")) b.disabled = true;
  document.body.dataset.state = "saving";
  try {
    const r = await call("/ratings", {
      method: "POST",
      body: JSON.stringify({ rater: config.rater, item: task.item, ...payload }),
    });
    done = r.done;
    status("");
    show();
  } catch (err) {
    status("Could not save: " + err.message);
    for (const b of document.querySelectorAll(".choices button")) b.disabled = false;
    document.body.dataset.state = "item";
  }
}

async function start() {
  $("login").hidden = true;
  try {
    const t = await call("/tasks?rater=" + encodeURIComponent(config.rater));
    $("question").textContent = t.question;
    total = t.total;
    done = t.done;
    queue = t.items;
    show();
  } catch (err) {
    status("Could not load the study: " + err.message);
    $("login").hidden = false;
    document.body.dataset.state = "error";
  }
}

if (config.kind === "pairwise") {
  $("pairwise").hidden = false;
  for (const b of document.querySelectorAll("#pairwise-choices button")) {
    b.addEventListener("click", () => choose({ choice: b.dataset.choice }));
  }
} else {
  $("likert").hidden = false;
  const box = $("likert-choices");
  for (let s = config.scale.min; s <= config.scale.max; s++) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = String(s);
    b.dataset.score = String(s);
    b.addEventListener("click", () => choose({ score: s }));
    box.append(b);
  }
}
$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  token = $("token").value.trim();
  start();
});
if (token) {
  history.replaceState(null, "", location.pathname + location.search);
  start();
} else {
  $("login").hidden = false;
  document.body.dataset.state = "login";
}
`;

export interface PageConfig {
  study: string;
  name: string;
  kind: "pairwise" | "likert";
  rater: string;
  scale?: { min: number; max: number };
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] as string,
  );

/** The page's HTML and the Content-Security-Policy that admits only its own script and style. */
export function raterPage(config: PageConfig, nonce: string): { html: string; csp: string } {
  // JSON inside <script type="application/json">: escape "<" so no text can close the element.
  const json = JSON.stringify(config).replace(/</g, "\\u003c");
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(config.name)} — rating</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body data-state="loading">
<h1>${escapeHtml(config.name)}</h1>
<p>Rater: <strong>${escapeHtml(config.rater)}</strong> · <span id="progress"></span></p>
<form id="login" hidden>
  <label>Access token <input id="token" type="password" autocomplete="off" required></label>
  <button type="submit">Start</button>
</form>
<p id="status" role="status"></p>
<section id="item" hidden>
  <p id="question"></p>
  <div class="prompt" id="prompt"></div>
  <div id="pairwise" hidden>
    <div class="outputs">
      <div class="output"><h2>Response 1</h2><div id="first"></div></div>
      <div class="output"><h2>Response 2</h2><div id="second"></div></div>
    </div>
    <div class="choices" id="pairwise-choices">
      <button type="button" id="choose-first" data-choice="first">Response 1 is better</button>
      <button type="button" id="choose-tie" data-choice="tie">About the same</button>
      <button type="button" id="choose-second" data-choice="second">Response 2 is better</button>
    </div>
  </div>
  <div id="likert" hidden>
    <div class="output" id="output"></div>
    <div class="choices" id="likert-choices"></div>
  </div>
</section>
<p id="done" hidden>All done — thank you.</p>
<script type="application/json" id="config">${json}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return { html, csp };
}
