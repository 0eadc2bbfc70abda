// Findings on the rows they concern, and one-click "Apply" of their suggestions, recorded as
// review decisions whose origin names the finding. Where each finding goes and what its
// suggestion does were worked out in Python (review/_page_findings.py); this file shows them.
var findingViews = [];  // one entry per finding: { item, buttons: [], notes: [] }
var pairRows = [];

function findingsData() {
  return data.findings || { items: [], pairs: [], question: {} };
}

function latentSuggestion(name) {
  var found = null;
  findingsData().items.forEach(function (item) {
    var suggestion = item.suggestion;
    if (suggestion && suggestion.type === "latent" && suggestion.name === name) { found = suggestion; }
  });
  return found;
}

function originOf(item) {
  return {
    finding_kind: item.kind.slice(0, 64),
    finding_source: item.source.slice(0, 32) || "model",
    message: item.message.slice(0, 4000),
    edit: item.edit.slice(0, 400)
  };
}

function sameOrigin(origin, item) {
  return !!origin && origin.finding_kind === item.kind && origin.message === item.message.slice(0, 4000);
}

// ------------------------------------------------------------------ rows for pairs without an edge
function buildPairRows() {
  var pairs = findingsData().pairs;
  var body = byId("pair-rows");
  body.hidden = pairs.length === 0;
  if (!pairs.length) { return; }
  var heading = element("tr", "group-heading");
  var cell = element("th", "", "Pairs the findings mention that have no edge");
  cell.colSpan = 8;
  cell.scope = "rowgroup";
  heading.appendChild(cell);
  body.appendChild(heading);
  pairs.forEach(function (pair, index) {
    var row = element("tr", "pair-row");
    row.setAttribute("data-pair", String(index));
    row.appendChild(element("td", "number", "–"));
    row.appendChild(pairCell(pair[0], pair[1], "—"));
    row.appendChild(element("td", "confidence muted", "no edge"));
    row.appendChild(element("td", "votes"));
    var rationale = element("td", "rationale");
    rationale.appendChild(element("div", "findings-box"));
    row.appendChild(rationale);
    row.appendChild(element("td", "origin"));
    row.appendChild(element("td", "pair-state"));
    row.appendChild(element("td", "comment"));
    body.appendChild(row);
    pairRows.push(row);
  });
}

function filterPairRows(query, exact) {
  findingsData().pairs.forEach(function (pair, index) {
    pairRows[index].hidden = !matches(query, exact, pair, pair.join(" "));
  });
}

// ------------------------------------------------------------------ rendering
function containersFor(item) {
  var link = item.link || {};
  if (link.edge !== undefined) {
    var row = rows[link.edge];
    return row ? [row.querySelector(".findings-box")] : [];
  }
  if (link.pair_row !== undefined) { return [pairRows[link.pair_row].querySelector(".findings-box")]; }
  return (link.variables || []).map(function (name) {
    var at = -1;
    variables.forEach(function (v, index) { if (v.name === name) { at = index; } });
    var row = document.querySelector('#variables-table tr[data-variable="' + at + '"] td.findings');
    return row;
  }).filter(function (cell) { return !!cell; });
}

function findingElement(item, view) {
  var level = { high: "high", medium: "medium" }[item.severity.toLowerCase()] || "low";
  var box = element("div", "finding finding-" + level);
  box.setAttribute("data-finding", String(item.number));
  var head = element("div", "finding-head");
  head.appendChild(element("span", "severity severity-" + level, item.severity));
  head.appendChild(element("span", "finding-source", item.source + " · " + item.kind));
  box.appendChild(head);
  box.appendChild(element("div", "finding-message", item.message));
  if (item.rationale) { box.appendChild(element("div", "finding-rationale", item.rationale)); }
  if (item.suggestion) {
    var button = element("button", "apply", item.suggestion.label);
    button.type = "button";
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () { applySuggestion(item); });
    box.appendChild(button);
    view.buttons.push(button);
  } else if (item.edit) {
    box.appendChild(element("div", "finding-edit", "suggested: " + item.edit));
  }
  var note = element("div", "finding-note");
  box.appendChild(note);
  view.notes.push(note);
  return box;
}

function renderFindings() {
  findingsData().items.forEach(function (item) {
    var view = { item: item, buttons: [], notes: [] };
    findingViews.push(view);
    containersFor(item).forEach(function (container) {
      container.appendChild(findingElement(item, view));
    });
  });
  rows.forEach(function (row) {
    if (!row) { return; }
    var count = row.querySelectorAll(".finding").length;
    if (count) {
      var badge = element("span", "finding-badge", count === 1 ? "1 finding" : count + " findings");
      row.querySelector("td.pair").appendChild(badge);
    }
  });
  linkCritiqueTable();
}

