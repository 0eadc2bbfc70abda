// The picture: zoom, pan and "fit whole graph"; highlighting a variable's edges; drawing added
// edges (routed around the boxes like graph/_routing.py does) and added latent variables.
var MIN_SCALE = 0.08;
var MAX_SCALE = 4;
var ZOOM_STEP = 1.25;
var view = { scale: 1, x: 0, y: 0, fitted: false, dragged: false };

function figure() { return byId("figure"); }
function picture() { return document.querySelector("#figure svg"); }

function figureSize() {
  var box = figure();
  return { width: Math.max(box.clientWidth, 1), height: Math.max(box.clientHeight, 1) };
}

function applyView() {
  var svg = picture();
  if (!svg) { return; }
  var size = figureSize();
  svg.setAttribute("viewBox", [view.x, view.y, size.width / view.scale, size.height / view.scale]
    .map(function (value) { return value.toFixed(2); }).join(" "));
  byId("zoom-level").textContent = Math.round(view.scale * 100) + "%";
  byId("fit-button").setAttribute("aria-pressed", view.fitted ? "true" : "false");
}

// The largest scale (at most 100%) that shows the whole drawing, centred.
function fitView() {
  var bounds = data.bounds;
  var size = figureSize();
  view.scale = Math.min(size.width / bounds.width, size.height / bounds.height, 1);
  view.x = bounds.x - (size.width / view.scale - bounds.width) / 2;
  view.y = bounds.y - (size.height / view.scale - bounds.height) / 2;
  view.fitted = true;
  applyView();
}

function zoomAt(factor, atX, atY) {
  var size = figureSize();
  var x = atX === undefined ? size.width / 2 : atX;
  var y = atY === undefined ? size.height / 2 : atY;
  var pointX = view.x + x / view.scale;
  var pointY = view.y + y / view.scale;
  view.scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, view.scale * factor));
  view.x = pointX - x / view.scale;
  view.y = pointY - y / view.scale;
  view.fitted = false;
  applyView();
}

function actualSize() {
  var size = figureSize();
  var centreX = view.x + size.width / (2 * view.scale);
  var centreY = view.y + size.height / (2 * view.scale);
  view.scale = 1;
  view.x = Math.max(data.bounds.x, centreX - size.width / 2);
  view.y = Math.max(data.bounds.y, centreY - size.height / 2);
  view.fitted = false;
  applyView();
}

function panBy(dx, dy) {
  view.x -= dx / view.scale;
  view.y -= dy / view.scale;
  view.fitted = false;
  applyView();
}

// The figure is as tall as the screen below its top allows (never taller than the drawing at
// 100%), so on a laptop the fitted graph is seen whole without scrolling.
function sizeFigure() {
  var box = figure();
  var top = box.getBoundingClientRect().top + window.scrollY;
  var room = window.innerHeight - Math.min(top, window.innerHeight * 0.45) - 16;
  var natural = data.bounds.height + 4;
  box.style.height = Math.round(Math.max(220, Math.min(room, natural))) + "px";
}

