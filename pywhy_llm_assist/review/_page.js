(function () {
  "use strict";
  // Every piece of graph data reaches the page through textContent, value or createElement:
  // nothing from the data is ever parsed as HTML.
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var edges = data.edges;
  var variables = data.variables;
  var storageKey = "pywhy-llm-assist-review:" + data.fingerprint;
  var ACTIONS = [["accept", "Accept"], ["reject", "Reject"], ["reverse", "Reverse"]];
  var state = { reviewer: "", decisions: {}, comments: {}, added: [] };
  var rows = [];
  var comments = [];

  function byId(id) { return document.getElementById(id); }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      if (saved && typeof saved === "object") {
        state.reviewer = typeof saved.reviewer === "string" ? saved.reviewer : "";
        state.decisions = saved.decisions && typeof saved.decisions === "object" ? saved.decisions : {};
        state.comments = saved.comments && typeof saved.comments === "object" ? saved.comments : {};
        state.added = Array.isArray(saved.added) ? saved.added.filter(validAddition) : [];
      }
    } catch (error) { /* storage unavailable or corrupt: start afresh */ }
  }

  function save() {
    try { window.localStorage.setItem(storageKey, JSON.stringify(state)); } catch (error) { /* ignore */ }
  }

  function validAddition(item) {
    return item && typeof item.source === "string" && typeof item.target === "string" &&
      variables.some(function (v) { return v.name === item.source; }) &&
      variables.some(function (v) { return v.name === item.target; });
  }

  function setStatus(target, text, kind) {
    var box = byId(target);
    box.textContent = text;
    box.className = "status" + (target === "add-message" ? " inline" : "") + (kind ? " " + kind : "");
  }

  // ------------------------------------------------------------------ the edge table
  function buildTable() {
    var body = byId("edge-rows");
    edges.forEach(function (edge, index) {
      var row = element("tr");
      row.setAttribute("data-edge", String(index));
      row.appendChild(element("td", "number", index + 1));
      var pair = element("td", "pair");
      pair.appendChild(element("span", isLatent(edge.source) ? "latent-name" : "", edge.source));
      pair.appendChild(element("span", "to", "→"));
      pair.appendChild(element("span", isLatent(edge.target) ? "latent-name" : "", edge.target));
      row.appendChild(pair);
      var confidence = element("td", "confidence");
      var meter = element("span", "meter");
      var fill = element("span");
      fill.style.width = Math.round(Math.max(0, Math.min(1, Number(edge.confidence))) * 100) + "%";
      meter.appendChild(fill);
      confidence.appendChild(meter);
      confidence.appendChild(document.createTextNode(Number(edge.confidence).toFixed(2)));
      row.appendChild(confidence);
      row.appendChild(element("td", "votes", edge.votes + " / " + edge.asked));
      row.appendChild(element("td", "rationale", edge.rationale));
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

  function fitHeight(textarea) {
    textarea.style.height = "auto";
    textarea.style.height = Math.max(textarea.scrollHeight + 2, 34) + "px";
  }

  function isLatent(name) {
    return variables.some(function (v) { return v.name === name && v.latent; });
  }

  function decide(index, action) {
    if (state.decisions[index] === action) { delete state.decisions[index]; }
    else { state.decisions[index] = action; }
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

  // ------------------------------------------------------------------ refresh everything
  function refresh() {
    var reviewed = 0;
    var counts = { accept: 0, reject: 0, reverse: 0 };
    edges.forEach(function (edge, index) {
      var action = state.decisions[index] || "";
      if (action) { reviewed += 1; counts[action] += 1; }
      var row = rows[index];
      row.className = action ? "state-" + action : "";
      row.setAttribute("data-state", action || "unreviewed");
      Array.prototype.forEach.call(row.querySelectorAll("button[data-action]"), function (button) {
        button.setAttribute("aria-pressed", button.getAttribute("data-action") === action ? "true" : "false");
      });
      var group = edgeGroup(index);
      if (group) {
        ACTIONS.forEach(function (item) { group.classList.toggle("decision-" + item[0], item[0] === action); });
      }
    });
    var text = "Reviewed " + reviewed + " of " + edges.length + " edges · " +
      (edges.length - reviewed) + " unreviewed · " + counts.accept + " accepted · " +
      counts.reject + " rejected · " + counts.reverse + " reversed · " + state.added.length + " added";
    byId("progress").textContent = text;
    byId("progress").setAttribute("data-reviewed", String(reviewed));
    byId("progress-fill").style.width = (edges.length ? (100 * reviewed / edges.length) : 100) + "%";
    applyFilter();
    drawAdded();
    listAdded();
  }

  function applyFilter() {
    var query = byId("filter").value.trim().toLowerCase();
    var onlyUnreviewed = byId("only-unreviewed").checked;
    var exact = variables.some(function (v) { return v.name.toLowerCase() === query; });
    edges.forEach(function (edge, index) {
      var show = true;
      if (query) {
        if (exact) {
          show = edge.source.toLowerCase() === query || edge.target.toLowerCase() === query;
        } else {
          show = (edge.source + " " + edge.target + " " + edge.rationale).toLowerCase().indexOf(query) >= 0;
        }
      }
      if (onlyUnreviewed && state.decisions[index]) { show = false; }
      rows[index].hidden = !show;
    });
  }

  // ------------------------------------------------------------------ added edges
  function nodeBox(name) {
    var index = -1;
    variables.forEach(function (v, at) { if (v.name === name) { index = at; } });
    var node = document.querySelector('#figure g.pla-node[data-node="' + index + '"]');
    if (!node) { return null; }
    return {
      x: Number(node.getAttribute("data-x")), y: Number(node.getAttribute("data-y")),
      w: Number(node.getAttribute("data-width")), h: Number(node.getAttribute("data-height"))
    };
  }

  function borderPoint(box, towardX, towardY) {
    var dx = towardX - box.x;
    var dy = towardY - box.y;
    if (dx === 0 && dy === 0) { return { x: box.x, y: box.y }; }
    var scale = Math.min(
      dx === 0 ? Infinity : (box.w / 2) / Math.abs(dx),
      dy === 0 ? Infinity : (box.h / 2) / Math.abs(dy)
    );
    return { x: box.x + dx * scale, y: box.y + dy * scale };
  }

  function drawAdded() {
    var svg = document.querySelector("#figure svg");
    if (!svg) { return; }
    var namespace = svg.namespaceURI;
    var old = svg.querySelector("g.pla-added-layer");
    if (old) { old.parentNode.removeChild(old); }
    var layer = document.createElementNS(namespace, "g");
    layer.setAttribute("class", "pla-added-layer");
    state.added.forEach(function (item) {
      var from = nodeBox(item.source);
      var to = nodeBox(item.target);
      if (!from || !to) { return; }
      var start = borderPoint(from, to.x, to.y);
      var end = borderPoint(to, from.x, from.y);
      var length = Math.hypot(end.x - start.x, end.y - start.y) || 1;
      var ux = (end.x - start.x) / length;
      var uy = (end.y - start.y) / length;
      var group = document.createElementNS(namespace, "g");
      group.setAttribute("class", "pla-added");
      var title = document.createElementNS(namespace, "title");
      title.textContent = "added: " + item.source + " → " + item.target;
      group.appendChild(title);
      var path = document.createElementNS(namespace, "path");
      path.setAttribute("d", "M" + start.x.toFixed(1) + "," + start.y.toFixed(1) + " L" +
        (end.x - ux * 8).toFixed(1) + "," + (end.y - uy * 8).toFixed(1));
      group.appendChild(path);
      var arrow = document.createElementNS(namespace, "polygon");
      var backX = end.x - ux * 10;
      var backY = end.y - uy * 10;
      arrow.setAttribute("points", [
        (backX - uy * 5).toFixed(1) + "," + (backY + ux * 5).toFixed(1),
        (backX + uy * 5).toFixed(1) + "," + (backY - ux * 5).toFixed(1),
        end.x.toFixed(1) + "," + end.y.toFixed(1)
      ].join(" "));
      group.appendChild(arrow);
      layer.appendChild(group);
    });
    var nodes = svg.querySelector("g.pla-nodes");
    svg.insertBefore(layer, nodes);
  }

  function listAdded() {
    var body = byId("added-rows");
    while (body.firstChild) { body.removeChild(body.firstChild); }
    byId("added-table").hidden = state.added.length === 0;
    state.added.forEach(function (item, index) {
      var row = element("tr");
      row.setAttribute("data-added", String(index));
      var pair = element("td", "pair");
      pair.appendChild(element("span", "", item.source));
      pair.appendChild(element("span", "to", "→"));
      pair.appendChild(element("span", "", item.target));
      row.appendChild(pair);
      row.appendChild(element("td", "", item.comment || ""));
      var cell = element("td");
      var remove = element("button", "", "Remove");
      remove.type = "button";
      remove.addEventListener("click", function () {
        state.added.splice(index, 1);
        save();
        refresh();
      });
      cell.appendChild(remove);
      row.appendChild(cell);
      body.appendChild(row);
    });
  }

  function reviewedEdges(extra) {
    var pairs = [];
    edges.forEach(function (edge, index) {
      var action = state.decisions[index];
      if (action === "reject") { return; }
      pairs.push(action === "reverse" ? [edge.target, edge.source] : [edge.source, edge.target]);
    });
    state.added.forEach(function (item) { pairs.push([item.source, item.target]); });
    if (extra) { pairs.push(extra); }
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

  function buildAddForm() {
    ["add-source", "add-target"].forEach(function (id, which) {
      var select = byId(id);
      variables.forEach(function (variable, index) {
        var option = element("option", "", variable.name + (variable.latent ? " (latent)" : ""));
        option.value = String(index);
        select.appendChild(option);
      });
      if (which === 1 && variables.length > 1) { select.value = "1"; }
    });
    byId("add-button").addEventListener("click", function () {
      var source = variables[Number(byId("add-source").value)].name;
      var target = variables[Number(byId("add-target").value)].name;
      var comment = byId("add-comment").value.trim();
      if (source === target) { return setStatus("add-message", "Choose two different variables.", "error"); }
      var exists = edges.some(function (e) { return e.source === source && e.target === target; });
      var twice = state.added.some(function (e) { return e.source === source && e.target === target; });
      if (exists) { return setStatus("add-message", "That edge is already proposed: accept it in the table above.", "error"); }
      if (twice) { return setStatus("add-message", "That edge is already added.", "error"); }
      var cycle = findCycle(reviewedEdges([source, target]));
      if (cycle) { return setStatus("add-message", "Adding it would create a cycle: " + cycle.join(" → "), "error"); }
      state.added.push({ source: source, target: target, comment: comment });
      byId("add-comment").value = "";
      setStatus("add-message", "Added " + source + " → " + target + ".", "ok");
      save();
      refresh();
    });
  }

  // ------------------------------------------------------------------ export
  function exportDecisions() {
    var reviewer = byId("reviewer").value.trim();
    if (!reviewer) {
      byId("reviewer").focus();
      return setStatus("status", "Type your name in the Reviewer box before exporting.", "error");
    }
    var cycle = findCycle(reviewedEdges(null));
    if (cycle) {
      return setStatus("status", "These decisions leave a cycle: " + cycle.join(" → ") +
        ". Reject or reverse one of its edges, then export again.", "error");
    }
    var decisions = [];
    var orphanComments = 0;
    edges.forEach(function (edge, index) {
      var action = state.decisions[index];
      var comment = (state.comments[index] || "").trim();
      if (action) {
        decisions.push({ source: edge.source, target: edge.target, action: action, comment: comment });
      } else if (comment) {
        orphanComments += 1;
      }
    });
    state.added.forEach(function (item) {
      decisions.push({ source: item.source, target: item.target, action: "add", comment: item.comment || "" });
    });
    var payload = {
      reviewer: reviewer,
      timestamp: new Date().toISOString(),
      graph_fingerprint: data.fingerprint,
      decisions: decisions,
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
    setStatus("status", message, "ok");
  }

  // ------------------------------------------------------------------ wiring
  function wire() {
    var reviewer = byId("reviewer");
    reviewer.value = state.reviewer;
    reviewer.addEventListener("input", function () { state.reviewer = reviewer.value; save(); });
    byId("export-button").addEventListener("click", exportDecisions);
    byId("fit-button").addEventListener("click", function () {
      var fit = byId("figure").classList.toggle("fit");
      byId("fit-button").setAttribute("aria-pressed", fit ? "true" : "false");
      byId("fit-button").textContent = fit ? "Actual size" : "Fit to width";
    });
    byId("filter").addEventListener("input", applyFilter);
    byId("only-unreviewed").addEventListener("change", applyFilter);
    byId("accept-rest").addEventListener("click", function () {
      edges.forEach(function (edge, index) {
        if (!state.decisions[index] && !rows[index].hidden) { state.decisions[index] = "accept"; }
      });
      save();
      refresh();
    });
    Array.prototype.forEach.call(document.querySelectorAll("#figure g.pla-edge"), function (group) {
      group.addEventListener("click", function () {
        var row = rows[Number(group.getAttribute("data-edge"))];
        if (!row) { return; }
        row.hidden = false;
        row.scrollIntoView({ block: "center", behavior: "smooth" });
        row.classList.remove("flash");
        void row.offsetWidth;
        row.classList.add("flash");
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("#figure g.pla-node"), function (group) {
      group.addEventListener("click", function () {
        var variable = variables[Number(group.getAttribute("data-node"))];
        if (!variable) { return; }
        byId("filter").value = variable.name;
        applyFilter();
        byId("edges-section").scrollIntoView({ behavior: "smooth" });
      });
    });
  }

  load();
  buildTable();
  buildAddForm();
  wire();
  refresh();
  comments.forEach(function (comment) { if (comment.value) { fitHeight(comment); } });
  document.documentElement.setAttribute("data-ready", "true");
}());
