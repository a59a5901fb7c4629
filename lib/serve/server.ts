/**
 * `fer serve`: a local web page that finds faces and their expressions in the browser, with
 * tfjs on the webcam, a dropped video or a photo. The server only reads: it answers a fixed table
 * of paths (the page's own files, the code shared with lib/predict, the tfjs browser bundles, the
 * BlazeFace weights and the expression model's files) and anything else, `..` included, is a 404.
 */
import { dirname, isAbsolute, join, relative } from "node:path";
import { FerError } from "../errors.ts";
import { readJsonFile } from "../models/file_io.ts";
import { BLAZEFACE_PACKAGE_PATH, findUpwards, loadExpressionModel } from "../predict/mod.ts";

/** Where the tfjs browser bundles live in node_modules. */
export const TFJS_BUNDLE_PATH = "node_modules/@tensorflow/tfjs/dist/tf.min.js";
export const TFJS_WASM_DIR = "node_modules/@tensorflow/tfjs-backend-wasm/dist";
const WASM_FILES = [
  "tf-backend-wasm.min.js",
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm-threaded-simd.wasm",
];

/** What the page learns about the model from /model/info.json. */
export interface PageModelInfo {
  readonly name: string;
  /** The model folder as given (shown on the page). */
  readonly source: string;
  readonly classNames: readonly string[];
  readonly inputShape: readonly [number, number, number];
  readonly normalization: unknown;
  /** The centre crop evaluation takes of the 48×48 face, when the model trained on crops. */
  readonly centerCrop: { readonly height: number; readonly width: number } | null;
  /** "flip" or "none": ten-crop is not run in the browser (flip is used instead). */
  readonly tta: "flip" | "none";
  /** Side of the grey face every dataset image is, before the model's own resize. */
  readonly faceSize: number;
}

/** One path the server answers: a file to read, or bytes made at start-up. */
type Route = { readonly file: string; readonly type: string } | {
  readonly body: string;
  readonly type: string;
};

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".bin": "application/octet-stream",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
};

function typeOf(path: string): string {
  return TYPES[path.slice(path.lastIndexOf("."))] ?? "application/octet-stream";
}

function fileRoute(file: string): Route {
  return { file, type: typeOf(file) };
}

/** `path` relative to the working directory when it lies inside it, else as it is. */
function shownPath(path: string): string {
  const inside = relative(Deno.cwd(), path);
  return inside.startsWith("..") || isAbsolute(inside) ? path : inside;
}

/**
 * A file of the checkout (node_modules or the page), found upwards from this module and the
 * working directory as the detector's weights are; FerError if missing.
 */
function checkoutFile(relative: string): string {
  const found = findUpwards(relative);
  if (found === undefined) throw new FerError(`${relative} was not found: run 'npm install'`);
  return found;
}

/**
 * Every path the page may ask for, mapped to what answers it. The expression model is loaded once
 * to learn its classes and input layout (as `fer predict` would use them), then freed.
 */
export async function pageRoutes(model: string): Promise<Map<string, Route>> {
  const expression = await loadExpressionModel(model);
  const modelJson = expression.source.endsWith(".json")
    ? expression.source
    : join(expression.source, "model.json");
  const crop = expression.layout.crop;
  const info: PageModelInfo = {
    name: expression.name,
    source: shownPath(expression.source),
    classNames: expression.classNames,
    inputShape: expression.layout.inputShape,
    normalization: expression.layout.normalization,
    centerCrop: crop && crop.type !== "random-resized"
      ? { height: crop.height, width: crop.width }
      : null,
    tta: expression.defaultTta === "none" ? "none" : "flip",
    faceSize: 48,
  };
  expression.dispose();

  const routes = new Map<string, Route>();
  // Found upwards, like the detector's weights, so a bundle in dist/ finds them in its checkout.
  const page = dirname(checkoutFile("lib/serve/page/index.html"));
  const portable = dirname(checkoutFile("lib/predict/portable/tracking.js"));
  routes.set("/", fileRoute(join(page, "index.html")));
  routes.set("/index.html", fileRoute(join(page, "index.html")));
  routes.set("/app.js", fileRoute(join(page, "app.js")));
  routes.set("/page.css", fileRoute(join(page, "page.css")));
  // app.js imports these as ../../predict/portable/, its path in the repository, which the
  // browser resolves against /app.js to /predict/portable/.
  for (const name of ["blazeface.js", "face_crop.js", "tracking.js"]) {
    routes.set(`/predict/portable/${name}`, fileRoute(join(portable, name)));
  }
  routes.set("/vendor/tf.min.js", fileRoute(checkoutFile(TFJS_BUNDLE_PATH)));
  for (const name of WASM_FILES) {
    routes.set(`/vendor/${name}`, fileRoute(checkoutFile(`${TFJS_WASM_DIR}/${name}`)));
  }
  const detector = checkoutFile(BLAZEFACE_PACKAGE_PATH);
  routes.set("/detector/blazeface.json", fileRoute(detector));
  routes.set("/detector/blazeface.bin", fileRoute(detector.replace(/\.json$/, ".bin")));
  routes.set("/model/model.json", fileRoute(modelJson));
  routes.set("/model/info.json", { body: JSON.stringify(info), type: TYPES[".json"] });
  const manifest = (await readJsonFile(modelJson)).weightsManifest as { paths: string[] }[];
  for (const path of manifest.flatMap((group) => group.paths)) {
    // A weight path is a plain file name beside model.json; anything else is not served.
    if (!/^[\w.-]+$/.test(path) || path.startsWith(".")) {
      throw new FerError(`${modelJson}: unexpected weights path '${path}'`);
    }
    routes.set(`/model/${path}`, fileRoute(join(dirname(modelJson), path)));
  }
  return routes;
}

/**
 * The server's answer to `request`: GET or HEAD of a known path, else 404 (405 for other methods
 * on a known path). The pathname is matched as sent, so no `..` or encoded form reaches a file.
 */
export async function answer(routes: Map<string, Route>, request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  const route = routes.get(path);
  if (route === undefined) {
    return new Response("not found\n", { status: 404, headers: { "content-type": "text/plain" } });
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
  }
  const headers = {
    "content-type": route.type,
    "cache-control": "no-store",
    // Cross-origin isolation lets tfjs' wasm backend use threads (SharedArrayBuffer).
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-embedder-policy": "require-corp",
    "x-content-type-options": "nosniff",
  };
  const body = "body" in route ? route.body : await Deno.readFile(route.file);
  return new Response(request.method === "HEAD" ? null : body, { headers });
}

/** Options of startServer. */
export interface ServeOptions {
  /** A run folder, a model folder or "default". */
  readonly model: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly hostname: string;
  /** Stops the server when aborted. */
  readonly signal?: AbortSignal;
}

/** Serves the page; resolves once it listens, with the URL to open and the running server. */
export async function startServer(
  options: ServeOptions,
): Promise<{ url: string; server: Deno.HttpServer; routes: Map<string, Route> }> {
  const routes = await pageRoutes(options.model);
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port: options.port,
    hostname: options.hostname,
    signal: options.signal,
    onListen: (address) => resolve(address as Deno.NetAddr),
  }, (request) => answer(routes, request));
  const address = await promise;
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return { url: `http://${host}:${address.port}/`, server, routes };
}
