// @ts-nocheck -- runs in the browser, where tfjs is the global `tf` of /vendor/tf.min.js.
/**
 * The live page of `fer serve`: BlazeFace finds faces in each frame of the webcam (or of a video or
 * photo dropped on the page), the expression model classifies each face as `fer predict` does
 * (square crop with the same margin, 48×48 grey, the model's own resize and normalisation, flip
 * TTA when its recipe used it), faces keep their ids across frames, and a chart shows each face's
 * emotions over the last seconds. Everything runs here, in tfjs; the server only hands out files.
 */
import {
  BLAZEFACE_OUTPUTS,
  blazeFaceAnchors,
  decodeBoxes,
} from "../../predict/portable/blazeface.js";
import { faceCropBox } from "../../predict/portable/face_crop.js";
import { argMax, FaceTracker } from "../../predict/portable/tracking.js";

const tf = globalThis.tf;
const params = new URLSearchParams(location.search);
/** Seconds of history the chart shows. */
const CHART_SECONDS = 10;
/** Seconds over which each face's probabilities are smoothed (?smooth=0 turns it off). */
const SMOOTH_SECONDS = Number(params.get("smooth") ?? 0.3);
const SCORE_THRESHOLD = 0.5;
const IOU_THRESHOLD = 0.3;
/** One colour per class index (Okabe–Ito), as the annotated images of `fer predict` use. */
const PALETTE = [
  "#d55e00",
  "#009e73",
  "#56b4e9",
  "#e69f00",
  "#0072b2",
  "#cc79a7",
  "#f0e442",
  "#999999",
];

const $ = (id) => document.getElementById(id);
const view = $("view");
const viewContext = view.getContext("2d", { willReadFrequently: true });
const video = $("video");

const state = {
  /** "camera", "video" or "image". */
  kind: undefined,
  running: false,
  tracker: new FaceTracker({ smooth: SMOOTH_SECONDS }),
  /** Per face id: [{ time, probabilities }] over the last CHART_SECONDS. */
  history: new Map(),
  frameTimes: [],
  started: performance.now(),
  frames: 0,
};

function setStatus(text) {
  $("status").textContent = text;
}

function showError(error) {
  console.error(error);
  $("error").textContent = String(error?.message ?? error);
  document.body.dataset.error = "true";
}

/**
 * The software renderer (SwiftShader, llvmpipe) WebGL would run on, else undefined:
 * tfjs on a software GPU is many times slower than its wasm backend, so, as `--backend auto` never
 * picks a software WebGPU adapter, the page does not pick such WebGL.
 */
function softwareWebgl() {
  const gl = document.createElement("canvas").getContext("webgl2") ??
    document.createElement("canvas").getContext("webgl");
  if (!gl) return undefined;
  const debug = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = String(
    gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? "",
  );
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  return renderer.match(/swiftshader|llvmpipe|softpipe|software/i)?.[0];
}

/**
 * The first backend that starts: ?backend=NAME, else WebGL on a hardware GPU, then wasm (with
 * threads where the page is cross-origin isolated, as the server sets it up), then plain JS.
 * Returns its name and a note on what was skipped.
 */
async function chooseBackend() {
  tf.wasm?.setWasmPaths?.("/vendor/");
  const wanted = params.get("backend");
  let note = "";
  let order = ["webgl", "wasm", "cpu"];
  if (wanted) {
    order = [wanted];
  } else {
    const software = softwareWebgl();
    if (software) {
      order = ["wasm", "cpu"];
      note = ` (WebGL skipped: its renderer is ${software}, in software)`;
    }
  }
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { backend: name, note };
      }
    } catch (error) {
      console.warn(`backend ${name} failed:`, error);
    }
  }
  throw new Error(`no tfjs backend of ${order.join(", ")} starts in this browser`);
}

async function loadModels() {
  const { backend, note } = await chooseBackend();
  const [detector, model, info] = await Promise.all([
    tf.loadGraphModel("/detector/blazeface.json"),
    tf.loadLayersModel("/model/model.json").catch((error) => {
      throw new Error(`the expression model cannot run in the browser: ${error.message}`);
    }),
    fetch("/model/info.json").then((response) => response.json()),
  ]);
  const detectorSize = detector.inputs[0].shape?.[1] ?? 256;
  return {
    backend,
    backendNote: note,
    detector,
    detectorSize,
    anchors: blazeFaceAnchors(detectorSize),
    model,
    info,
  };
}