function targetOf(item) {
  var link = item.link || {};
  if (link.edge !== undefined) { return rows[link.edge]; }
  if (link.pair_row !== undefined) { return pairRows[link.pair_row]; }
  var first = (link.variables || [])[0];
  var at = -1;
  variables.forEach(function (v, index) { if (v.name === first) { at = index; } });
  return document.querySelector('#variables-table tr[data-variable="' + at + '"]');
}

function linkCritiqueTable() {
  Array.prototype.forEach.call(document.querySelectorAll("#findings-table tr[data-finding]"), function (row) {
    var item = findingsData().items[Number(row.getAttribute("data-finding"))];
    var target = item ? targetOf(item) : null;
    if (!target) { return; }
    var button = element("button", "show-row", "Show on its row");
    button.type = "button";
    button.addEventListener("click", function () {
      target.hidden = false;
      reveal(target, "center");
      flash(target);
    });
    row.querySelector("td.where").appendChild(button);
  });
}

// ------------------------------------------------------------------ applying suggestions
function isApplied(item) {
  var suggestion = item.suggestion;
  if (!suggestion) { return false; }
  if (suggestion.type === "decide") {
    return state.decisions[suggestion.edge] === suggestion.action && sameOrigin(state.origins[suggestion.edge], item);
  }
  if (suggestion.type === "latent") {
    return state.latents.some(function (latent) { return latent.name === suggestion.name; });
  }
  return suggestion.edges.every(function (pair) {
    return state.added.some(function (added) {
      return added.source === pair[0] && added.target === pair[1] && sameOrigin(added.origin, item);
    });
  });
}

function applySuggestion(item) {
  var suggestion = item.suggestion;
  var applied = isApplied(item);
  var appliers = { decide: applyDecision, add: applyAddition, latent: applyLatent };
  var problem = appliers[suggestion.type](item, suggestion, applied);
  if (problem) {
    setStatus("status", problem, "error", untilNextChange());
    return;
  }
  save();
  refresh();
}

function applyDecision(item, suggestion, applied) {
  if (applied) {
    delete state.decisions[suggestion.edge];
    delete state.origins[suggestion.edge];
  } else {
    state.decisions[suggestion.edge] = suggestion.action;
    state.origins[suggestion.edge] = originOf(item);
  }
  return "";
}

function withoutAdditions(pairs) {
  state.added = state.added.filter(function (added) {
    return !pairs.some(function (pair) { return added.source === pair[0] && added.target === pair[1]; });
  });
}

function applyAddition(item, suggestion, applied) {
  if (applied) { withoutAdditions(suggestion.edges); return ""; }
  for (var at = 0; at < suggestion.edges.length; at += 1) {
    var pair = suggestion.edges[at];
    var problem = additionProblem(pair[0], pair[1]);
    if (problem) { return "Cannot apply the suggestion: " + problem; }
  }
  suggestion.edges.forEach(function (pair) {
    state.added.push({ source: pair[0], target: pair[1], comment: "", origin: originOf(item) });
  });
  return "";
}

function applyLatent(item, suggestion, applied) {
  if (applied) {
    state.latents = state.latents.filter(function (latent) { return latent.name !== suggestion.name; });
    state.added = state.added.filter(function (added) { return added.source !== suggestion.name; });
    return "";
  }
  state.latents.push({ name: suggestion.name, description: suggestion.description, origin: originOf(item) });
  suggestion.edges.forEach(function (pair) {
    state.added.push({ source: pair[0], target: pair[1], comment: "", origin: originOf(item) });
  });
  return "";
}

function refreshFindings() {
  findingViews.forEach(function (view) {
    var applied = isApplied(view.item);
    view.buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", applied ? "true" : "false");
      button.textContent = applied ? "Applied ✓ (click to undo)" : view.item.suggestion.label;
    });
    view.notes.forEach(function (note) {
      note.textContent = applied ? "Recorded as a review decision from this finding." : "";
    });
  });
  pairRows.forEach(function (row, index) {
    var pair = findingsData().pairs[index];
    var added = state.added.filter(function (item) {
      return (item.source === pair[0] && item.target === pair[1]) || (item.source === pair[1] && item.target === pair[0]);
    });
    row.querySelector("td.pair-state").textContent = added.length ? "added " + added[0].source + " → " + added[0].target : "";
    row.setAttribute("data-state", added.length ? "added" : "none");
  });
}
