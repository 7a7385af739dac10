// The reviewers' interface: a small script over /review/api. Every value from the server is
// put into the page as text (never as HTML); the Content-Security-Policy allows only this
// origin's scripts and styles.
"use strict";

const state = { session: null, meta: null, chain: null };
const DECISIONS = [
  { key: "allow", label: "Allow", color: "#2f855a" },
  { key: "redact", label: "Redact", color: "#b7791f" },
  { key: "route_local", label: "Route local", color: "#2b6cb0" },
  { key: "block", label: "Block", color: "#c53030" },
];
const PALETTE = ["#2b6cb0", "#c53030", "#2f855a", "#b7791f", "#6b46c1", "#00838f", "#d53f8c", "#4a5568",
  "#dd6b20", "#38a169", "#805ad5", "#319795"];

// ---- DOM helpers -------------------------------------------------------------------------
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}
function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}
function main() { return document.getElementById("main"); }
function show(...nodes) { const m = main(); m.replaceChildren(); append(m, nodes); }
function fmtTime(iso) { return iso ? iso.replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC") : "—"; }
function shortId(id) { return id ? id.slice(0, 8) : ""; }
function decisionBadge(decision) {
  const d = DECISIONS.find((x) => x.key === decision);
  return h("span", { class: `badge decision-${decision}`, text: d ? d.label : decision });
}
function entityClass(type) {
  const types = (state.meta && state.meta.entity_types) || [];
  const i = types.indexOf(type);
  return `ent-c${(i < 0 ? [...type].reduce((a, c) => a + c.charCodeAt(0), 0) : i) % PALETTE.length}`;
}
function entityColor(type) { return PALETTE[Number(entityClass(type).slice(5))]; }
function chip(type) { return h("span", { class: `chip ${entityClass(type)}`, text: type }); }
function errorBox(message) { return h("div", { class: "alert error", role: "alert", text: message }); }
function section(title, ...children) { return h("section", { class: "card" }, h("h2", { text: title }), children); }

// ---- API ---------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}
async function api(method, path, body) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && state.session) headers["x-csrf-token"] = state.session.csrf_token;
  const res = await fetch(path, { method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const message = data && data.error ? data.error.message : `Request failed (HTTP ${res.status}).`;
    if (res.status === 401 && !(method === "POST" && path === "/review/api/session")) {
      state.session = null;
      renderSignIn(message);
    }
    throw new ApiError(message, res.status);
  }
  return data;
}
function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

// ---- Sign-in and frame -------------------------------------------------------------------
function renderSignIn(message) {
  document.getElementById("topbar").hidden = true;
  const error = h("div", { id: "signin-error" }, message ? errorBox(message) : null);
  const form = h("form", { class: "signin card", id: "signin-form", onsubmit: async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    error.replaceChildren();
    try {
      state.session = await api("POST", "/review/api/session",
        { username: String(data.get("username")), password: String(data.get("password")) });
      if (!location.hash || location.hash === "#/signin") location.hash = "#/";
      await start();
    } catch (err) {
      error.replaceChildren(errorBox(err.message));
    }
  } },
  h("div", { class: "brand big" }, h("span", { class: "logo", text: "◆" }), " Sovereign AI gateway"),
  h("p", { class: "muted", text: "Audit trail review. Sign in with your reviewer account." }),
  error,
  h("label", {}, "Username", h("input", { name: "username", id: "username", autocomplete: "username", required: true })),
  h("label", {}, "Password", h("input", { name: "password", id: "password", type: "password",
    autocomplete: "current-password", required: true })),
  h("button", { type: "submit", class: "primary", id: "signin-submit", text: "Sign in" }));
  show(h("div", { class: "signin-wrap" }, form));
}

function renderFrame() {
  const s = state.session;
  document.getElementById("topbar").hidden = false;
  document.getElementById("who-name").textContent = s.username;
  document.getElementById("who-role").textContent = s.role;
  document.getElementById("nav-reviewers").hidden = !s.may_manage_reviewers;
}

function renderChainBadge() {
  const badge = document.getElementById("chain-badge");
  const c = state.chain;
  if (!c) { badge.textContent = "Chain: checking…"; badge.className = "chain"; return; }
  if (c.error) { badge.textContent = "Chain: unavailable"; badge.className = "chain bad"; return; }
  badge.textContent = c.ok ? `Chain verified · ${c.records_checked} records` : "Chain: NOT intact";
  badge.className = c.ok ? "chain ok" : "chain bad";
}