function setupView() {
  var svg = picture();
  if (!svg) { return; }
  svg.setAttribute("width", "100%");
  svg.setAttribute("height", "100%");
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  var background = svg.querySelector("rect.pla-background");
  if (background) { background.parentNode.removeChild(background); }
  sizeFigure();
  fitView();
  byId("fit-button").addEventListener("click", fitView);
  byId("zoom-in").addEventListener("click", function () { zoomAt(ZOOM_STEP); });
  byId("zoom-out").addEventListener("click", function () { zoomAt(1 / ZOOM_STEP); });
  byId("zoom-reset").addEventListener("click", actualSize);
  var box = figure();
  box.addEventListener("wheel", function (event) {
    if (!event.ctrlKey && !event.metaKey) { return; }  // plain wheel scrolls the page
    event.preventDefault();
    var rect = box.getBoundingClientRect();
    zoomAt(Math.exp(-event.deltaY * 0.002), event.clientX - rect.left, event.clientY - rect.top);
  }, { passive: false });
  var drag = null;
  box.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) { return; }
    drag = { x: event.clientX, y: event.clientY, id: event.pointerId, moving: false };
    view.dragged = false;
  });
  box.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.id) { return; }
    var dx = event.clientX - drag.x;
    var dy = event.clientY - drag.y;
    if (!drag.moving && Math.abs(dx) + Math.abs(dy) < 5) { return; }
    if (!drag.moving) { drag.moving = true; box.setPointerCapture(drag.id); box.classList.add("panning"); }
    drag.x = event.clientX;
    drag.y = event.clientY;
    panBy(dx, dy);
  });
  function endDrag() {
    if (drag && drag.moving) {
      view.dragged = true;  // the click that ends a drag selects nothing
      window.setTimeout(function () { view.dragged = false; }, 0);
    }
    box.classList.remove("panning");
    drag = null;
  }
  box.addEventListener("pointerup", endDrag);
  box.addEventListener("pointercancel", endDrag);
  box.addEventListener("keydown", function (event) {
    var keys = {
      "+": function () { zoomAt(ZOOM_STEP); }, "=": function () { zoomAt(ZOOM_STEP); },
      "-": function () { zoomAt(1 / ZOOM_STEP); }, "0": fitView, "1": actualSize,
      ArrowLeft: function () { panBy(60, 0); }, ArrowRight: function () { panBy(-60, 0); },
      ArrowUp: function () { panBy(0, 60); }, ArrowDown: function () { panBy(0, -60); }
    };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
  window.addEventListener("resize", function () {
    sizeFigure();
    if (view.fitted) { fitView(); } else { applyView(); }
  });
}

// ------------------------------------------------------------------ highlighting a variable
function setFocus(name) {
  var chip = byId("focus-chip");
  chip.hidden = !name;
  byId("focus-name").textContent = name || "";
  var svg = picture();
  if (!svg) { return; }
  svg.classList.toggle("pla-focusing", !!name);
  Array.prototype.forEach.call(svg.querySelectorAll("g.pla-edge"), function (group) {
    var edge = edges[Number(group.getAttribute("data-edge"))];
    group.classList.toggle("pla-focus", !!name && (edge.source === name || edge.target === name));
  });
  Array.prototype.forEach.call(svg.querySelectorAll("g.pla-added"), function (group) {
    var touches = group.getAttribute("data-source") === name || group.getAttribute("data-target") === name;
    group.classList.toggle("pla-focus", !!name && touches);
  });
  Array.prototype.forEach.call(svg.querySelectorAll("g.pla-node"), function (group) {
    var variable = variables[Number(group.getAttribute("data-node"))];
    group.classList.toggle("pla-focused", !!name && !!variable && variable.name === name);
  });  focusOpen(name);
}

// ------------------------------------------------------------------ routing (mirrors _routing.py)
function layerY(layer) {
  var shape = data.geometry;
  return shape.margin + layer * (shape.node_height + shape.layer_gap) + shape.node_height / 2;
}

function round1(value) { return Math.round(value * 10) / 10; }

function freeX(spans, desired, halfWidth) {
  var reach = data.geometry.clearance + halfWidth;
  var blocked = (spans || []).map(function (span) { return [span[0] - reach, span[1] + reach]; })
    .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
  var merged = [];
  blocked.forEach(function (span) {
    var last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) { last[1] = Math.max(last[1], span[1]); }
    else { merged.push([span[0], span[1]]); }
  });
  for (var at = 0; at < merged.length; at += 1) {
    var left = merged[at][0];
    var right = merged[at][1];
    if (left < desired && desired < right) { return desired - left <= right - desired ? left : right; }
  }
  return desired;
}

function boxOf(name) {
  var index = -1;
  variables.forEach(function (v, at) { if (v.name === name) { index = at; } });
  var node = document.querySelector('#figure g.pla-node[data-node="' + index + '"]');
  if (node) {
    return {
      x: Number(node.getAttribute("data-x")), y: Number(node.getAttribute("data-y")),
      width: Number(node.getAttribute("data-width")), height: Number(node.getAttribute("data-height")),
      layer: Number(node.getAttribute("data-layer"))
    };
  }
  var latent = latentSuggestion(name);
  return latent ? latent.box : null;
}

function routeExtraEdge(source, target) {
  var shape = data.geometry;
  var half = shape.node_height / 2;
  var start = boxOf(source);
  var end = boxOf(target);
  if (!start || !end) { return null; }
  var points;
  if (start.layer === end.layer) {
    var bottom = start.y + half;
    points = [[start.x, bottom], [(start.x + end.x) / 2, bottom + shape.layer_gap / 2], [end.x, bottom]];
  } else {
    var downward = start.layer < end.layer;
    var upper = downward ? start : end;
    var lower = downward ? end : start;
    var span = lower.layer - upper.layer;
    points = [[upper.x, upper.y + half]];
    for (var step = 1; step < span; step += 1) {
      var layer = upper.layer + step;
      var desired = upper.x + (lower.x - upper.x) * step / span;
      var x = freeX(shape.layers[String(layer)], desired, shape.route_half_width);
      points.push([x, layerY(layer) - half], [x, layerY(layer) + half]);
    }
    points.push([lower.x, lower.y - half]);
    if (!downward) { points.reverse(); }
  }
  return points.map(function (point) { return [round1(point[0]), round1(point[1])]; });
}

