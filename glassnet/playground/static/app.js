// The glassnet playground page: the form, the connection to the server and what it draws.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const token = document.querySelector('meta[name="glassnet-token"]').content;
  const state = { options: null, session: null, points: null, frame: null, selected: null, playing: false,
                  shape: "", epochInspected: -1, sent: 0 };
  // Counters a test (or a curious user, in the console) can read.
  // settled: the server has applied the form's last change.
  const stats = window.glassnetPlayground = { frames: 0, firstFrameAt: 0, lastFrameAt: 0, messages: 0, settled: false };
  let socket = null, sendTimer = null;

  function status(text, error = false) { $("status").textContent = text; $("status").className = error ? "error" : ""; }
  function send(message) { if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message)); }
  function url(path) { return `sessions/${state.session}/${path}?token=${encodeURIComponent(token)}`; }
  function fmt(v) { return v === null || v === undefined ? "-" : Number(v).toPrecision(6); }
  function el(tag, attrs = {}, text) {
    const node = document.createElement(tag);
    Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ------------------------------------------------------------------ the form
  function fillSelect(select, entries) {
    select.replaceChildren(...entries.map(([value, label]) => el("option", { value }, label)));
  }
  function buildForm(options) {
    fillSelect($("dataset"), [...Object.entries(options.datasets).map(([k, d]) => [k, d.label]), ["csv", "Uploaded CSV"]]);
    $("dataset").querySelector('option[value="csv"]').disabled = true;
    fillSelect($("optimizer"), options.optimizers.map((o) => [o, o]));
    $("features").replaceChildren(el("legend", {}, "Features"), ...Object.entries(options.features).map(([k, label]) => {
      const box = el("input", { type: "checkbox", id: `feature-${k}`, value: k });
      const tag = el("label", { for: `feature-${k}` }, label);
      box.addEventListener("change", changed);
      const wrap = el("span", { class: "feature" }); wrap.append(box, tag); return wrap;
    }));
  }
  function layerControls(layers, activations) {
    const box = $("layers"), options = state.options.activations;
    box.replaceChildren(...layers.map((units, i) => {
      const wrap = el("div", { class: "layer" });
      const n = el("input", { type: "number", min: 1, max: state.options.max_units, value: units, id: `units-${i}` });
      const a = el("select", { id: `activation-${i}` });
      fillSelect(a, options.map((o) => [o, o])); a.value = activations[i];
      wrap.append(el("label", { for: n.id }, `Layer ${i + 1} neurons`), n, el("label", { for: a.id }, `Layer ${i + 1} activation`), a);
      n.addEventListener("change", changed); a.addEventListener("change", changed);
      return wrap;
    }));
  }
  function readSettings() {
    const count = Math.max(0, Math.min(state.options.max_layers, parseInt($("n_layers").value, 10) || 0));
    const layers = [], activations = [];
    for (let i = 0; i < count; i++) {
      layers.push(Math.max(1, Math.min(state.options.max_units, parseInt(($("units-" + i) || {}).value, 10) || 4)));
      activations.push(($("activation-" + i) || {}).value || "tanh");
    }
    const number = (id) => Number($(id).value);
    return {
      dataset: $("dataset").value, n_classes: number("n_classes"), noise: number("noise"),
      n_samples: number("n_samples"), train_ratio: number("train_ratio"), seed: number("seed"),
      features: [...document.querySelectorAll("#features input:checked")].map((b) => b.value),
      layers, activations, optimizer: $("optimizer").value, learning_rate: number("learning_rate"),
      batch_size: number("batch_size"), regularization: $("regularization").value,
      regularization_rate: number("regularization_rate"), dropout: number("dropout"),
    };
  }
  function showSettings(s) {
    ["dataset", "n_classes", "noise", "n_samples", "train_ratio", "seed", "optimizer", "batch_size",
     "regularization"].forEach((k) => { $(k).value = s[k]; });
    [["learning_rate", s.learning_rate], ["regularization_rate", s.regularization_rate], ["dropout", s.dropout]]
      .forEach(([id, v]) => {
        const select = $(id);
        if (![...select.options].some((o) => Number(o.value) === v)) select.append(el("option", {}, String(v)));
        select.value = [...select.options].find((o) => Number(o.value) === v).value;
      });
    document.querySelectorAll("#features input").forEach((b) => { b.checked = s.features.includes(b.value); });
    $("n_layers").value = s.layers.length;
    layerControls(s.layers, s.activations);
    $("noise-value").textContent = s.noise; $("ratio-value").textContent = `${Math.round(s.train_ratio * 100)}%`;
  }
  function changed(event) {
    if (event && event.target === $("dataset") && state.options.datasets[$("dataset").value]) {
      $("noise").value = state.options.datasets[$("dataset").value].noise;
    }
    if (event && event.target === $("n_layers")) {
      const s = readSettings(); layerControls(s.layers, s.activations);
    }
    $("noise-value").textContent = $("noise").value;
    $("ratio-value").textContent = `${Math.round(Number($("train_ratio").value) * 100)}%`;
    clearTimeout(sendTimer);
    stats.settled = false;
    sendTimer = setTimeout(() => { sendTimer = null; state.sent += 1; send({ type: "configure", settings: readSettings(), seq: state.sent }); }, 120);
  }

  // ------------------------------------------------------------------ the network drawing
  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) { const n = document.createElementNS(SVG, tag); Object.entries(attrs).forEach(([k, v]) => n.setAttribute(k, v)); return n; }
  function columns(frame) {
    return [frame.inputs.length, ...frame.neurons.map((layer) => layer.length)];
  }
  function buildNetwork(frame) {
    const box = $("network"), width = box.clientWidth || 480, height = box.clientHeight || 320, size = 30;
    const cols = columns(frame), names = state.points.settings.features;
    const x = (c) => 20 + c * (width - 40 - size) / Math.max(cols.length - 1, 1);
    const y = (r, n) => height / 2 + (r - (n - 1) / 2) * Math.min(size + 10, (height - 20) / n) - size / 2;
    box.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const edges = svg("g", {}), nodes = svg("g", {});
    for (let c = 1; c < cols.length; c++) {
      for (let i = 0; i < cols[c - 1]; i++) for (let j = 0; j < cols[c]; j++) {
        const ends = { x1: x(c - 1) + size, y1: y(i, cols[c - 1]) + size / 2, x2: x(c), y2: y(j, cols[c]) + size / 2 };
        const line = svg("line", { class: "edge", ...ends, "data-testid": `edge-${c}-${i}-${j}` });
        const hit = svg("line", { class: "edge-hit", ...ends, stroke: "transparent", "stroke-width": 9 });
        const pick = () => inspect({ kind: "edge", layer: c, source: i, unit: j });
        line.addEventListener("click", pick); hit.addEventListener("click", pick);
        line.append(svg("title", {})); edges.append(line, hit);
      }
    }
    cols.forEach((n, c) => {
      for (let r = 0; r < n; r++) {
        const g = svg("g", { class: "neuron", transform: `translate(${x(c)},${y(r, n)})` });
        const label = c === 0 ? `input ${names[r]}` : `layer ${c} neuron ${r + 1}`;
        g.append(svg("rect", { width: size, height: size, fill: "#fff", stroke: "#999" }),
                 svg("image", { width: size, height: size, preserveAspectRatio: "none" }));
        if (c === 0) { const t = svg("text", { x: -2, y: size + 10 }); t.textContent = state.options.features[names[r]] || names[r]; g.append(t); }
        if (c > 0) {
          Object.entries({ role: "button", tabindex: 0, "aria-label": label, "data-testid": `neuron-${c}-${r}` })
            .forEach(([k, v]) => g.setAttribute(k, v));
          const pick = () => inspect({ kind: "neuron", layer: c, unit: r });
          g.addEventListener("click", pick);
          g.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); pick(); } });
        }
        nodes.append(g);
      }
    });
    box.replaceChildren(edges, nodes);
  }
  function drawNetwork(frame) {
    const shape = JSON.stringify([columns(frame), state.points.settings.features]);
    if (shape !== state.shape) { buildNetwork(frame); state.shape = shape; }
    const groups = $("network").querySelectorAll("g.neuron");
    const maps = [frame.inputs, ...frame.neurons].flat();
    maps.forEach((m, k) => groups[k].querySelector("image").setAttribute("href",
      Draw.neuronImage(m.map, frame.neuron_size, frame.n_inputs)));
    const lines = $("network").querySelectorAll("line.edge");
    let k = 0;
    frame.weights.forEach((layer) => layer.W.forEach((row) => row.forEach((w) => {
      const line = lines[k++];
      line.setAttribute("stroke", w < 0 ? "#f59322" : "#0877bd");
      line.setAttribute("stroke-width", Math.min(8, 0.6 + Math.abs(w) * 1.5).toFixed(2));
      line.setAttribute("stroke-opacity", "0.75");
      line.firstChild.textContent = `W = ${fmt(w)}`;
    })));
    groups.forEach((g) => g.classList.toggle("selected", state.selected && state.selected.kind === "neuron"
      && g.dataset.testid === `neuron-${state.selected.layer}-${state.selected.unit}`));
  }

  // ------------------------------------------------------------------ the inspector
  function inspect(selected) {
    state.selected = selected || state.selected;
    if (!state.selected) return;
    const s = state.selected, point = Number($("point").value) || 0;
    send(s.kind === "neuron" ? { type: "neuron", layer: s.layer, unit: s.unit, point }
                             : { type: "edge", layer: s.layer, source: s.source, unit: s.unit });
    if (state.points) { state.points.selected = point; redraw(); }
  }
  function row(name, key, value) {
    const tr = el("tr"); tr.append(el("th", { scope: "row" }, name));
    tr.append(el("td", { "data-testid": `inspect-${key}`, "data-value": value === null ? "" : String(value) }, fmt(value)));
    return tr;
  }
  function showNeuron(v) {
    const box = $("inspect"), table = el("table");
    box.replaceChildren(el("h3", {}, `layer ${v.layer}, neuron ${v.unit + 1} (${v.activation}) at epoch ${state.frame ? state.frame.epoch : 0}`),
      el("p", { "data-testid": "inspect-point", "data-x": JSON.stringify(v.x), "data-target": String(v.target),
                "data-point": String(v.point) }, `point ${v.point}: x = (${v.x.map(fmt).join(", ")}), target ${v.target}`));
    [["z", "z"], ["a = g(z)", "a"], ["g'(z)", "g_prime"], ["dE/da", "dE_da"], ["delta = dE/dz", "delta"],
     ["b", "b"], ["dE/db", "db"], ["E (loss of this point)", "loss"]].forEach(([name, key]) => table.append(row(name, key, v[key])));
    const weights = el("table"); weights.append(el("caption", {}, "incoming weights"));
    v.W.forEach((w, i) => { weights.append(row(`W${i + 1} (a_prev ${fmt(v.a_prev[i])})`, `W-${i}`, w)); weights.append(row(`dE/dW${i + 1}`, `dW-${i}`, v.dW[i])); });
    const formulas = el("ul"); v.formulas.forEach((f) => formulas.append(el("li", {}, f)));
    box.append(table, weights, el("h4", {}, "the lectures' formulas"), formulas, el("pre", {}, v.equations));
  }
  function showEdge(v) {
    const table = el("table");
    table.append(row("weight W", "weight", v.weight), row(`dE/dW (${v.rows} training points)`, "gradient", v.gradient),
                 row("change in the last epoch", "last_update", v.last_update));
    $("inspect").replaceChildren(el("h3", {}, `weight from neuron ${v.source + 1} of layer ${v.layer - 1} to neuron ${v.unit + 1} of layer ${v.layer}`),
      table, el("p", {}, v.formula));
  }

  // ------------------------------------------------------------------ messages from the server
  function redraw() {
    if (state.frame) Draw.boundary($("boundary"), state.frame, state.points, $("show-test").checked);
  }
  function onFrame(frame) {
    stats.frames += 1; stats.lastFrameAt = performance.now(); if (!stats.firstFrameAt) stats.firstFrameAt = stats.lastFrameAt;
    state.frame = frame; state.playing = frame.playing;
    $("play").textContent = frame.playing ? "Pause" : "Play";
    $("epoch").textContent = frame.epoch;
    $("train-loss").textContent = `train loss ${frame.train_loss === null ? "-" : frame.train_loss.toFixed(3)}`;
    $("test-loss").textContent = `test loss ${frame.test_loss === null ? "-" : frame.test_loss.toFixed(3)}`;
    redraw(); Draw.losses($("losses"), frame.history); drawNetwork(frame);
    if (!frame.playing && state.selected && state.epochInspected !== frame.epoch) { state.epochInspected = frame.epoch; inspect(); }
  }
  const handlers = {
    hello: (m) => { state.session = m.session; state.options = m.options; buildForm(m.options); $("script").href = url("train.py"); status("connected"); },
    // The form shows the server's settings unless the user has changed it since (a newer configure is on its way).
    points: (m) => { state.points = { ...m, selected: Number($("point").value) || 0 }; state.shape = "";
                     if (!sendTimer && (m.seq === undefined || m.seq === state.sent)) { showSettings(m.settings); stats.settled = true; }
                     $("point").max = m.y.length - 1; redraw();
                     // the new network's frame may have come first, drawn with the old feature names
                     if (state.frame && state.frame.inputs.length === m.settings.features.length) drawNetwork(state.frame);
                     // 1-D data has no x2: its features are switched off
                     document.querySelectorAll("#features input").forEach((b) => { b.disabled = m.n_inputs === 1 && b.value.includes("x2"); }); },
    frame: onFrame,
    neuron: showNeuron,
    edge: showEdge,
    error: (m) => { status(m.message, true); if (m.playing === false) { state.playing = false; $("play").textContent = "Play"; } },
    refused: (m) => status(m.message, true),
  };
  function connect() {
    socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws?token=${encodeURIComponent(token)}`);
    socket.onmessage = (event) => { stats.messages += 1; const m = JSON.parse(event.data); (handlers[m.type] || (() => {}))(m); };
    socket.onclose = () => { if (!$("status").classList.contains("error")) status("disconnected from the server; reload the page", true); };
  }

  // ------------------------------------------------------------------ controls and keys
  function togglePlay() { send({ type: state.playing ? "pause" : "play" }); }
  function step() { send({ type: "step" }); }
  $("play").addEventListener("click", togglePlay);
  $("step").addEventListener("click", step);
  $("reset").addEventListener("click", () => send({ type: "reset" }));
  $("export").addEventListener("click", () => {
    const link = el("a", { href: url("model.safetensors"), download: "glassnet-playground.safetensors" });
    document.body.append(link); link.click(); link.remove();
  });
  ["dataset", "n_classes", "noise", "n_samples", "train_ratio", "seed", "optimizer", "learning_rate", "batch_size",
   "regularization", "regularization_rate", "dropout", "n_layers"].forEach((id) => $(id).addEventListener("change", changed));
  $("show-test").addEventListener("change", redraw);
  $("point").addEventListener("change", () => inspect());
  $("boundary").addEventListener("click", (e) => {
    if (!state.points || !state.frame) return;
    const r = e.target.getBoundingClientRect(), b = state.frame.bound;
    const px = ((e.clientX - r.left) / r.width * 2 - 1) * b, py = (1 - (e.clientY - r.top) / r.height * 2) * b;
    let best = 0, dist = Infinity;
    state.points.X.forEach((x, i) => {
      const d = (x[0] - px) ** 2 + (state.frame.n_inputs === 2 ? (x[1] - py) ** 2 : 0);
      if (d < dist) { dist = d; best = i; }
    });
    $("point").value = best; inspect();
  });
  $("csv").addEventListener("change", async () => {
    const file = $("csv").files[0];
    if (!file) return;
    if (file.size > state.options.max_upload) {
      $("csv-message").textContent = `${file.name} is ${Math.round(file.size / 1024)} kB; the playground takes CSV files of at most ${state.options.max_upload / 1024} kB`;
      return;
    }
    const response = await fetch(url("upload"), { method: "POST", body: file, headers: { "Content-Type": "text/csv" } });
    const body = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
    $("csv-message").textContent = response.ok ? `${body.rows} rows (${body.task})` : body.error;
    if (response.ok) $("dataset").querySelector('option[value="csv"]').disabled = false;
  });
  document.addEventListener("keydown", (e) => {
    const t = e.target, tag = t.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || tag === "BUTTON" || tag === "A" || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === " ") { e.preventDefault(); togglePlay(); }
    else if (e.key === "ArrowRight" || e.key === "ArrowLeft") { e.preventDefault(); step(); }
  });
  connect();
})();