async function loadChain() {
  try { state.chain = await api("GET", "/review/api/verify"); }
  catch (err) { state.chain = { error: err.message }; }
  renderChainBadge();
  const card = document.getElementById("chain-card");
  if (card) card.replaceWith(chainCard());
}

// ---- Routing -----------------------------------------------------------------------------
function route() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, qs] = hash.split("?");
  return { path, params: new URLSearchParams(qs || "") };
}
async function render() {
  if (!state.session) return;
  const { path, params } = route();
  for (const a of document.querySelectorAll("[data-nav]")) a.classList.remove("active");
  const nav = path.startsWith("/records") ? "records" : path.startsWith("/disclosures") ? "disclosures"
    : path.startsWith("/events") ? "events" : path.startsWith("/reviewers") ? "reviewers" : "overview";
  const link = document.querySelector(`[data-nav="${nav}"]`);
  if (link) link.classList.add("active");
  try {
    if (path === "/records") await renderRecords(params);
    else if (path.startsWith("/records/")) await renderRecord(decodeURIComponent(path.slice(9)));
    else if (path === "/disclosures") await renderDisclosures();
    else if (path === "/events") await renderEvents(params);
    else if (path === "/reviewers") await renderReviewers();
    else await renderOverview();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    show(errorBox(err.message));
  }
}

// ---- Overview ----------------------------------------------------------------------------
function legend(series) {
  return h("ul", { class: "legend" }, series.map((s) =>
    h("li", {}, h("span", { class: `swatch ${s.cls || ""}`, "data-color": s.color }), `${s.label}`)));
}
function colorSwatches(root) {
  // Colours are set through the CSSOM (allowed by the CSP), not through style attributes.
  for (const el of root.querySelectorAll("[data-color]")) el.style.backgroundColor = el.getAttribute("data-color");
}
function chainCard() {
  const card = chainSection();
  card.id = "chain-card";
  return card;
}
function chainSection() {
  const c = state.chain;
  if (!c) return section("Chain verification", h("p", { class: "muted", text: "Checking…" }));
  if (c.error) return section("Chain verification", errorBox(c.error));
  const rows = [
    ["Status", h("span", { class: `badge ${c.ok ? "ok" : "bad"}`, text: c.ok ? "Intact" : "Not intact" })],
    ["Records checked", String(c.records_checked)],
    ["Last signed head", fmtTime(c.last_signed_head_at)],
    ["Checked", fmtTime(c.checked_at)],
  ];
  if (!c.ok) {
    rows.push(["First bad record", c.first_bad_record
      ? h("a", { href: `#/records/${encodeURIComponent(c.first_bad_record)}`, text: c.first_bad_record }) : "—"]);
    rows.push(["Problem", c.problem || "—"]);
    if (c.contradicted_head) rows.push(["Contradicted head", String(c.contradicted_head)]);
  }
  return section("Chain verification", h("dl", { class: "facts", id: "chain-status" },
    rows.map(([k, v]) => [h("dt", { text: k }), h("dd", {}, v)])),
  h("button", { type: "button", class: "secondary", text: "Verify again",
    onclick: async () => { state.chain = null; renderChainBadge(); await loadChain(); } }));
}
async function renderOverview() {
  const stats = await api("GET", "/review/api/stats");
  const totals = stats.totals.decisions;
  const total = Object.values(totals).reduce((a, b) => a + b, 0);
  const tiles = h("div", { class: "tiles" },
    h("div", { class: "tile" }, h("div", { class: "num", text: String(total) }), h("div", { text: "Records, last 30 days" })),
    DECISIONS.map((d) => h("div", { class: `tile decision-${d.key}` },
      h("div", { class: "num", text: String(totals[d.key] || 0) }), h("div", { text: d.label }))));
  const decisionDays = stats.days.map((d) => ({ day: d.day, values: d.decisions }));
  const entityTypes = Object.keys(stats.totals.entity_types).sort();
  const entitySeries = entityTypes.map((t) => ({ key: t, label: t, color: entityColor(t) }));
  const entityDays = stats.days.map((d) => ({ day: d.day, values: d.entity_types }));
  const view = h("div", {},
    h("h1", { text: "Overview" }),
    tiles,
    h("div", { class: "grid2" },
      section("Decisions per day", GatewayCharts.stackedBarChart(decisionDays, DECISIONS,
        { label: "Decisions per day" }), legend(DECISIONS)),
      section("Records by entity type per day", entitySeries.length
        ? [GatewayCharts.stackedBarChart(entityDays, entitySeries, { label: "Entity types per day" }), legend(entitySeries)]
        : h("p", { class: "muted", text: "No regulated data detected in this period." }))),
    chainCard());
  colorSwatches(view);
  show(view);
}