/**
 * Faces in the frame on `view` (its pixels), best first: boxes in frame pixels and scores. The
 * frame is letterboxed onto mid-grey as lib/predict/letterbox.ts does.
 */
async function detect(models, width, height) {
  const size = models.detectorSize;
  const square = detect.canvas ??= new OffscreenCanvas(size, size);
  const context = square.getContext("2d", { willReadFrequently: true });
  const fit = size / Math.max(width, height);
  const w = Math.max(1, Math.round(width * fit));
  const h = Math.max(1, Math.round(height * fit));
  const offsetX = Math.floor((size - w) / 2);
  const offsetY = Math.floor((size - h) / 2);
  context.fillStyle = "rgb(128,128,128)";
  context.fillRect(0, 0, size, size);
  context.imageSmoothingQuality = "high";
  context.drawImage(view, 0, 0, width, height, offsetX, offsetY, w, h);
  const [logits, regressions] = tf.tidy(() => {
    const input = tf.browser.fromPixels(square).toFloat().div(127.5).sub(1).expandDims(0);
    const [scores16, boxes16, scores32, boxes32] = models.detector.execute(
      input,
      BLAZEFACE_OUTPUTS,
    );
    return [
      tf.concat([scores16, scores32], 1).reshape([-1]),
      tf.concat([boxes16, boxes32], 1).reshape([-1, 16]),
    ];
  });
  const decoded = decodeBoxes(await logits.data(), await regressions.data(), models.anchors);
  tf.dispose([logits, regressions]);
  const boxes = decoded.boxes.map((box) => {
    const x = Math.max(0, (box.x - offsetX) / fit);
    const y = Math.max(0, (box.y - offsetY) / fit);
    return {
      x,
      y,
      width: Math.min(width, (box.x - offsetX + box.width) / fit) - x,
      height: Math.min(height, (box.y - offsetY + box.height) / fit) - y,
    };
  });
  const corners = tf.tensor2d(boxes.flatMap((b) => [b.y, b.x, b.y + b.height, b.x + b.width]), [
    boxes.length,
    4,
  ]);
  const scores = tf.tensor1d(decoded.scores);
  const kept = await tf.image.nonMaxSuppressionAsync(
    corners,
    scores,
    20,
    IOU_THRESHOLD,
    SCORE_THRESHOLD,
  );
  const indices = await kept.data();
  tf.dispose([corners, scores, kept]);
  return Array.from(indices, (i) => ({ box: boxes[i], score: decoded.scores[i] }))
    .filter(({ box }) => box.width >= 1 && box.height >= 1);
}

/**
 * Class probabilities of each face (rows in `faces` order): each square crop becomes a 48×48
 * grey face (as every dataset image is), then the model's centre crop, resize, channels and
 * normalisation, with flip TTA averaged in when the model's recipe used it.
 */
async function classify(models, faces, width, height) {
  if (faces.length === 0) return [];
  const { info, model } = models;
  const side = info.faceSize;
  const small = classify.canvas ??= new OffscreenCanvas(side, side);
  const context = small.getContext("2d", { willReadFrequently: true });
  context.imageSmoothingQuality = "high";
  const crops = faces.map((face) => {
    const crop = faceCropBox(face.box, width, height);
    context.drawImage(view, crop.x, crop.y, crop.width, crop.height, 0, 0, side, side);
    return tf.browser.fromPixels(small);
  });
  const probabilities = tf.tidy(() => {
    const rgb = tf.stack(crops).toFloat();
    const grey = rgb.mul(tf.tensor1d([0.299, 0.587, 0.114])).sum(-1, true).round();
    let x = grey;
    if (info.centerCrop) {
      const top = Math.floor((side - info.centerCrop.height) / 2);
      const left = Math.floor((side - info.centerCrop.width) / 2);
      x = x.slice([0, top, left, 0], [-1, info.centerCrop.height, info.centerCrop.width, 1]);
    }
    const [h, w, channels] = info.inputShape;
    if (x.shape[1] !== h || x.shape[2] !== w) x = tf.image.resizeBilinear(x, [h, w]);
    if (channels === 3) x = tf.tile(x, [1, 1, 1, 3]);
    const norm = info.normalization;
    x = x.div(255);
    if (norm.kind === "mean-std") x = x.sub(tf.tensor1d(norm.mean)).div(tf.tensor1d(norm.std));
    let p = model.predict(x);
    if (info.tta === "flip") p = p.add(model.predict(tf.reverse(x, 2))).div(2);
    return p;
  });
  const values = await probabilities.data();
  tf.dispose([probabilities, ...crops]);
  const k = info.classNames.length;
  return faces.map((_, i) => values.subarray(i * k, (i + 1) * k));
}

