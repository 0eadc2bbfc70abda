// The review page's state, edge table, decisions, export and wiring. It runs last, after
// _page_view.js (the picture: zoom, pan, highlight, added edges) and _page_findings.js (findings
// on rows, one-click suggestions); all three share one strict-mode function scope.
// Every piece of graph data reaches the page through textContent, value or createElement:
// nothing from the data is ever parsed as HTML.
var data = JSON.parse(document.getElementById("graph-data").textContent);
var edges = data.edges;
var variables = data.variables;
var round = data.round || null;
var storageKey = "pywhy-llm-assist-review:" + data.fingerprint;
var ACTIONS = [["accept", "Accept"], ["reject", "Reject"], ["reverse", "Reverse"]];
var state = { reviewer: "", decisions: {}, comments: {}, origins: {}, added: [], latents: [], open: {}, openComments: {} };
var rows = [];
var comments = [];
var changes = 0;
var statusCauses = {};

function byId(id) { return document.getElementById(id); }

function element(tag, className, text) {
  var node = document.createElement(tag);
  if (className) { node.className = className; }
  if (text !== undefined && text !== null) { node.textContent = String(text); }
  return node;
}

// A variable name that wraps only between its words (after _ - . / and at camelCase humps),
// never inside one: each word is a no-wrap span, with a <wbr> between words.
function nameElement(name, className) {
  var box = element("span", "name" + (className ? " " + className : ""));
  var text = String(name);
  var word = "";
  function flush() {
    if (!word) { return; }
    if (box.childNodes.length) { box.appendChild(document.createElement("wbr")); }
    box.appendChild(element("span", "word", word));
    word = "";
  }
  for (var at = 0; at < text.length; at += 1) {
    var character = text.charAt(at);
    var previous = at ? text.charAt(at - 1) : "";
    if (word && /[a-z]/.test(previous) && /[A-Z]/.test(character)) { flush(); }
    word += character;
    if ("_-./".indexOf(character) >= 0) { flush(); }
  }
  flush();
  return box;
}

function reviewable(index) {
  return !round || Object.prototype.hasOwnProperty.call(round.items, String(index));
}

function isKnownName(name) {
  return variables.some(function (v) { return v.name === name; }) ||
    state.latents.some(function (latent) { return latent.name === name; });
}

function load() {
  try {
    var saved = JSON.parse(window.localStorage.getItem(storageKey) || "null");
    if (saved && typeof saved === "object") {
      state.reviewer = typeof saved.reviewer === "string" ? saved.reviewer : "";
      state.decisions = saved.decisions && typeof saved.decisions === "object" ? saved.decisions : {};
      state.comments = saved.comments && typeof saved.comments === "object" ? saved.comments : {};
      state.origins = saved.origins && typeof saved.origins === "object" ? saved.origins : {};
      state.latents = Array.isArray(saved.latents) ? saved.latents.filter(validLatent) : [];
      state.added = Array.isArray(saved.added) ? saved.added.filter(validAddition) : [];
      state.open = validOpenState(saved.open);
      state.openComments = saved.openComments && typeof saved.openComments === "object" ? saved.openComments : {};
    }
  } catch (error) { /* storage unavailable or corrupt: start afresh */ }
}

function save() {
  changes += 1;
  try { window.localStorage.setItem(storageKey, JSON.stringify(state)); } catch (error) { /* ignore */ }
}

function validLatent(item) {
  return item && typeof item.name === "string" && latentSuggestion(item.name) !== null;
}

function validAddition(item) {
  return item && typeof item.source === "string" && typeof item.target === "string" &&
    isKnownName(item.source) && isKnownName(item.target);
}

// ------------------------------------------------------------------ status messages
// A message stays only while its cause does: `stillTrue` is asked after every change.
function setStatus(target, text, kind, stillTrue) {
  var box = byId(target);
  box.textContent = text;
  box.className = "status" + (target === "add-message" ? " inline" : "") + (kind ? " " + kind : "");
  statusCauses[target] = text ? (stillTrue || null) : null;
}

function untilNextChange() {
  var at = changes;
  return function () { return changes === at; };
}

function recheckStatus() {
  Object.keys(statusCauses).forEach(function (target) {
    var cause = statusCauses[target];
    if (cause && !cause()) { setStatus(target, "", ""); }
  });
}