// ---- Records list ------------------------------------------------------------------------
const FILTERS = ["since", "until", "tenant", "policy", "decision", "route", "rule_id", "entity_type", "q"];

function apiFilters(params) {
  // Dates from the form are whole UTC days; "until" includes its day.
  const out = {};
  for (const name of FILTERS) {
    const v = params.get(name);
    if (!v) continue;
    if (name === "since") out.since = `${v}T00:00:00Z`;
    else if (name === "until") {
      const d = new Date(`${v}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1);
      out.until = d.toISOString().replace(".000", "");
    } else out[name] = v;
  }
  return out;
}
function select(name, options, value, placeholder) {
  return h("select", { name, id: `f-${name}` }, h("option", { value: "", text: placeholder }),
    options.map((o) => h("option", { value: o.value, text: o.label, selected: o.value === value })));
}
function filterForm(params) {
  const meta = state.meta;
  const rules = [...new Set(meta.policies.flatMap((p) => p.rules))].sort();
  const field = (label, control) => h("label", { class: "field" }, h("span", { text: label }), control);
  const form = h("form", { class: "filters", id: "filters", onsubmit: (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const q = new URLSearchParams();
    for (const name of FILTERS) { const v = String(data.get(name) || "").trim(); if (v) q.set(name, v); }
    location.hash = `#/records${q.toString() ? "?" + q.toString() : ""}`;
  } },
  field("Search", h("input", { name: "q", id: "f-q", type: "search", placeholder: "record id, tenant or model",
    value: params.get("q") || "" })),
  field("From", h("input", { name: "since", id: "f-since", type: "date", value: params.get("since") || "" })),
  field("To", h("input", { name: "until", id: "f-until", type: "date", value: params.get("until") || "" })),
  field("Tenant", h("input", { name: "tenant", id: "f-tenant", value: params.get("tenant") || "" })),
  field("Policy", select("policy", meta.policies.map((p) => ({ value: p.name, label: p.name })),
    params.get("policy"), "Any policy")),
  field("Decision", select("decision", DECISIONS.map((d) => ({ value: d.key, label: d.label })),
    params.get("decision"), "Any decision")),
  field("Route", select("route", ["upstream", "local", "none"].map((r) => ({ value: r, label: r })),
    params.get("route"), "Any route")),
  field("Rule", select("rule_id", rules.map((r) => ({ value: r, label: r })), params.get("rule_id"), "Any rule")),
  field("Entity type", select("entity_type", meta.entity_types.map((t) => ({ value: t, label: t })),
    params.get("entity_type"), "Any type")),
  h("div", { class: "filter-actions" },
    h("button", { type: "submit", class: "primary", id: "apply-filters", text: "Apply" }),
    h("a", { href: "#/records", class: "button secondary", text: "Clear" })));
  return form;
}
function exportLinks(filters) {
  const f = { ...filters }; delete f.q;
  return h("div", { class: "exports" }, h("span", { class: "muted", text: "Export:" }),
    ["csv", "jsonl", "ocsf"].map((fmt) => h("a", { class: "button secondary", id: `export-${fmt}`, download: "",
      href: `/review/api/export${query({ ...f, format: fmt })}`, text: fmt.toUpperCase() })),
    filters.q ? h("span", { class: "muted small", text: "(exports apply the filters, not the search text)" }) : null);
}
function recordRow(r) {
  const open = () => { location.hash = `#/records/${encodeURIComponent(r.id)}`; };
  return h("tr", { class: "clickable", "data-id": r.id, onclick: open },
    h("td", {}, h("a", { href: `#/records/${encodeURIComponent(r.id)}`, class: "mono", text: shortId(r.id) })),
    h("td", { class: "nowrap", text: fmtTime(r.created_at) }),
    h("td", { text: r.tenant }),
    h("td", { text: r.policy }),
    h("td", {}, decisionBadge(r.decision)),
    h("td", { text: r.route }),
    h("td", { class: "mono small", text: (r.rule_ids || []).join(", ") || "—" }),
    h("td", {}, (r.entity_types || []).map(chip)),
    h("td", { class: "num", text: String(r.finding_count) }),
    h("td", { text: r.status }));
}
async function renderRecords(params) {
  const filters = apiFilters(params);
  const tbody = h("tbody", { id: "records-body" });
  const more = h("button", { type: "button", class: "secondary", id: "load-more", text: "Load more", hidden: true });
  const count = h("span", { class: "muted", id: "records-count" });
  let cursor = null;
  let shown = 0;
  async function load() {
    const page = await api("GET", `/review/api/records${query({ ...filters, cursor, limit: 50 })}`);
    append(tbody, page.records.map(recordRow));
    shown += page.records.length;
    cursor = page.next_cursor;
    more.hidden = !cursor;
    count.textContent = `${shown} record${shown === 1 ? "" : "s"}${cursor ? " shown (more available)" : ""}`;
  }
  more.addEventListener("click", () => load().catch((err) => more.replaceWith(errorBox(err.message))));
  await load();
  show(h("h1", { text: "Audit records" }), filterForm(params),
    h("div", { class: "toolbar" }, count, exportLinks(filters)),
    h("div", { class: "card flush" }, h("table", { class: "records" },
      h("thead", {}, h("tr", {}, ["Record", "Time", "Tenant", "Policy", "Decision", "Route", "Rules", "Entity types",
        "Findings", "Status"].map((t) => h("th", { text: t })))), tbody),
      shown ? null : h("p", { class: "empty", text: "No records match these filters." })),
    h("div", { class: "more" }, more));
}

