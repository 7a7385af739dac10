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
  document.getElementById("nav-subjects").hidden = !s.may_decrypt;
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
  const nav = ["records", "tenants", "report", "subjects", "events", "disclosures", "reviewers"]
    .find((name) => path.startsWith(`/${name}`)) || "overview";
  const link = document.querySelector(`[data-nav="${nav}"]`);
  if (link) link.classList.add("active");
  try {
    if (path === "/records") await renderRecords(params);
    else if (path.startsWith("/records/")) await renderRecord(decodeURIComponent(path.slice(9)));
    else if (path === "/tenants") await renderTenants(params);
    else if (path.startsWith("/tenants/")) await renderTenant(decodeURIComponent(path.slice(9)), params);
    else if (path === "/report") await renderReport(params);
    else if (path === "/subjects") renderSubjects();
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
const FILTERS = ["since", "until", "tenant", "tenant_contains", "policy", "decision", "route", "rule_id",
  "entity_type", "q"];

// Times in the form are UTC date-times ("2026-12-02T09:30"), "from" inclusive and "to" exclusive;
// a date alone (links made before) is its whole UTC day, "to" included.
function utcTime(value, name) {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    if (name === "since") return `${value}T00:00:00Z`;
    const d = new Date(`${value}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString().replace(".000", "");
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return `${value}:00Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value)) return `${value}Z`;
  return value;  // anything else goes as written: the API says what is wrong with it
}
function apiFilters(params) {
  const out = {};
  for (const name of FILTERS) {
    const v = params.get(name);
    if (!v) continue;
    out[name] = name === "since" || name === "until" ? utcTime(v, name) : v;
  }
  return out;
}
function localValue(value, name) {
  // What a datetime-local input can show of a URL value (a date alone: the time it stands for).
  if (!value) return "";
  return utcTime(value, name).replace(/Z$/, "").slice(0, 16);
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
  field("From (UTC)", h("input", { name: "since", id: "f-since", type: "datetime-local",
    value: localValue(params.get("since"), "since") })),
  field("To (UTC, exclusive)", h("input", { name: "until", id: "f-until", type: "datetime-local",
    value: localValue(params.get("until"), "until") })),
  field("Tenant contains", h("input", { name: "tenant_contains", id: "f-tenant", type: "search",
    placeholder: "any part of the name", value: params.get("tenant_contains") || "" })),
  params.get("tenant") ? h("input", { type: "hidden", name: "tenant", value: params.get("tenant") }) : null,
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

// ---- Tenants -----------------------------------------------------------------------------
function tenantLink(name) {
  return h("a", { href: `#/tenants/${encodeURIComponent(name)}`, class: "tenant-link", text: name });
}
async function renderTenants(params) {
  const q = params.get("q") || "";
  const data = await api("GET", `/review/api/tenants${query({ q })}`);
  const form = h("form", { class: "searchbar", id: "tenant-search", onsubmit: (event) => {
    event.preventDefault();
    const v = String(new FormData(form).get("q") || "").trim();
    location.hash = `#/tenants${v ? `?q=${encodeURIComponent(v)}` : ""}`;
  } },
  h("input", { name: "q", id: "tenant-q", type: "search", value: q, "aria-label": "Tenant name contains",
    placeholder: "Any part of a tenant's name (case does not matter)" }),
  h("button", { type: "submit", class: "primary", id: "tenant-search-submit", text: "Search" }));
  const rows = data.tenants.map((t) => h("tr", { "data-tenant": t.tenant },
    h("td", {}, tenantLink(t.tenant)), h("td", { class: "num", text: String(t.records) }),
    h("td", { class: "nowrap", text: fmtTime(t.last_seen) })));
  show(h("h1", { text: "Tenants" }), form,
    h("div", { class: "card flush" }, rows.length ? h("table", { id: "tenants" },
      h("thead", {}, h("tr", {}, ["Tenant", "Records", "Last request"].map((t) => h("th", { text: t })))),
      h("tbody", {}, rows)) : h("p", { class: "empty", text: q ? "No tenant name contains that text." : "No records yet." })));
}
async function renderTenant(name, params) {
  const period = { since: params.get("since") ? utcTime(params.get("since"), "since") : undefined,
    until: params.get("until") ? utcTime(params.get("until"), "until") : undefined };
  const stats = await api("GET", `/review/api/stats${query({ tenant: name, ...period })}`);
  const blocked = await api("GET", `/review/api/records${query({ tenant: name, decision: "block", limit: 20,
    since: stats.since, until: stats.until })}`);
  const field = (label, control) => h("label", { class: "field" }, h("span", { text: label }), control);
  const periodForm = h("form", { class: "filters report-form", id: "tenant-period", onsubmit: (event) => {
    event.preventDefault();
    const d = new FormData(periodForm);
    location.hash = `#/tenants/${encodeURIComponent(name)}${query({ since: d.get("since"), until: d.get("until") })}`;
  } },
  field("From (UTC)", h("input", { name: "since", id: "t-since", type: "datetime-local",
    value: localValue(stats.since, "since") })),
  field("To (UTC, exclusive)", h("input", { name: "until", id: "t-until", type: "datetime-local",
    value: localValue(stats.until, "until") })),
  h("div", { class: "filter-actions" }, h("button", { type: "submit", class: "primary", id: "tenant-period-submit", text: "Show" })));
  const periodText = period.since || period.until ? `${fmtTime(stats.since)} to ${fmtTime(stats.until)}` : "Last 30 days, UTC";
  const totals = stats.totals.decisions;
  const total = Object.values(totals).reduce((a, b) => a + b, 0);
  const tiles = h("div", { class: "tiles", id: "tenant-tiles" },
    h("div", { class: "tile" }, h("div", { class: "num", text: String(total) }), h("div", { text: "Records in the period" })),
    DECISIONS.map((d) => h("div", { class: `tile decision-${d.key}`, "data-decision": d.key },
      h("div", { class: "num", text: String(totals[d.key] || 0) }), h("div", { text: d.label }))));
  const rules = stats.top_rules.length ? h("table", { id: "top-rules" },
    h("thead", {}, h("tr", {}, ["Rule", "Records"].map((t) => h("th", { text: t })))),
    h("tbody", {}, stats.top_rules.slice(0, 10).map((r) => h("tr", {},
      h("td", {}, h("a", { class: "mono", href: `#/records${query({ tenant: name, rule_id: r.rule_id })}`, text: r.rule_id })),
      h("td", { class: "num", text: String(r.records) })))))
    : h("p", { class: "muted", text: "No rule fired for this tenant in this period." });
  const blockedRows = blocked.records.map((r) => h("tr", { class: "clickable", "data-id": r.id,
    onclick: () => { location.hash = `#/records/${encodeURIComponent(r.id)}`; } },
  h("td", {}, h("a", { href: `#/records/${encodeURIComponent(r.id)}`, class: "mono", text: shortId(r.id) })),
  h("td", { class: "nowrap", text: fmtTime(r.created_at) }), h("td", { text: r.policy }),
  h("td", { class: "mono small", text: (r.rule_ids || []).join(", ") || "—" }), h("td", {}, (r.entity_types || []).map(chip))));
  const view = h("div", { id: "tenant-dashboard" },
    h("div", { class: "crumbs" }, h("a", { href: "#/tenants", text: "← Tenants" })),
    h("h1", {}, "Tenant ", h("span", { id: "tenant-name", text: name })),
    periodForm,
    h("div", { class: "toolbar" }, h("span", { class: "muted", id: "tenant-period-text", text: periodText }),
      h("div", { class: "exports" },
        h("a", { class: "button secondary", href: `#/records${query({ tenant: name, ...period })}`, text: "All records" }),
        h("a", { class: "button secondary", id: "tenant-report", href: `#/report${query({ tenant: name, ...period })}`,
          text: "What left the site" }))),
    tiles,
    h("div", { class: "grid2" },
      section("Decisions per day", GatewayCharts.stackedBarChart(stats.days.map((d) => ({ day: d.day, values: d.decisions })),
        DECISIONS, { label: "Decisions per day" }), legend(DECISIONS)),
      section("Top rules", rules)),
    section("Blocked requests", blockedRows.length ? h("div", { class: "scroll" }, h("table", { id: "tenant-blocked" },
      h("thead", {}, h("tr", {}, ["Record", "Time", "Policy", "Rules", "Entity types"].map((t) => h("th", { text: t })))),
      h("tbody", {}, blockedRows)))
      : h("p", { class: "muted", id: "tenant-blocked-none", text: "Nothing of this tenant was blocked in this period." })));
  colorSwatches(view);
  show(view);
}

// ---- What left the site ------------------------------------------------------------------
function defaultPeriod() {
  const until = new Date(); until.setUTCSeconds(0, 0); until.setUTCMinutes(until.getUTCMinutes() + 1);
  const since = new Date(until); since.setUTCDate(since.getUTCDate() - 30);
  const fmt = (d) => d.toISOString().slice(0, 16);
  return { since: fmt(since), until: fmt(until) };
}
async function renderReport(params) {
  const period = defaultPeriod();
  const tenant = params.get("tenant") || "";
  const since = params.get("since") || period.since;
  const until = params.get("until") || period.until;
  const field = (label, control) => h("label", { class: "field" }, h("span", { text: label }), control);
  const form = h("form", { class: "filters report-form", id: "report-form", onsubmit: (event) => {
    event.preventDefault();
    const d = new FormData(form);
    location.hash = `#/report${query({ tenant: String(d.get("tenant") || "").trim(), since: d.get("since"), until: d.get("until") })}`;
  } },
  field("Tenant", h("input", { name: "tenant", id: "r-tenant", required: true, value: tenant })),
  field("From (UTC)", h("input", { name: "since", id: "r-since", type: "datetime-local", required: true,
    value: localValue(since, "since") })),
  field("To (UTC, exclusive)", h("input", { name: "until", id: "r-until", type: "datetime-local", required: true,
    value: localValue(until, "until") })),
  h("div", { class: "filter-actions" }, h("button", { type: "submit", class: "primary", id: "report-submit", text: "Report" })));
  const intro = h("p", { class: "muted", text: "For one tenant and period: how many requests went to the cloud, how many " +
    "stayed on premises and how many were blocked, by rule, counted from the audit trail, with the chain's status. " +
    "Each report is recorded in the audit trail." });
  if (!tenant) { show(h("h1", { text: "What left the site" }), intro, form); return; }
  const q = { tenant, since: utcTime(since, "since"), until: utcTime(until, "until") };
  const r = await api("GET", `/review/api/report${query(q)}`);
  const tile = (key, label, num, note) => h("div", { class: `tile dest-${key}`, "data-dest": key },
    h("div", { class: "num", text: String(num) }), h("div", { text: label }), note ? h("div", { class: "small", text: note }) : null);
  const chain = h("div", { class: `alert ${r.chain.ok ? "info" : "error"}`, id: "report-chain",
    text: r.chain.ok ? `Audit chain verified intact (${r.chain.records_checked} records checked).`
      : `The audit chain does NOT verify (record ${r.chain.first_bad_record}: ${r.chain.problem}); these counts cannot be trusted.` });
  const rules = r.by_rule.length ? h("div", { class: "scroll" }, h("table", { id: "report-rules" },
    h("thead", {}, h("tr", {}, ["Rule", "Requests", "Cloud", "On premises", "Blocked", "Inspected only"].map((t) => h("th", { text: t })))),
    h("tbody", {}, r.by_rule.map((x) => h("tr", { "data-rule": x.rule_id }, h("td", { class: "mono", text: x.rule_id }),
      [x.requests, x.cloud, x.on_premises, x.blocked, x.inspected_only].map((n) => h("td", { class: "num", text: String(n) })))))))
    : h("p", { class: "muted", text: "No rule fired in this period." });
  show(h("h1", { text: "What left the site" }), intro, form,
    h("div", { class: "toolbar" }, h("span", { class: "muted", text: `${r.tenant} · ${fmtTime(r.since)} to ${fmtTime(r.until)}` }),
      h("div", { class: "exports" }, h("span", { class: "muted", text: "Download:" }),
        ["html", "pdf", "json"].map((fmt) => h("a", { class: "button secondary", id: `report-${fmt}`, download: "",
          href: `/review/api/report${query({ ...q, format: fmt })}`, text: fmt.toUpperCase() })))),
    chain,
    h("div", { class: "tiles", id: "report-tiles" },
      tile("total", "Requests", r.requests),
      tile("cloud", "Sent to the cloud", r.cloud.total, `${r.cloud.redacted} redacted first`),
      tile("on_premises", "Stayed on premises", r.on_premises.total),
      tile("blocked", "Blocked", r.blocked.total, r.blocked.stage_failed ? `${r.blocked.stage_failed} because a stage failed` : null),
      tile("inspected_only", "Inspected only", r.inspected_only.total)),
    section("By rule", rules));
}

// ---- Data-subject search -----------------------------------------------------------------
function renderSubjects() {
  if (!state.session.may_decrypt) {
    show(h("h1", { text: "Data subjects" }), h("p", { class: "muted", id: "subjects-denied",
      text: `Searching by a person's data needs the officer or admin role (yours: ${state.session.role}).` }));
    return;
  }
  const results = h("div", { id: "subject-results" });
  const error = h("div");
  const form = h("form", { class: "card subject-form", id: "subject-form", autocomplete: "off", onsubmit: async (event) => {
    event.preventDefault();
    error.replaceChildren();
    const d = new FormData(form);
    try {
      // POSTed, never put in the address: the value stays out of URLs, history and logs.
      const found = await api("POST", "/review/api/subjects/search",
        { value: String(d.get("value") || ""), reason: String(d.get("reason") || "") });
      form.querySelector("#subject-value").value = "";
      results.replaceChildren(subjectResults(found));
    } catch (err) { error.replaceChildren(errorBox(err.message)); }
  } },
  h("label", { class: "field" }, h("span", { text: "Value (a name, e-mail address, phone or ID number…)" }),
    h("input", { name: "value", id: "subject-value", required: true, maxlength: 500, autocomplete: "off", spellcheck: "false" })),
  h("label", { class: "field" }, h("span", { text: "Reason (recorded in the audit trail with your name)" }),
    h("input", { name: "reason", id: "subject-reason", required: true, minlength: 3, maxlength: 500,
      placeholder: "e.g. DSR-2041" })),
  error,
  h("button", { type: "submit", class: "primary", id: "subject-submit", text: "Find records" }));
  show(h("h1", { text: "Data subjects" }),
    h("p", { class: "muted", text: "Which records held this value? The gateway keeps only a keyed hash of each detected " +
      "value, so it compares hashes: the value you enter is not stored, and the search (who, why, how many matched) " +
      "is recorded in the audit chain." }), form, results);
}
function subjectResults(found) {
  const rows = found.records.map((r) => h("tr", { class: "clickable", "data-id": r.id,
    onclick: () => { location.hash = `#/records/${encodeURIComponent(r.id)}`; } },
  h("td", {}, h("a", { href: `#/records/${encodeURIComponent(r.id)}`, class: "mono", text: shortId(r.id) })),
  h("td", { class: "nowrap", text: fmtTime(r.created_at) }), h("td", {}, tenantLink(r.tenant)), h("td", { text: r.policy }),
  h("td", {}, decisionBadge(r.decision)), h("td", {}, r.matched_as.map(chip))));
  return h("div", {},
    h("div", { class: "alert info", id: "subject-count", text: `${found.matched} record${found.matched === 1 ? "" : "s"} ` +
      `held this value${found.truncated ? ` (the newest ${found.records.length} are listed)` : ""}. Search recorded as event ${found.event_id}.` }),
    rows.length ? h("div", { class: "card flush" }, h("table", { id: "subject-records" },
      h("thead", {}, h("tr", {}, ["Record", "Time", "Tenant", "Policy", "Decision", "Found as"].map((t) => h("th", { text: t })))),
      h("tbody", {}, rows))) : null);
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