// ------------------------------------------------------------------ the edge table
function pairCell(source, target, arrow) {
  var pair = element("td", "pair");
  pair.appendChild(nameElement(source, isLatent(source) ? "latent-name" : ""));
  pair.appendChild(element("span", "to", arrow || "→"));
  pair.appendChild(nameElement(target, isLatent(target) ? "latent-name" : ""));
  return pair;
}

function buildTable() {
  var body = byId("edge-rows");
  edges.forEach(function (edge, index) {
    if (!reviewable(index)) { rows.push(null); comments.push(null); return; }
    var row = element("tr");
    row.setAttribute("data-edge", String(index));
    row.appendChild(element("td", "number", index + 1));
    row.appendChild(pairCell(edge.source, edge.target));
    var confidence = element("td", "confidence");
    var meter = element("span", "meter");
    var fill = element("span");
    fill.style.width = Math.round(Math.max(0, Math.min(1, Number(edge.confidence))) * 100) + "%";
    meter.appendChild(fill);
    confidence.appendChild(meter);
    confidence.appendChild(document.createTextNode(Number(edge.confidence).toFixed(2)));
    row.appendChild(confidence);
    row.appendChild(element("td", "votes", edge.votes + " / " + edge.asked));
    var rationale = element("td", "rationale");
    rationale.appendChild(element("div", "rationale-text", edge.rationale));
    if (round) { rationale.appendChild(firstRoundBox(round.items[String(index)])); }
    rationale.appendChild(element("div", "findings-box"));
    row.appendChild(rationale);
    var origin = element("td", "origin");
    edge.origins.forEach(function (name) { origin.appendChild(element("span", "tag", name)); });
    row.appendChild(origin);
    var decision = element("td");
    var group = element("div", "decision");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Decision for " + edge.source + " to " + edge.target);
    ACTIONS.forEach(function (action) {
      var button = element("button", "", action[1]);
      button.type = "button";
      button.setAttribute("data-action", action[0]);
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () { decide(index, action[0]); });
      group.appendChild(button);
    });
    decision.appendChild(group);
    decision.appendChild(element("div", "applied-note"));
    row.appendChild(decision);
    var commentCell = element("td", "comment");
    var comment = element("textarea");
    comment.rows = 1;
    comment.maxLength = 4000;
    comment.placeholder = "Comment";
    comment.setAttribute("aria-label", "Comment on " + edge.source + " to " + edge.target);
    comment.value = state.comments[index] || "";
    comment.addEventListener("input", function () {
      state.comments[index] = comment.value;
      fitHeight(comment);
      save();
    });
    commentCell.appendChild(comment);
    row.appendChild(commentCell);
    comments.push(comment);
    row.addEventListener("mouseenter", function () { toggleEdgeClass(index, "pla-hover", true); });
    row.addEventListener("mouseleave", function () { toggleEdgeClass(index, "pla-hover", false); });
    body.appendChild(row);
    rows.push(row);
  });
}

function firstRoundBox(votes) {
  var box = element("div", "first-round");
  box.appendChild(element("div", "first-round-title", "First round"));
  var list = element("ul");
  (votes || []).forEach(function (vote) {
    var item = element("li", "vote vote-" + vote.action);
    item.appendChild(element("strong", "", vote.reviewer + ": "));
    item.appendChild(element("span", "vote-action", vote.action.replace("_", " ")));
    if (vote.comment) { item.appendChild(element("span", "vote-comment", " — " + vote.comment)); }
    if (vote.origin) { item.appendChild(element("span", "vote-origin", " (" + vote.origin + ")")); }
    list.appendChild(item);
  });
  box.appendChild(list);
  return box;
}

function fitHeight(textarea) {
  textarea.style.height = "auto";
  textarea.style.height = Math.max(textarea.scrollHeight + 2, 34) + "px";
}

function isLatent(name) {
  return variables.some(function (v) { return v.name === name && v.latent; }) ||
    state.latents.some(function (latent) { return latent.name === name; });
}

function decide(index, action) {
  if (state.decisions[index] === action) { delete state.decisions[index]; }
  else { state.decisions[index] = action; }
  delete state.origins[index];  // the reviewer's own decision replaces an applied suggestion
  save();
  refresh();
}

function edgeGroup(index) {
  return document.querySelector('#figure g.pla-edge[data-edge="' + index + '"]');
}

function toggleEdgeClass(index, name, on) {
  var group = edgeGroup(index);
  if (group) { group.classList.toggle(name, on); }
}