// ---- One record --------------------------------------------------------------------------
function codePoints(text) { return Array.from(text); }

function highlighted(text, findings) {
  // Offsets count Unicode code points (Python), so slice an array of code points.
  const chars = codePoints(text);
  const points = new Set([0, chars.length]);
  for (const f of findings) { points.add(Math.min(f.start, chars.length)); points.add(Math.min(f.end, chars.length)); }
  const cuts = [...points].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i < cuts.length - 1; i++) {
    const a = cuts[i], b = cuts[i + 1];
    const piece = chars.slice(a, b).join("");
    const covering = findings.filter((f) => f.start <= a && f.end >= b).sort((x, y) => y.score - x.score);
    if (!covering.length) { out.push(piece); continue; }
    const top = covering[0];
    const ending = covering.filter((f) => f.end === b).map((f) => f.entity_type);
    out.push(h("mark", { class: `ent ${entityClass(top.entity_type)}`, "data-entity": top.entity_type,
      title: covering.map((f) => `${f.entity_type} (score ${f.score}, ${f.start}–${f.end})`).join("; ") },
    piece, ending.length ? h("span", { class: "tag", text: [...new Set(ending)].join(" · ") }) : null));
  }
  return out;
}
// Findings are grouped by the string they were found in: its JSON pointer, and whether it was
// the member name (key) or the text decoded from a file payload (decoded).
function placeKey(f) { return `${f.path ?? `/messages/${f.message_index}`}|${f.part || "value"}`; }
function placeLabel(f) {
  const where = f.path || (f.message_index !== null && f.message_index !== undefined ? `message ${f.message_index}` : "request");
  const part = f.part === "key" ? " (member name)" : f.part === "decoded" ? " (decoded file content)" : "";
  return `${where}${part}`;
}
function byPlace(findings) {
  const groups = new Map();
  for (const f of findings) {
    const key = placeKey(f);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(f);
  }
  return groups;
}
function maskedPrompt(record) {
  const groups = byPlace(record.findings);
  if (!groups.size) return h("p", { class: "muted", text: "No findings: nothing regulated was detected in this request." });
  return h("div", { class: "masked", id: "masked-prompt" }, [...groups.values()].map((list) =>
    h("div", { class: "message" }, h("div", { class: "msg-head mono", text: placeLabel(list[0]) }),
      h("div", { class: "prompt masked-line" }, list.map((f, i) => [
        i === 0 && f.start > 0 ? h("span", { class: "gap", text: "…" }) : null,
        h("mark", { class: `ent ${entityClass(f.entity_type)}`, title: `characters ${f.start}–${f.end}` },
          h("span", { class: "mask", text: "•".repeat(Math.min(Math.max(f.end - f.start, 3), 16)) }),
          h("span", { class: "tag", text: f.entity_type })),
        h("span", { class: "gap", text: "…" })])))));
}
function decryptedPrompt(record, payload) {
  const groups = byPlace(record.findings);
  const messages = payload.messages.map((m) => {
    const key = placeKey({ path: m.path, message_index: m.index, part: m.part });
    const where = m.index !== null && m.index !== undefined ? `Message ${m.index} · ${m.role}` : "Request";
    return h("div", { class: "message" },
      h("div", { class: "msg-head" }, where, " ", h("span", { class: "mono small", text: m.path || "" }),
        m.part && m.part !== "value" ? h("span", { class: "muted", text: ` (${m.part})` }) : null),
      h("pre", { class: "prompt", "data-message": m.index, "data-path": m.path || "" }, highlighted(m.text, groups.get(key) || [])));
  });
  return h("div", { id: "decrypted-prompt" },
    h("div", { class: "alert info", text: `Decrypted for ${state.session.username}. This view was recorded in the ` +
      `audit trail (event ${payload.event_id}).` }),
    payload.erased ? h("div", { class: "alert warn", text: "The payload was erased under the retention policy." }) : null,
    messages,
    payload.response !== null && payload.response !== undefined
      ? h("details", { class: "response" }, h("summary", { text: "Response" }), h("pre", { class: "prompt", text: payload.response }))
      : null);
}
function decryptPanel(record, target) {
  if (!state.session.may_decrypt) {
    return h("p", { class: "muted", id: "decrypt-denied",
      text: `Values stay masked: your role (${state.session.role}) may view metadata only.` });
  }
  const error = h("div");
  const form = h("form", { class: "decrypt", id: "decrypt-form", onsubmit: async (event) => {
    event.preventDefault();
    error.replaceChildren();
    const justification = String(new FormData(form).get("justification") || "").trim();
    try {
      const payload = await api("POST", `/review/api/records/${encodeURIComponent(record.id)}/payload`, { justification });
      target.replaceChildren(decryptedPrompt(record, payload));
      form.remove();
      await refreshRecordDisclosures(record.id);
    } catch (err) { error.replaceChildren(errorBox(err.message)); }
  } },
  h("label", { for: "justification", text: "Justification (recorded in the audit trail with your name)" }),
  h("textarea", { id: "justification", name: "justification", rows: 2, required: true, minlength: 10, maxlength: 1000,
    placeholder: "e.g. Incident INC-2041: confirm what was sent to the model" }),
  error,
  h("button", { type: "submit", class: "primary", id: "decrypt-submit", text: "Decrypt payload" }));
  return form;
}
async function refreshRecordDisclosures(recordId) {
  const target = document.getElementById("record-disclosures");
  if (!target) return;
  const data = await api("GET", `/review/api/disclosures${query({ record_id: recordId })}`);
  target.replaceChildren(data.disclosures.length ? disclosureTable(data.disclosures, false)
    : h("p", { class: "muted", text: "Nobody has viewed this record's payload." }));
}
async function renderRecord(id) {
  const r = await api("GET", `/review/api/records/${encodeURIComponent(id)}`);
  const facts = [
    ["Record", h("span", { class: "mono", text: r.id })], ["Time", fmtTime(r.created_at)], ["Tenant", r.tenant],
    ["Policy", `${r.policy}`], ["Policy version", h("span", { class: "mono small", text: r.policy_version })],
    ["Decision", decisionBadge(r.decision)], ["Route", r.route], ["Endpoint", r.endpoint], ["Model", r.model || "—"],
    ["Status", `${r.status}${r.status_code ? ` (${r.status_code})` : ""}`],
    ["Latency", r.latency_ms !== null ? `${r.latency_ms} ms` : "—"],
    ["Outcome detail", r.detail || "—"],
    ["Request SHA-256", h("span", { class: "mono small", text: r.request_sha256 })],
  ];
  const rules = r.rules.length ? h("div", { class: "rules", id: "rules" }, r.rules.map((rule) =>
    h("div", { class: "rule" },
      h("div", { class: "rule-head" }, h("span", { class: "mono", text: rule.id }),
        rule.action ? decisionBadge(rule.action) : null, rule.entity_types.map(chip)),
      h("p", { class: "reason", text: rule.reason || "This rule is no longer in the loaded policy file." }),
      rule.regulation ? h("p", { class: "regulation" }, h("span", { class: "muted", text: "Regulation: " }), rule.regulation) : null)))
    : h("p", { class: "muted", text: "No rule fired: the request was allowed as sent." });
  const findings = r.findings.length ? h("table", { class: "findings", id: "findings" },
    h("thead", {}, h("tr", {}, ["Type", "Message", "Location", "Characters", "Score", "Recognizer"].map((t) => h("th", { text: t })))),
    h("tbody", {}, r.findings.map((f) => h("tr", {}, h("td", {}, chip(f.entity_type)),
      h("td", { text: f.message_index === null || f.message_index === undefined ? "—" : String(f.message_index) }),
      h("td", { class: "mono small", text: placeLabel(f) }),
      h("td", { class: "mono", text: `${f.start}–${f.end}` }), h("td", { text: String(f.score) }),
      h("td", { class: "small", text: f.recognizer })))))
    : h("p", { class: "muted", text: "No findings." });
  const promptTarget = h("div", { id: "prompt" }, maskedPrompt(r));
  show(
    h("div", { class: "crumbs" }, h("a", { href: "#/records", text: "← Records" })),
    h("h1", {}, "Record ", h("span", { class: "mono", text: shortId(r.id) }), " ", decisionBadge(r.decision)),
    !r.policy_version_current ? h("div", { class: "alert warn", text: "The policy file has changed since this " +
      "decision; reasons and regulations below are from the policy now loaded." }) : null,
    section("Decision", h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", { text: k }), h("dd", {}, v)]))),
    section("Rules that fired", rules),
    section("Findings", findings),
    section("Prompt", promptTarget, decryptPanel(r, promptTarget)),
    section("Payload views", h("div", { id: "record-disclosures" })));
  await refreshRecordDisclosures(r.id);
}

// ---- Disclosures -------------------------------------------------------------------------
function disclosureTable(items, withRecord) {
  return h("table", { class: "disclosures" },
    h("thead", {}, h("tr", {}, ["Viewed", "Reviewer", "Role", withRecord ? "Record" : null, "Justification"]
      .filter(Boolean).map((t) => h("th", { text: t })))),
    h("tbody", {}, items.map((d) => h("tr", {},
      h("td", { class: "nowrap", text: fmtTime(d.viewed_at) }), h("td", { text: d.reviewer }), h("td", { text: d.role || "—" }),
      withRecord ? h("td", {}, h("a", { class: "mono", href: `#/records/${encodeURIComponent(d.record_id)}`,
        text: shortId(d.record_id) })) : null,
      h("td", { class: "justification", text: d.justification || "—" })))));
}
async function renderDisclosures() {
  const holder = h("div", { class: "card flush", id: "disclosures" });
  const more = h("button", { type: "button", class: "secondary", text: "Load more", hidden: true });
  let cursor = null;
  const all = [];
  async function load() {
    const data = await api("GET", `/review/api/disclosures${query({ cursor, limit: 50 })}`);
    all.push(...data.disclosures);
    cursor = data.next_cursor;
    more.hidden = !cursor;
    holder.replaceChildren(all.length ? disclosureTable(all, true)
      : h("p", { class: "empty", text: "No payload has been decrypted yet." }));
  }
  more.addEventListener("click", () => load().catch((err) => more.replaceWith(errorBox(err.message))));
  await load();
  show(h("h1", { text: "Disclosures" }),
    h("p", { class: "muted", text: "Every decryption of a record's payload: who, when, which record and why. " +
      "Each is an event in the audit chain." }), holder, h("div", { class: "more" }, more));
}

// ---- Events -------------------------------------------------------------------------------
const EVENT_KINDS = ["dataset_scan", "payload_view", "export", "erasure", "purge", "key_rotation",
  "reviewer_created", "reviewer_disabled", "interrupted_closed"];
function eventSummary(e) {
  const d = e.details || {};
  if (e.kind === "dataset_scan") {
    const files = (d.files || []).map((f) => f.name).join(", ");
    return `${files} · ${Number(d.rows).toLocaleString()} rows · ${Number(d.rows_flagged).toLocaleString()} flagged · ` +
      `${Number(d.findings).toLocaleString()} findings · policy ${d.policy} · SHA-256 ${String(d.dataset_sha256).slice(0, 12)}…`;
  }
  return Object.entries(d).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(" · ");
}
async function renderEvents(params) {
  const kind = params.get("kind") || "";
  const holder = h("div", { class: "card flush", id: "events" });
  const more = h("button", { type: "button", class: "secondary", text: "Load more", hidden: true });
  const picker = select("kind", EVENT_KINDS.map((k) => ({ value: k, label: k })), kind, "All kinds");
  picker.id = "event-kind";
  picker.addEventListener("change", () => { location.hash = `#/events${query({ kind: picker.value || null })}`; });
  let cursor = null;
  const all = [];
  async function load() {
    const data = await api("GET", `/review/api/events${query({ kind: kind || null, cursor, limit: 50 })}`);
    all.push(...data.events);
    cursor = data.next_cursor;
    more.hidden = !cursor;
    holder.replaceChildren(all.length ? h("table", { class: "events" },
      h("thead", {}, h("tr", {}, ["When", "Kind", "Who", "What"].map((t) => h("th", { text: t })))),
      h("tbody", {}, all.map((e) => h("tr", { "data-kind": e.kind },
        h("td", { class: "nowrap", text: fmtTime(e.at) }), h("td", {}, h("span", { class: "badge", text: e.kind })),
        h("td", { text: e.actor }), h("td", { class: "summary", text: eventSummary(e) })))))
      : h("p", { class: "empty", text: "No events of this kind yet." }));
  }
  more.addEventListener("click", () => load().catch((err) => more.replaceWith(errorBox(err.message))));
  await load();
  show(h("h1", { text: "Events" }),
    h("p", { class: "muted", text: "What people and tools did with the audit trail and with data: data set scans, " +
      "payload views, exports, erasures. Each is an event in the audit chain." }),
    h("div", { class: "filters" }, picker), holder, h("div", { class: "more" }, more));
}

// ---- Reviewers (admin) -------------------------------------------------------------------
async function renderReviewers() {
  const data = await api("GET", "/review/api/reviewers");
  const error = h("div");
  const form = h("form", { class: "inline-form", id: "reviewer-form", onsubmit: async (event) => {
    event.preventDefault();
    const d = new FormData(form);
    try {
      await api("POST", "/review/api/reviewers", { username: String(d.get("username")), role: String(d.get("role")),
        password: String(d.get("password")) });
      await renderReviewers();
    } catch (err) { error.replaceChildren(errorBox(err.message)); }
  } },
  h("input", { name: "username", placeholder: "username", required: true }),
  select("role", ["auditor", "officer", "admin"].map((r) => ({ value: r, label: r })), "auditor", "Role"),
  h("input", { name: "password", type: "password", placeholder: "password (12+ characters)", required: true,
    autocomplete: "new-password" }),
  h("button", { type: "submit", class: "primary", text: "Create reviewer" }));
  const rows = data.reviewers.map((r) => h("tr", {},
    h("td", { text: r.username }), h("td", { text: r.role }),
    h("td", {}, h("span", { class: `badge ${r.disabled_at ? "bad" : "ok"}`, text: r.disabled_at ? "disabled" : "active" })),
    h("td", { text: fmtTime(r.created_at) }), h("td", { text: fmtTime(r.last_login_at) }),
    h("td", {}, !r.disabled_at && r.username !== state.session.username ? h("button", { type: "button", class: "link danger",
      text: "Disable", onclick: async () => {
        if (!confirm(`Disable ${r.username}? Their sessions end at once.`)) return;
        try { await api("POST", `/review/api/reviewers/${encodeURIComponent(r.username)}/disable`); await renderReviewers(); }
        catch (err) { error.replaceChildren(errorBox(err.message)); }
      } }) : null)));
  show(h("h1", { text: "Reviewers" }), section("New reviewer", form, error),
    h("div", { class: "card flush" }, h("table", {},
      h("thead", {}, h("tr", {}, ["Username", "Role", "Status", "Created", "Last sign-in", ""].map((t) => h("th", { text: t })))),
      h("tbody", {}, rows))));
}

// ---- Start -------------------------------------------------------------------------------
async function start() {
  renderFrame();
  state.meta = await api("GET", "/review/api/policies");
  loadChain();
  await render();
}
async function boot() {
  document.getElementById("sign-out").addEventListener("click", async () => {
    try { await api("DELETE", "/review/api/session"); } catch (err) { /* already signed out */ }
    state.session = null;
    renderSignIn("You have signed out.");
  });
  window.addEventListener("hashchange", () => { render(); });
  try {
    state.session = await api("GET", "/review/api/session");
  } catch (err) {
    if (!state.session) renderSignIn(null);
    return;
  }
  await start();
}
document.addEventListener("DOMContentLoaded", boot);
