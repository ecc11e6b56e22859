// stylelab's live demo (demo.html): the committed nets, exported to ONNX, run with onnxruntime-web.
// Everything is loaded with <script src> (models and the WebAssembly module as gzip + base64 inside
// scripts), so the page works opened from disk (file://) as well as from any static server.
// A test drives it through window.stylelabDemo (run, outputBase64, idle).
(function () {
  "use strict";
  const config = window.stylelabDemoConfig;
  const $ = (id) => document.getElementById(id);
  const nets = Object.fromEntries(config.nets.map((n) => [n.key, n]));
  const models = {}; // key -> {meta, b64, bytes}
  const scripts = {}; // src -> promise
  const sessions = {}; // "key/backend" -> {session, backend, runs, createMs}
  const images = {content: [], style: []};
  let photo = null; // {canvas, width, height, sourceWidth, sourceHeight, label}
  let style = null;
  let runtimeReady = null;
  let pending = Promise.resolve();
  let running = null;
  let markReady;
  const ready = new Promise((resolve) => { markReady = resolve; });

  function setStatus(text, error) {
    const status = $("status");
    status.textContent = text;
    status.classList.toggle("error", !!error);
  }

  function loadScript(src) {
    if (!scripts[src]) {
      scripts[src] = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.onload = () => resolve();
        script.onerror = () => reject(new Error("could not load " + src + " (is the site folder complete?)"));
        document.head.appendChild(script);
      });
    }
    return scripts[src];
  }

  async function gunzipBase64(b64) {
    const binary = atob(b64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  // --- onnxruntime-web ----------------------------------------------------------------------------
  function runtime() {
    if (!runtimeReady) {
      runtimeReady = (async () => {
        if (!window.ort) throw new Error("onnxruntime-web did not load (demo/ort.webgpu.min.js)");
        await loadScript("demo/ort-runtime.js");
        const rt = window.stylelabRuntime;
        ort.env.wasm.wasmBinary = await gunzipBase64(rt.wasm);
        ort.env.wasm.wasmPaths = {mjs: URL.createObjectURL(new Blob([rt.glue], {type: "text/javascript"}))};
        // Threads need cross-origin isolation (COOP/COEP headers), which file:// and plain servers lack.
        ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
        ort.env.wasm.proxy = false;
        ort.env.logLevel = "error"; // not the warning that shape ops stay on the CPU under WebGPU
        rt.wasm = null;
        return rt.version;
      })();
    }
    return runtimeReady;
  }

  let webgpu = null;
  function hasWebGPU() {
    if (webgpu === null) {
      webgpu = (async () => {
        try { return !!(navigator.gpu && await navigator.gpu.requestAdapter()); } catch (e) { return false; }
      })();
    }
    return webgpu;
  }

  async function modelBytes(key) {
    if (!models[key]) await loadScript("demo/models/" + key + ".js");
    const model = models[key];
    if (!model) throw new Error("demo/models/" + key + ".js did not register the " + key + " net");
    if (!model.bytes) { model.bytes = await gunzipBase64(model.b64); model.b64 = null; }
    return model.bytes;
  }

  async function session(key, wanted) {
    const id = key + "/" + wanted;
    if (sessions[id]) return sessions[id];
    await runtime();
    const bytes = await modelBytes(key);
    const order = wanted === "auto" ? ((await hasWebGPU()) ? ["webgpu", "wasm"] : ["wasm"]) : [wanted];
    if (wanted === "webgpu" && !(await hasWebGPU())) throw new Error("this browser offers no WebGPU adapter: choose WASM");
    let last = null;
    for (const backend of order) {
      const t0 = performance.now();
      try {
        const s = await ort.InferenceSession.create(bytes, {executionProviders: [backend], graphOptimizationLevel: "all"});
        sessions[id] = {session: s, backend, runs: 0, createMs: performance.now() - t0};
        return sessions[id];
      } catch (e) { last = e; }
    }
    throw last;
  }

  // --- images ---------------------------------------------------------------------------------------
  function decode(src) {
    const img = new Image();
    img.src = src;
    return img.decode().then(() => img, () => { throw new Error("this file is not an image the browser can read"); });
  }

  // Scale so that the longer side is at most maxSide (the nets pad to their multiple and crop back inside).
  function fitted(img, label) {
    const w0 = img.naturalWidth, h0 = img.naturalHeight;
    const scale = Math.min(1, config.maxSide / Math.max(w0, h0));
    const w = Math.max(1, Math.round(w0 * scale)), h = Math.max(1, Math.round(h0 * scale));
    const canvas = document.createElement("canvas");
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext("2d", {willReadFrequently: true});
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(img, 0, 0, w, h);
    return {canvas, width: w, height: h, sourceWidth: w0, sourceHeight: h0, label};
  }

  function sizeText(image) {
    const scaled = image.sourceWidth !== image.width || image.sourceHeight !== image.height;
    return image.width + "×" + image.height + (scaled ? " (from " + image.sourceWidth + "×" + image.sourceHeight + ")" : "");
  }

  function show(canvas, source) {
    canvas.width = source.width; canvas.height = source.height;
    canvas.getContext("2d").drawImage(source.canvas, 0, 0);
  }

  const latest = {content: 0, style: 0}; // the last choice of each kind wins, whichever image decodes first
  function choose(kind, src, label, button) {
    const ticket = ++latest[kind];
    const load = decode(src).then((img) => {
      if (ticket !== latest[kind]) return;
      const image = fitted(img, label);
      if (kind === "content") {
        photo = image;
        show($("input-canvas"), image);
        $("input-info").textContent = "input: " + label + ", " + sizeText(image);
      } else {
        style = image;
      }
      for (const b of document.querySelectorAll("#" + kind + "-choices button")) b.classList.toggle("chosen", b === button);
      updateButton();
    }).catch((e) => setStatus(label + ": " + e.message, true));
    pending = pending.then(() => load);
    return load;
  }

  function fileChosen(kind, input) {
    const file = input.files && input.files[0];
    if (!file) return;
    const url = URL.createObjectURL(file);
    choose(kind, url, file.name, null).finally(() => URL.revokeObjectURL(url));
  }

  function addChoices(kind) {
    const holder = $(kind + "-choices");
    if (!holder) return;
    for (const image of images[kind]) {
      const button = document.createElement("button");
      button.type = "button";
      button.title = image.label;
      button.dataset.name = image.name;
      const thumb = document.createElement("img");
      thumb.src = image.url;
      thumb.alt = image.label;
      button.appendChild(thumb);
      button.addEventListener("click", () => choose(kind, image.url, image.label, button));
      holder.appendChild(button);
    }
    const first = holder.querySelector("button");
    if (first) first.click();
  }

  // --- controls -----------------------------------------------------------------------------------
  function chosenNet() { return document.querySelector("input[name=net]:checked").value; }
  // What a net takes, read from its exported inputs (content, style, alpha, weights, style_id): the page's
  // controls follow the inputs, not the net's name.
  function takes(key, role) { return Object.values(nets[key].roles).includes(role); }

  function mixWeights() {
    const raw = [...document.querySelectorAll("#mix-sliders input")].map((s) => Number(s.value));
    const total = raw.reduce((a, b) => a + b, 0);
    return total > 0 ? raw.map((w) => w / total) : null;
  }

  function buildSliders() {
    const mixing = Object.values(nets).find((net) => Object.values(net.roles).includes("weights"));
    if (!mixing) return;
    const holder = $("mix-sliders");
    mixing.styles.forEach((name, i) => {
      const row = document.createElement("label");
      row.className = "slider";
      const bundled = images.style.find((s) => s.name === name);
      const label = name.replace(/^style\//, "").replace(/_/g, " ");
      row.innerHTML = (bundled ? '<img alt="">' : "<span></span>") + "<span></span>" +
        '<input type="range" min="0" max="100" step="1"><output></output>';
      if (bundled) row.querySelector("img").src = bundled.url;
      row.querySelectorAll("span")[bundled ? 0 : 1].textContent = label;
      const slider = row.querySelector("input");
      slider.value = i === 0 ? 100 : 0;
      slider.dataset.style = name;
      slider.addEventListener("input", showWeights);
      holder.appendChild(row);
    });
    showWeights();
  }

  function showWeights() {
    const weights = mixWeights();
    document.querySelectorAll("#mix-sliders output").forEach((out, i) => {
      out.textContent = weights ? weights[i].toFixed(2) : "–";
    });
    updateButton();
  }

  function updateNet() {
    const key = chosenNet();
    for (const [role, id] of [["weights", "mix-controls"], ["style", "style-controls"]]) if ($(id)) $(id).hidden = !takes(key, role);
    updateButton();
  }

  function problem() {
    const key = chosenNet();
    const small = (image) => Math.min(image.width, image.height) < (nets[key].minSide || 1);
    if (!photo) return "choose a photo";
    if (small(photo)) return "the photo is smaller than " + nets[key].minSide + " px on a side: choose a larger one";
    if (takes(key, "style") && !style) return "choose a style image";
    if (takes(key, "style") && small(style)) return "the style image is smaller than " + nets[key].minSide + " px on a side";
    if (takes(key, "weights") && !mixWeights()) return "move at least one style slider above zero";
    return null;
  }

  function updateButton() {
    const why = problem();
    $("run").disabled = !!why || !!running;
    if (!running) setStatus(why ? why : "ready: press Stylise");
  }

  // --- tensors ------------------------------------------------------------------------------------
  function toTensor(image) {
    const {width: w, height: h} = image;
    const data = image.canvas.getContext("2d", {willReadFrequently: true}).getImageData(0, 0, w, h).data;
    const plane = w * h, f = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      f[i] = data[4 * i] / 255;
      f[plane + i] = data[4 * i + 1] / 255;
      f[2 * plane + i] = data[4 * i + 2] / 255;
    }
    return new ort.Tensor("float32", f, [1, 3, h, w]);
  }

  function drawTensor(tensor, canvas) {
    const [, , h, w] = tensor.dims;
    const f = tensor.data, plane = w * h;
    const out = new ImageData(w, h);
    const to8 = (x) => Math.round(Math.min(1, Math.max(0, x)) * 255);
    for (let i = 0; i < plane; i++) {
      out.data[4 * i] = to8(f[i]);
      out.data[4 * i + 1] = to8(f[plane + i]);
      out.data[4 * i + 2] = to8(f[2 * plane + i]);
      out.data[4 * i + 3] = 255;
    }
    canvas.width = w; canvas.height = h;
    canvas.getContext("2d", {willReadFrequently: true}).putImageData(out, 0, 0);
  }

  function shapeOf(spec, fallback) {
    return spec.shape.map((d, i) => (typeof d === "number" && d > 0 ? d : fallback[i]));
  }

  function feeds(meta) {
    const out = {};
    for (const spec of meta.inputs) {
      const role = meta.roles[spec.name];
      if (role === "content") out[spec.name] = toTensor(photo);
      else if (role === "style") out[spec.name] = toTensor(style);
      else if (role === "alpha") out[spec.name] = new ort.Tensor("float32", Float32Array.of(Number($("alpha").value)), shapeOf(spec, [1]));
      else if (role === "weights") out[spec.name] = new ort.Tensor("float32", Float32Array.from(mixWeights()), [1, meta.styles.length]);
      else if (role === "style_id") {
        const weights = mixWeights();
        const id = weights.indexOf(Math.max(...weights));
        out[spec.name] = new ort.Tensor(spec.type, spec.type === "int64" ? BigInt64Array.of(BigInt(id)) : Int32Array.of(id), shapeOf(spec, [1]));
      } else throw new Error("no value for the net's input " + spec.name);
    }
    return out;
  }

  // --- running ------------------------------------------------------------------------------------
  async function run() {
    await pending;
    const why = problem();
    if (why) throw new Error(why);
    const key = chosenNet(), wanted = $("backend").value, meta = nets[key];
    running = true;
    $("run").disabled = true;
    try {
      setStatus("loading the " + key + " net and onnxruntime-web…");
      const s = await session(key, wanted);
      const input = feeds(meta);
      setStatus("running " + key + " on " + photo.width + "×" + photo.height + " (" + s.backend + ")…");
      await new Promise((r) => setTimeout(r, 0)); // let the status paint
      const t0 = performance.now();
      const results = await s.session.run(input);
      const ms = performance.now() - t0;
      const output = results[s.session.outputNames[0]];
      drawTensor(output, $("output-canvas"));
      const result = {net: key, backend: s.backend, threads: s.backend === "wasm" ? ort.env.wasm.numThreads : null,
        width: photo.width, height: photo.height, sourceWidth: photo.sourceWidth, sourceHeight: photo.sourceHeight,
        ms: Math.round(ms), first: s.runs === 0, loadMs: Math.round(s.createMs), photo: photo.label,
        style: takes(key, "style") ? style.label : null, alpha: takes(key, "alpha") ? Number($("alpha").value) : null,
        weights: takes(key, "weights") ? mixWeights() : null};
      s.runs += 1;
      const what = takes(key, "style") ? " × " + style.label + (takes(key, "alpha") ? ", α = " + result.alpha.toFixed(2) : "")
        : takes(key, "weights") ? " × " + meta.styles.map((n, i) => result.weights[i] > 0 ? n.replace(/^style\//, "") + " " + result.weights[i].toFixed(2) : "").filter(Boolean).join(" + ")
        : "";
      const threads = result.threads ? ", " + result.threads + " thread" + (result.threads > 1 ? "s" : "") : "";
      $("output-info").textContent = "result: " + key + what + " · " + result.width + "×" + result.height + " · " +
        result.backend + threads + " · " + result.ms + " ms per image" + (result.first ? " (first run)" : "");
      const row = document.createElement("tr");
      for (const cell of [key + what, sizeText(photo), result.backend + threads,
                          result.ms + " ms" + (result.first ? " (first run; session created in " + result.loadMs + " ms)" : "")]) {
        const td = document.createElement("td"); td.textContent = cell; row.appendChild(td);
      }
      $("runs").querySelector("tbody").prepend(row);
      document.body.dataset.lastRun = JSON.stringify(result);
      running = null;
      setStatus("done: " + result.ms + " ms per image on " + result.backend + threads);
      return result;
    } catch (e) {
      running = null;
      setStatus("error: " + (e && e.message ? e.message : e), true);
      throw e;
    } finally {
      running = null;
      $("run").disabled = !!problem();
    }
  }

  function outputBase64() {
    const canvas = $("output-canvas");
    const data = canvas.getContext("2d", {willReadFrequently: true}).getImageData(0, 0, canvas.width, canvas.height).data;
    let binary = "";
    for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
    return {width: canvas.width, height: canvas.height, rgba: btoa(binary)};
  }

  window.stylelabDemo = {
    registerModel(meta, b64) { models[meta.key] = {meta, b64, bytes: null}; },
    registerImages(bundle) {
      images.content = bundle.content || [];
      images.style = bundle.style || [];
      addChoices("content");
      addChoices("style");
      buildSliders();
      pending.then(() => { updateNet(); markReady(); });
    },
    run,
    outputBase64,
    idle: () => pending.then(() => true),
    ready,
    runtime,
  };

  document.addEventListener("DOMContentLoaded", () => {
    for (const radio of document.querySelectorAll("input[name=net]")) radio.addEventListener("change", updateNet);
    $("photo-file").addEventListener("change", (e) => fileChosen("content", e.target));
    if ($("style-file")) $("style-file").addEventListener("change", (e) => fileChosen("style", e.target));
    if ($("alpha")) $("alpha").addEventListener("input", () => { $("alpha-value").textContent = Number($("alpha").value).toFixed(2); });
    $("run").addEventListener("click", () => run().catch(() => {}));
    if (!window.ort) setStatus("onnxruntime-web did not load (demo/ort.webgpu.min.js is missing)", true);
  });
})();