function motion() {
  var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  return reduce ? "auto" : "smooth";
}

// Scroll to `target`; the page's scroll-padding keeps it clear of the sticky header.
function reveal(target, block) {
  target.scrollIntoView({ block: block || "center", behavior: motion() });
}

function flash(row) {
  row.classList.remove("flash");
  void row.offsetWidth;
  row.classList.add("flash");
}

function showEdgeRow(index) {
  var row = rows[index];
  if (!row) { return; }
  row.hidden = false;
  reveal(row, "center");
  flash(row);
}

// ------------------------------------------------------------------ refresh everything
function refresh() {
  var reviewed = 0;
  var total = 0;
  var counts = { accept: 0, reject: 0, reverse: 0 };
  edges.forEach(function (edge, index) {
    if (!reviewable(index)) { return; }
    total += 1;
    var action = state.decisions[index] || "";
    if (action) { reviewed += 1; counts[action] += 1; }
    var row = rows[index];
    row.className = action ? "state-" + action : "";
    row.setAttribute("data-state", action || "unreviewed");
    Array.prototype.forEach.call(row.querySelectorAll("button[data-action]"), function (button) {
      button.setAttribute("aria-pressed", button.getAttribute("data-action") === action ? "true" : "false");
    });
    var origin = state.origins[index];
    row.querySelector(".applied-note").textContent = origin && action ?
      "applied from a " + origin.finding_source + " finding" : "";
    var group = edgeGroup(index);
    if (group) {
      ACTIONS.forEach(function (item) { group.classList.toggle("decision-" + item[0], item[0] === action); });
    }
  });
  var text = "Reviewed " + reviewed + " of " + total + " edges · " + (total - reviewed) +
    " unreviewed · " + counts.accept + " accepted · " + counts.reject + " rejected · " +
    counts.reverse + " reversed · " + state.added.length + " added" + refreshOpen();
  byId("progress").textContent = text;
  byId("progress").setAttribute("data-reviewed", String(reviewed));
  byId("progress-fill").style.width = (total ? (100 * reviewed / total) : 100) + "%";
  applyFilter();
  drawAdded();
  listAdded();
  refreshFindings();
  recheckStatus();
}

function matches(query, exact, names, text) {
  if (!query) { return true; }
  if (exact) { return names.some(function (name) { return name.toLowerCase() === query; }); }
  return text.toLowerCase().indexOf(query) >= 0;
}

function applyFilter() {
  var query = byId("filter").value.trim().toLowerCase();
  var onlyUnreviewed = byId("only-unreviewed").checked;
  var exact = variables.some(function (v) { return v.name.toLowerCase() === query; });
  edges.forEach(function (edge, index) {
    if (!rows[index]) { return; }
    var show = matches(query, exact, [edge.source, edge.target],
      edge.source + " " + edge.target + " " + edge.rationale);
    if (onlyUnreviewed && state.decisions[index]) { show = false; }
    rows[index].hidden = !show;
  });
  filterPairRows(query, exact);
  var focused = exact ? variables.filter(function (v) { return v.name.toLowerCase() === query; })[0] : null;
  setFocus(focused ? focused.name : null);
}

// ------------------------------------------------------------------ added edges
function listAdded() {
  var body = byId("added-rows");
  while (body.firstChild) { body.removeChild(body.firstChild); }
  byId("added-table").hidden = state.added.length === 0;
  state.added.forEach(function (item, index) {
    var row = element("tr");
    row.setAttribute("data-added", String(index));
    row.appendChild(pairCell(item.source, item.target));
    var note = element("td", "", item.comment || "");
    if (item.origin) { note.appendChild(element("div", "muted", "applied from a " + item.origin.finding_source + " finding: " + item.origin.message)); }
    row.appendChild(note);
    var cell = element("td");
    var remove = element("button", "", "Remove");
    remove.type = "button";
    remove.addEventListener("click", function () { removeAddition(index); });
    cell.appendChild(remove);
    row.appendChild(cell);
    body.appendChild(row);
  });
}

function removeAddition(index) {
  var item = state.added[index];
  state.added.splice(index, 1);
  // A latent variable lives as long as one of its edges does.
  state.latents = state.latents.filter(function (latent) {
    return latent.name !== item.source || state.added.some(function (other) { return other.source === latent.name; });
  });
  save();
  refresh();
}