/** Boxes and "1: happy 0.87" labels over the frame. */
function drawFaces(tracked, classNames) {
  const thickness = Math.max(2, Math.round(Math.min(view.width, view.height) / 150));
  const fontSize = Math.max(12, Math.round(Math.min(view.width, view.height) / 30));
  viewContext.font = `bold ${fontSize}px "DejaVu Sans", sans-serif`;
  viewContext.textBaseline = "top";
  for (const face of tracked) {
    const best = argMax(face.probabilities);
    const colour = PALETTE[best % PALETTE.length];
    const label = `${face.id}: ${classNames[best]} ${face.probabilities[best].toFixed(2)}`;
    viewContext.strokeStyle = colour;
    viewContext.lineWidth = thickness;
    const { x, y, width, height } = face.box;
    viewContext.strokeRect(x, y, width, height);
    const pad = Math.max(2, Math.round(fontSize / 6));
    const tabWidth = viewContext.measureText(label).width + 2 * pad;
    const tabHeight = fontSize + 2 * pad;
    const tabY = y - tabHeight >= 0 ? y - tabHeight : y;
    viewContext.fillStyle = colour;
    viewContext.fillRect(x, tabY, tabWidth, tabHeight);
    viewContext.fillStyle = "white";
    viewContext.fillText(label, x + pad, tabY + pad);
  }
}

/** The list beside the picture: one line per face with its top emotion. */
function listFaces(tracked, classNames) {
  const list = $("faces");
  list.replaceChildren(
    ...[...tracked].sort((a, b) => a.id - b.id).map((face) => {
      const best = argMax(face.probabilities);
      const item = document.createElement("li");
      item.dataset.face = String(face.id);
      item.dataset.emotion = classNames[best];
      item.dataset.confidence = face.probabilities[best].toFixed(4);
      item.textContent = `face ${face.id}: ${classNames[best]} ${
        (100 * face.probabilities[best]).toFixed(0)
      } %`;
      item.style.borderLeftColor = PALETTE[best % PALETTE.length];
      return item;
    }),
  );
  if (tracked.length === 0) {
    const item = document.createElement("li");
    item.className = "none";
    item.textContent = "no face found";
    list.append(item);
  }
  document.body.dataset.faces = String(tracked.length);
}

/** Each face's emotions over the last CHART_SECONDS: one panel per face, one line per class. */
function drawChart(now, classNames) {
  const chart = $("chart");
  const context = chart.getContext("2d");
  const ids = [...state.history.keys()].slice(-3);
  const panel = 110;
  chart.height = Math.max(1, ids.length) * panel + 24;
  context.clearRect(0, 0, chart.width, chart.height);
  context.font = "11px sans-serif";
  const left = 54, right = chart.width - 8;
  const xOf = (time) => left + ((time - (now - CHART_SECONDS)) / CHART_SECONDS) * (right - left);
  ids.forEach((id, row) => {
    const top = row * panel + 8;
    const bottom = top + panel - 24;
    context.strokeStyle = "#ccc";
    context.strokeRect(left, top, right - left, bottom - top);
    context.fillStyle = "#333";
    context.fillText(`face ${id}`, 4, top + 10);
    context.fillText("1", left - 12, top + 4);
    context.fillText("0", left - 12, bottom);
    const points = state.history.get(id);
    classNames.forEach((_, c) => {
      context.strokeStyle = PALETTE[c % PALETTE.length];
      context.lineWidth = 1.5;
      context.beginPath();
      points.forEach((point, i) => {
        const x = xOf(point.time);
        const y = bottom - point.probabilities[c] * (bottom - top);
        if (i === 0) context.moveTo(x, y);
        else context.lineTo(x, y);
      });
      context.stroke();
    });
  });
  const legendY = chart.height - 10;
  let x = left;
  classNames.forEach((name, c) => {
    context.fillStyle = PALETTE[c % PALETTE.length];
    context.fillRect(x, legendY - 8, 10, 8);
    context.fillStyle = "#333";
    context.fillText(name, x + 13, legendY);
    x += context.measureText(name).width + 24;
  });
}

