// Unoriented edges (a --- b from a CPDAG, a <-> b): the reviewer orients each one, keeps it
// open or rejects it. Shares the page's scope (state, element, nameElement, save, refresh...).
// Decisions go out as "orient" (source -> target is the chosen direction), "accept" (keep it
// open) or "reject", which apply_review reads (review/_open_edges.py).
// `data` is read when called: this file runs before _page.js parses it.
function openEdgeList() { return data.undirected || []; }
var openRows = [];
var OPEN_CHOICES = [["forward", null], ["backward", null], ["keep", "Keep open"], ["reject", "Reject"]];

function openChoiceLabel(edge, choice) {
  if (choice === "forward") { return edge.first + " → " + edge.second; }
  if (choice === "backward") { return edge.second + " → " + edge.first; }
  return OPEN_CHOICES.filter(function (item) { return item[0] === choice; })[0][1];
}

function validOpenState(saved) {
  var result = {};
  if (!saved || typeof saved !== "object") { return result; }
  Object.keys(saved).forEach(function (key) {
    var valid = OPEN_CHOICES.some(function (item) { return item[0] === saved[key]; });
    if (valid && openEdgeList()[Number(key)]) { result[key] = saved[key]; }
  });
  return result;
}

function openGroup(index) {
  return document.querySelector('#figure g.pla-open[data-undirected="' + index + '"]');
}

function buildOpenTable() {
  byId("open-section").hidden = openEdgeList().length === 0;
  byId("legend-open").hidden = openEdgeList().length === 0;
  if (data.allows_cycles && data.cycles.length) {
    var note = byId("cycles-note");
    note.hidden = false;
    note.textContent = "This is a summary graph with feedback loops: " + data.cycles.length +
      " cycle(s), kept on purpose. Decisions may keep or add loops.";
    byId("open-section").hidden = false;
  }
  var body = byId("open-rows");
  openEdgeList().forEach(function (edge, index) {
    var row = element("tr");
    row.setAttribute("data-undirected", String(index));
    row.appendChild(element("td", "number", index + 1));
    row.appendChild(pairCell(edge.first, edge.second, edge.kind === "bidirected" ? "↔" : "—"));
    var rationale = element("td", "rationale");
    rationale.appendChild(element("div", "rationale-text", edge.rationale));
    row.appendChild(rationale);
    var origin = element("td", "origin");
    edge.origins.forEach(function (name) { origin.appendChild(element("span", "tag", name)); });
    row.appendChild(origin);
    var cell = element("td");
    var group = element("div", "decision");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Decision for " + edge.first + " and " + edge.second);
    OPEN_CHOICES.forEach(function (item) {
      var button = element("button", "", openChoiceLabel(edge, item[0]));
      button.type = "button";
      button.setAttribute("data-open-action", item[0]);
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () { decideOpen(index, item[0]); });
      group.appendChild(button);
    });
    cell.appendChild(group);
    row.appendChild(cell);
    var commentCell = element("td", "comment");
    var comment = element("textarea");
    comment.rows = 1;
    comment.maxLength = 4000;
    comment.placeholder = "Comment";
    comment.setAttribute("aria-label", "Comment on " + edge.first + " and " + edge.second);
    comment.value = state.openComments[index] || "";
    comment.addEventListener("input", function () {
      state.openComments[index] = comment.value;
      save();
    });
    commentCell.appendChild(comment);
    row.appendChild(commentCell);
    body.appendChild(row);
    openRows.push(row);
  });
  Array.prototype.forEach.call(document.querySelectorAll("#figure g.pla-open"), function (group) {
    group.addEventListener("click", function () {
      if (view.dragged) { return; }
      var row = openRows[Number(group.getAttribute("data-undirected"))];
      if (row) { reveal(row, "center"); flash(row); }
    });
  });
}

function decideOpen(index, choice) {
  if (state.open[index] === choice) { delete state.open[index]; }
  else { state.open[index] = choice; }
  save();
  refresh();
}

// The directed pairs the open-edge decisions add to the reviewed graph.
function openDecisionPairs() {
  var pairs = [];
  openEdgeList().forEach(function (edge, index) {
    if (state.open[index] === "forward") { pairs.push([edge.first, edge.second]); }
    if (state.open[index] === "backward") { pairs.push([edge.second, edge.first]); }
  });
  return pairs;
}

function openDecisions() {
  var decisions = [];
  openEdgeList().forEach(function (edge, index) {
    var choice = state.open[index];
    if (!choice) { return; }
    var backward = choice === "backward";
    decisions.push({
      source: backward ? edge.second : edge.first,
      target: backward ? edge.first : edge.second,
      action: { forward: "orient", backward: "orient", keep: "accept", reject: "reject" }[choice],
      comment: (state.openComments[index] || "").trim()
    });
  });
  return decisions;
}

function isOpenPair(source, target) {
  return openEdgeList().some(function (edge) {
    return (edge.first === source && edge.second === target) ||
      (edge.first === target && edge.second === source);
  });
}

function refreshOpen() {
  var decided = 0;
  openEdgeList().forEach(function (edge, index) {
    var choice = state.open[index] || "";
    if (choice) { decided += 1; }
    var row = openRows[index];
    row.className = choice ? "state-" + choice : "";
    row.setAttribute("data-state", choice || "unreviewed");
    Array.prototype.forEach.call(row.querySelectorAll("button[data-open-action]"), function (button) {
      button.setAttribute("aria-pressed", button.getAttribute("data-open-action") === choice ? "true" : "false");
    });
    var group = openGroup(index);
    if (group) {
      OPEN_CHOICES.forEach(function (item) { group.classList.toggle("decision-" + item[0], item[0] === choice); });
    }
  });
  return openEdgeList().length ? " · " + decided + "/" + openEdgeList().length + " unoriented decided" : "";
}

function focusOpen(name) {
  openEdgeList().forEach(function (edge, index) {
    var group = openGroup(index);
    if (group) { group.classList.toggle("pla-focus", !!name && (edge.first === name || edge.second === name)); }
  });
}