function reviewedEdges(extra) {
  var pairs = [];
  edges.forEach(function (edge, index) {
    var action = state.decisions[index];
    if (action === "reject") { return; }
    pairs.push(action === "reverse" ? [edge.target, edge.source] : [edge.source, edge.target]);
  });
  state.added.forEach(function (item) { pairs.push([item.source, item.target]); });
  openDecisionPairs().forEach(function (pair) { pairs.push(pair); });
  (extra || []).forEach(function (pair) { pairs.push(pair); });
  return pairs;
}

function findCycle(pairs) {
  var next = {};
  pairs.forEach(function (pair) { (next[pair[0]] = next[pair[0]] || []).push(pair[1]); });
  var color = {};
  var stack = [];
  function visit(name) {
    color[name] = 1;
    stack.push(name);
    var children = next[name] || [];
    for (var at = 0; at < children.length; at += 1) {
      var child = children[at];
      if (color[child] === 1) { return stack.slice(stack.indexOf(child)).concat([child]); }
      if (!color[child]) {
        var found = visit(child);
        if (found) { return found; }
      }
    }
    stack.pop();
    color[name] = 2;
    return null;
  }
  var names = Object.keys(next);
  for (var index = 0; index < names.length; index += 1) {
    if (!color[names[index]]) {
      var cycle = visit(names[index]);
      if (cycle) { return cycle; }
    }
  }
  return null;
}

// Why adding source -> target is refused, or "" when it can be added.
function additionProblem(source, target) {
  if (source === target) { return "Choose two different variables."; }
  if (edges.some(function (e) { return e.source === source && e.target === target; })) {
    return "That edge is already proposed: accept it in the table above.";
  }
  if (state.added.some(function (e) { return e.source === source && e.target === target; })) {
    return "That edge is already added.";
  }
  if (isOpenPair(source, target)) {
    return "These two are joined by an unoriented edge: orient it in the table of unoriented edges.";
  }
  if (data.allows_cycles) { return ""; }
  var cycle = findCycle(reviewedEdges([[source, target]]));
  return cycle ? "Adding it would create a cycle: " + cycle.join(" → ") : "";
}

function buildAddForm() {
  ["add-source", "add-target"].forEach(function (id, which) {
    var select = byId(id);
    variables.forEach(function (variable, index) {
      var option = element("option", "", variable.name + (variable.latent ? " (latent)" : ""));
      option.value = String(index);
      select.appendChild(option);
    });
    if (which === 1 && variables.length > 1) { select.value = "1"; }
    select.addEventListener("change", recheckStatus);
  });
  byId("add-button").addEventListener("click", function () {
    var source = variables[Number(byId("add-source").value)].name;
    var target = variables[Number(byId("add-target").value)].name;
    var comment = byId("add-comment").value.trim();
    var problem = additionProblem(source, target);
    var selection = byId("add-source").value + ">" + byId("add-target").value;
    var sameSelection = function () {
      return byId("add-source").value + ">" + byId("add-target").value === selection;
    };
    if (problem) {
      var at = changes;
      return setStatus("add-message", problem, "error", function () {
        return sameSelection() && changes === at;
      });
    }
    state.added.push({ source: source, target: target, comment: comment });
    byId("add-comment").value = "";
    save();
    setStatus("add-message", "Added " + source + " → " + target + ".", "ok", untilNextChange());
    refresh();
  });
}

// ------------------------------------------------------------------ export
function reviewerName() { return byId("reviewer").value.trim(); }