// ------------------------------------------------------------------ drawing (mirrors _layout.py)
function f1(value) { return value.toFixed(1); }

function pathData(points, shortenEnd) {
  var last = points[points.length - 1];
  var before = points[points.length - 2];
  var direction = last[1] >= before[1] ? 1 : -1;
  var trimmed = points.slice(0, -1).concat([[last[0], last[1] - direction * shortenEnd]]);
  var parts = ["M" + f1(trimmed[0][0]) + "," + f1(trimmed[0][1])];
  for (var at = 1; at < trimmed.length; at += 1) {
    var x0 = trimmed[at - 1][0], y0 = trimmed[at - 1][1], x1 = trimmed[at][0], y1 = trimmed[at][1];
    var middle = (y0 + y1) / 2;
    parts.push("C" + f1(x0) + "," + f1(middle) + " " + f1(x1) + "," + f1(middle) + " " + f1(x1) + "," + f1(y1));
  }
  return parts.join(" ");
}

function arrowPoints(tip, before) {
  var direction = tip[1] >= before[1] ? 1 : -1;
  var back = tip[1] - direction * 9;
  return f1(tip[0] - 4.5) + "," + f1(back) + " " + f1(tip[0] + 4.5) + "," + f1(back) + " " +
    f1(tip[0]) + "," + f1(tip[1]);
}

function svgNode(tag, attributes) {
  var node = document.createElementNS(picture().namespaceURI, tag);
  Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
  return node;
}

function drawLatents(svg) {
  var old = svg.querySelector("g.pla-extra-nodes");
  if (old) { old.parentNode.removeChild(old); }
  var layer = svgNode("g", { "class": "pla-extra-nodes" });
  state.latents.forEach(function (latent) {
    var suggestion = latentSuggestion(latent.name);
    if (!suggestion) { return; }
    var box = suggestion.box;
    var group = svgNode("g", { "class": "pla-node pla-latent pla-extra", "data-name": latent.name });
    var title = svgNode("title");
    title.textContent = latent.name + " (latent, added)" + (latent.description ? "\n" + latent.description : "");
    group.appendChild(title);
    group.appendChild(svgNode("rect", {
      x: f1(box.x - box.width / 2), y: f1(box.y - box.height / 2), width: f1(box.width),
      height: f1(box.height), rx: "7", ry: "7", fill: "#f5f3ff", stroke: "#7c3aed",
      "stroke-width": "1.4", "stroke-dasharray": "5 3"
    }));
    var text = svgNode("text", { x: f1(box.x), y: f1(box.y + 4), "text-anchor": "middle", fill: "#4c1d95", "font-style": "italic" });
    text.textContent = box.label;
    group.appendChild(text);
    layer.appendChild(group);
  });
  svg.appendChild(layer);
}

function drawAdded() {
  var svg = picture();
  if (!svg) { return; }
  var old = svg.querySelector("g.pla-added-layer");
  if (old) { old.parentNode.removeChild(old); }
  var layer = svgNode("g", { "class": "pla-added-layer" });
  state.added.forEach(function (item, index) {
    var points = routeExtraEdge(item.source, item.target);
    if (!points) { return; }
    var group = svgNode("g", {
      "class": "pla-added", "data-added": String(index), "data-source": item.source,
      "data-target": item.target, "data-points": JSON.stringify(points)
    });
    var title = svgNode("title");
    title.textContent = "added: " + item.source + " → " + item.target;
    group.appendChild(title);
    group.appendChild(svgNode("path", { "class": "pla-line", d: pathData(points, 8) }));
    group.appendChild(svgNode("path", { "class": "pla-hit", d: pathData(points, 0), fill: "none", stroke: "transparent", "stroke-width": "10" }));
    group.appendChild(svgNode("polygon", { points: arrowPoints(points[points.length - 1], points[points.length - 2]) }));
    group.addEventListener("click", function () {
      if (view.dragged) { return; }
      var row = document.querySelector('#added-rows tr[data-added="' + index + '"]');
      if (row) { reveal(row, "center"); flash(row); }
    });
    layer.appendChild(group);
  });
  svg.insertBefore(layer, svg.querySelector("g.pla-nodes"));
  drawLatents(svg);
  var focus = byId("focus-name").textContent;
  if (focus) { setFocus(focus); }
}
