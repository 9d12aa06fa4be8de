// Drawing helpers of the glassnet playground: decode the server's byte maps and paint them.
"use strict";
const Draw = (() => {
  const NEG = [245, 147, 34], POS = [8, 119, 189], WHITE = [255, 255, 255];
  const CLASS_COLOURS = [[245, 147, 34], [8, 119, 189], [76, 175, 80], [171, 71, 188], [229, 57, 53]];

  function bytes(b64) {
    const text = atob(b64), out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  function mix(a, b, t) { return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t)); }
  // A signed value in [-1, 1]: orange below zero, blue above, white at zero.
  function diverging(t) { return t < 0 ? mix(WHITE, NEG, -t) : mix(WHITE, POS, t); }

  // The colour of each pixel of the output map (classification: class colours; regression: diverging).
  function outputColours(output, task) {
    const maps = output.maps.map(bytes), n = maps[0].length, colours = new Array(n);
    for (let i = 0; i < n; i++) {
      if (task === "regression") {
        colours[i] = diverging(maps[0][i] / 127.5 - 1);
      } else if (maps.length === 1) {
        colours[i] = diverging(2 * maps[0][i] / 255 - 1);
      } else {
        let best = 0;
        for (let k = 1; k < maps.length; k++) if (maps[k][i] > maps[best][i]) best = k;
        const confidence = (maps[best][i] / 255 - 1 / maps.length) / (1 - 1 / maps.length);
        colours[i] = mix(WHITE, CLASS_COLOURS[best % CLASS_COLOURS.length], Math.max(0, confidence) * 0.8);
      }
    }
    return colours;
  }

  function paintGrid(ctx, colours, size, width, height) {
    const image = ctx.createImageData(size, size);
    colours.forEach((c, i) => { image.data.set([c[0], c[1], c[2], 255], 4 * i); });
    const off = document.createElement("canvas");
    off.width = off.height = size;
    off.getContext("2d").putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, width, height);
  }

  function pointColour(y, task, nClasses, yRange) {
    if (task === "regression") return diverging(2 * (y - yRange[0]) / ((yRange[1] - yRange[0]) || 1) - 1);
    if (nClasses === 2) return y === 1 ? POS : NEG;
    return CLASS_COLOURS[y % CLASS_COLOURS.length];
  }

  // The output map (2-D) or curve (1-D) and the data points on the boundary canvas.
  function boundary(canvas, frame, points, showTest) {
    const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height, bound = frame.bound;
    const px = (x) => (x + bound) / (2 * bound) * w, py = (y) => h - (y + bound) / (2 * bound) * h;
    ctx.clearRect(0, 0, w, h);
    const yRange = points ? [Math.min(...points.y), Math.max(...points.y)] : [0, 1];
    if (frame.n_inputs === 2) {
      paintGrid(ctx, outputColours(frame.output, frame.task), frame.output.size, w, h);
    } else {
      const values = bytes(frame.output.maps[0]), lo = frame.output.low, hi = frame.output.high;
      const vy = (v) => h - ((v - lo) / ((hi - lo) || 1) * 0.8 + 0.1) * h;
      ctx.strokeStyle = "#0877bd"; ctx.lineWidth = 2; ctx.beginPath();
      values.forEach((v, i) => {
        const x = i / (values.length - 1) * w, y = vy(lo + v / 255 * (hi - lo));
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
      if (points) points.yPixel = vy;
    }
    if (!points) return;
    points.X.forEach((x, i) => {
      const test = points.test[i] === 1;
      if (test && !showTest) return;
      const cx = px(x[0]);
      const cy = frame.n_inputs === 2 ? py(x[1]) : points.yPixel(points.y[i]);
      const c = pointColour(points.y[i], points.task, points.n_classes, yRange);
      ctx.beginPath(); ctx.arc(cx, cy, i === points.selected ? 5 : 2.6, 0, 2 * Math.PI);
      ctx.fillStyle = test ? "#fff" : `rgb(${c})`; ctx.fill();
      ctx.strokeStyle = test ? `rgb(${c})` : "#fff"; ctx.lineWidth = i === points.selected ? 2 : 1; ctx.stroke();
    });
  }

  // A neuron's own output as a small image (2-D map or 1-D curve), as a data URL.
  const scratch = document.createElement("canvas");
  function neuronImage(map, size, nInputs) {
    const values = bytes(map);
    scratch.width = scratch.height = nInputs === 2 ? size : 40;
    const ctx = scratch.getContext("2d");
    if (nInputs === 2) {
      const image = ctx.createImageData(size, size);
      values.forEach((v, i) => { const c = diverging(v / 127.5 - 1); image.data.set([c[0], c[1], c[2], 255], 4 * i); });
      ctx.putImageData(image, 0, 0);
    } else {
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, 40, 40);
      ctx.strokeStyle = "#0877bd"; ctx.beginPath();
      values.forEach((v, i) => {
        const x = i / (values.length - 1) * 40, y = 40 - v / 255 * 40;
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
    }
    return scratch.toDataURL();
  }

  // Train (dark) and test (orange) loss against the epoch.
  function losses(canvas, history) {
    const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    if (history.length < 2) return;
    const last = history[history.length - 1][0] || 1;
    const top = Math.max(...history.map((p) => Math.max(p[1], p[2]))) || 1;
    [[1, "#333"], [2, "#f59322"]].forEach(([k, colour]) => {
      ctx.strokeStyle = colour; ctx.lineWidth = 1.5; ctx.beginPath();
      history.forEach((p, i) => {
        const x = p[0] / last * (w - 4) + 2, y = h - 2 - p[k] / top * (h - 4);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
    });
  }

  return { bytes, boundary, neuronImage, losses, diverging };
})();