function exportDecisions() {
  var reviewer = reviewerName();
  if (!reviewer) {
    byId("reviewer").focus();
    return setStatus("status", "Type your name in the Reviewer box before exporting.", "error",
      function () { return !reviewerName(); });
  }
  if (!data.allows_cycles && findCycle(reviewedEdges(null))) {
    return setStatus("status", "These decisions leave a cycle: " + findCycle(reviewedEdges(null)).join(" → ") +
      ". Reject or reverse one of its edges, then export again.", "error",
      function () { return !!findCycle(reviewedEdges(null)); });
  }
  var decisions = [];
  var orphanComments = 0;
  edges.forEach(function (edge, index) {
    if (!reviewable(index)) { return; }
    var action = state.decisions[index];
    var comment = (state.comments[index] || "").trim();
    if (action) {
      var decision = { source: edge.source, target: edge.target, action: action, comment: comment };
      if (state.origins[index]) { decision.origin = state.origins[index]; }
      decisions.push(decision);
    } else if (comment) {
      orphanComments += 1;
    }
  });
  state.added.forEach(function (item) {
    var decision = { source: item.source, target: item.target, action: "add", comment: item.comment || "" };
    if (item.origin) { decision.origin = item.origin; }
    decisions.push(decision);
  });
  openDecisions().forEach(function (decision) { decisions.push(decision); });
  var payload = {
    reviewer: reviewer,
    timestamp: new Date().toISOString(),
    graph_fingerprint: data.fingerprint,
    decisions: decisions,
    latent_variables: state.latents.map(function (latent) {
      return { name: latent.name, description: latent.description || "", origin: latent.origin || null };
    }),
    format_version: data.format_version
  };
  var blob = new Blob([JSON.stringify(payload, null, 2) + "\n"], { type: "application/json" });
  var url = URL.createObjectURL(blob);
  var link = element("a");
  link.href = url;
  link.download = "review-decisions.json";
  document.body.appendChild(link);
  link.click();
  document.body.removeChild(link);
  window.setTimeout(function () { URL.revokeObjectURL(url); }, 5000);
  var message = "Exported " + decisions.length + " decisions to review-decisions.json.";
  if (orphanComments) {
    message += " " + orphanComments + " comment(s) on undecided edges were not exported: choose an action for them.";
  }
  setStatus("status", message, "ok", untilNextChange());
}

// ------------------------------------------------------------------ the sticky header
// The header's height (it wraps on narrow screens) sets the page's scroll padding, so nothing
// scrolled into view ends up under it, and the figure's height, so the graph fits the screen.
function measureHeader() {
  var height = byId("topbar").getBoundingClientRect().height;
  document.documentElement.style.setProperty("--header-height", Math.ceil(height) + "px");
}

// ------------------------------------------------------------------ wiring
function wire() {
  var reviewer = byId("reviewer");
  reviewer.value = state.reviewer;
  reviewer.addEventListener("input", function () {
    state.reviewer = reviewer.value;
    save();
    recheckStatus();
  });
  byId("export-button").addEventListener("click", exportDecisions);
  byId("filter").addEventListener("input", applyFilter);
  byId("only-unreviewed").addEventListener("change", applyFilter);
  byId("clear-focus").addEventListener("click", function () {
    byId("filter").value = "";
    applyFilter();
  });
  byId("accept-rest").addEventListener("click", function () {
    edges.forEach(function (edge, index) {
      if (rows[index] && !state.decisions[index] && !rows[index].hidden) { state.decisions[index] = "accept"; }
    });
    save();
    refresh();
  });
  Array.prototype.forEach.call(document.querySelectorAll("#figure g.pla-edge"), function (group) {
    group.addEventListener("click", function () {
      if (view.dragged) { return; }
      showEdgeRow(Number(group.getAttribute("data-edge")));
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("#figure g.pla-node"), function (group) {
    group.addEventListener("click", function () {
      if (view.dragged) { return; }
      var variable = variables[Number(group.getAttribute("data-node"))];
      if (!variable) { return; }
      var same = byId("filter").value.trim().toLowerCase() === variable.name.toLowerCase();
      byId("filter").value = same ? "" : variable.name;
      applyFilter();
      if (!same) { reveal(byId("edges-section"), "start"); }
    });
  });
  if (window.ResizeObserver) { new window.ResizeObserver(measureHeader).observe(byId("topbar")); }
  window.addEventListener("resize", measureHeader);
}

function showRound() {
  if (!round) { return; }
  var banner = byId("round-banner");
  banner.hidden = false;
  banner.textContent = "Second round: " + Object.keys(round.items).length + " disputed of " +
    edges.length + " edges. Rule: " + round.rule + ". First-round reviewers: " +
    round.reviewers.join(", ") + ". Decide on each disputed edge, then export as usual.";
  byId("add-section").hidden = true;
  byId("edges-title").textContent = "Disputed edges";
  Array.prototype.forEach.call(document.querySelectorAll("#figure g.pla-edge"), function (group) {
    group.classList.toggle("pla-settled", !reviewable(Number(group.getAttribute("data-edge"))));
  });
}

load();
measureHeader();
buildTable();
buildOpenTable();
buildPairRows();
buildAddForm();
showRound();
renderFindings();
wire();
setupView();
refresh();
comments.forEach(function (comment) { if (comment && comment.value) { fitHeight(comment); } });
document.documentElement.setAttribute("data-ready", "true");