/** Processes what is on `view` now: detect, classify, track, draw. */
async function processFrame(models, time) {
  const { width, height } = view;
  const found = await detect(models, width, height);
  const probabilities = await classify(models, found, width, height);
  const tracked = state.tracker.update(
    time,
    found.map((face, i) => ({ box: face.box, probabilities: probabilities[i] })),
  );
  const classNames = models.info.classNames;
  for (const face of tracked) {
    if (!state.history.has(face.id)) state.history.set(face.id, []);
    state.history.get(face.id).push({ time, probabilities: face.probabilities });
  }
  for (const [id, points] of state.history) {
    while (points.length > 0 && points[0].time < time - CHART_SECONDS) points.shift();
    if (points.length === 0) state.history.delete(id);
  }
  drawFaces(tracked, classNames);
  listFaces(tracked, classNames);
  drawChart(time, classNames);
  state.frames++;
  state.frameTimes.push(performance.now());
  while (state.frameTimes.length > 30) state.frameTimes.shift();
  const span = (state.frameTimes.at(-1) - state.frameTimes[0]) / 1000;
  const fps = span > 0 ? (state.frameTimes.length - 1) / span : 0;
  document.body.dataset.frames = String(state.frames);
  document.body.dataset.fps = fps.toFixed(2);
  $("fps").textContent = `${fps.toFixed(1)} frames/s`;
}

/** Runs frames from the <video> (camera or file) until another source replaces it. */
async function runVideo(models) {
  const token = (state.token = Symbol());
  while (state.token === token) {
    if (video.readyState >= 2 && video.videoWidth > 0) {
      if (view.width !== video.videoWidth) view.width = video.videoWidth;
      if (view.height !== video.videoHeight) view.height = video.videoHeight;
      viewContext.drawImage(video, 0, 0);
      try {
        state.busy = processFrame(models, performance.now() / 1000);
        await state.busy;
      } catch (error) {
        showError(error);
        return;
      }
    }
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}

function resetTracking() {
  state.tracker = new FaceTracker({ smooth: SMOOTH_SECONDS });
  state.history.clear();
  state.frames = 0;
  state.frameTimes = [];
}

async function useCamera(models) {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error("this browser gives no camera to pages (open the page on localhost)");
  }
  const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
  await stopSource();
  resetTracking();
  video.srcObject = stream;
  video.loop = false;
  await video.play();
  state.kind = "camera";
  $("source").textContent = "webcam";
  runVideo(models);
}

/**
 * Stops the running source (camera, video or photo): its loop ends, its frame in flight finishes
 * before anything new is drawn, the camera is released and a video file's object URL freed.
 */
async function stopSource() {
  state.token = Symbol();
  await state.busy?.catch(() => {});
  video.pause();
  video.srcObject?.getTracks().forEach((track) => track.stop());
  video.srcObject = null;
  if (video.src.startsWith("blob:")) {
    URL.revokeObjectURL(video.src);
    video.removeAttribute("src");
    video.load();
  }
}

async function useFile(models, file) {
  await stopSource();
  resetTracking();
  $("source").textContent = file.name;
  if (file.type.startsWith("image/")) {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    view.width = bitmap.width;
    view.height = bitmap.height;
    viewContext.drawImage(bitmap, 0, 0);
    state.kind = "image";
    state.busy = processFrame(models, 0);
    await state.busy;
    return;
  }
  video.src = URL.createObjectURL(file);
  video.loop = true;
  await video.play();
  state.kind = "video";
  runVideo(models);
}

async function main() {
  setStatus("Loading the models…");
  const models = await loadModels();
  const { info } = models;
  setStatus(
    `Model: ${info.name} (${info.source}), ${info.classNames.length} classes, TTA ${info.tta} · ` +
      `detector: BlazeFace · tfjs ${tf.version.tfjs}, backend ${models.backend}` +
      (models.backend === "wasm" && globalThis.crossOriginIsolated ? " with threads" : "") +
      models.backendNote,
  );
  document.body.dataset.backend = models.backend;
  document.body.dataset.model = info.name;
  document.body.dataset.ready = "true";
  $("camera").addEventListener("click", () => useCamera(models).catch(showError));
  $("file").addEventListener("change", (event) => {
    const file = event.target.files?.[0];
    if (file) useFile(models, file).catch(showError);
  });
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer?.files?.[0];
    if (file) useFile(models, file).catch(showError);
  });
  if (params.get("camera") !== "off") {
    await useCamera(models).catch((error) =>
      showError(`No webcam: ${error.message}. Drop a video or photo on the page instead.`)
    );
  }
}

main().catch(showError);
