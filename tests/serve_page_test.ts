/**
 * `fer serve`: the server answers only its page, the shared code, the tfjs bundles, the detector's
 * weights and the model's files (everything else is a 404, `..` included), while running without
 * permission to write; and the page, opened in headless Chromium with a fake webcam that shows a
 * CK+48 happy face, finds the face and labels it happy with the shipped model, then labels a
 * surprised face in a photo chosen on the page.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Image } from "imagescript";
import { realData, withTempDir } from "./helpers.ts";
import { ckFace, encodeVideo, faceFrame, ffmpegPresent } from "./video_fixture.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const CHROMIUM = "/usr/bin/chromium";

/**
 * Starts `fer serve --port 0` in a subprocess that may read and listen but not write; returns its
 * URL and a function that stops it.
 */
async function startServe(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-net=127.0.0.1",
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      "--deny-write",
      "cli/main.ts",
      "serve",
      "--port",
      "0",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const errors = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let said = "";
  while (!/http:\/\/\S+\//.test(said)) {
    const { done, value } = await reader.read();
    if (done) {
      await child.status;
      throw new Error(`fer serve stopped: ${said}\n${await errors}`);
    }
    said += value;
  }
  const url = said.match(/http:\/\/\S+\//)![0];
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await reader.cancel();
      await child.status;
      await errors;
    },
  };
}

/** The status of a raw HTTP/1.1 GET of `path`, sent byte for byte (fetch would resolve `..`). */
async function rawStatus(url: string, path: string, method = "GET"): Promise<number> {
  const { hostname, port } = new URL(url);
  const connection = await Deno.connect({ hostname, port: Number(port) });
  try {
    const request = `${method} ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`;
    await connection.write(new TextEncoder().encode(request));
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(65536);
    while (true) {
      const n = await connection.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
      if (chunks.length === 1) break;
    }
    const head = new TextDecoder().decode(chunks[0]);
    return Number(head.match(/^HTTP\/1\.1 (\d+)/)?.[1]);
  } finally {
    connection.close();
  }
}

Deno.test("fer serve answers only the page's and the model's files, never writing", async () => {
  const { url, stop } = await startServe();
  try {
    for (
      const path of [
        "/",
        "/app.js",
        "/page.css",
        "/predict/portable/blazeface.js",
        "/predict/portable/tracking.js",
        "/predict/portable/face_crop.js",
        "/vendor/tf.min.js",
        "/vendor/tf-backend-wasm.min.js",
        "/vendor/tfjs-backend-wasm-simd.wasm",
        "/detector/blazeface.json",
        "/detector/blazeface.bin",
        "/model/model.json",
        "/model/weights.bin",
        "/model/info.json",
      ]
    ) {
      assert.equal(await rawStatus(url, path), 200, path);
    }
    for (
      const path of [
        "/../deno.json",
        "/model/../../deno.json",
        "/%2e%2e/deno.json",
        "/model/%2e%2e/card.json",
        "/model/card.json",
        "/deno.json",
        "/lib/serve/server.ts",
        "/lib/predict/portable/tracking.js",
        "/portable/tracking.js",
        "/predict/portable/../../deno.json",
        "/predict/video.ts",
        "/node_modules/@tensorflow/tfjs/dist/tf.min.js",
        "/vendor/../../../../etc/passwd",
        "//etc/passwd",
        "/app.js/",
        "/APP.JS",
        "/index.html?x=../deno.json".replace("index.html", "nothing"),
      ]
    ) {
      assert.equal(await rawStatus(url, path), 404, path);
    }
    assert.equal(await rawStatus(url, "/app.js", "POST"), 405);
    const info = await (await fetch(`${url}model/info.json`)).json();
    assert.equal(info.name, "liu-cnn5");
    assert.equal(info.source, "models/default");
    assert.equal(info.tta, "flip");
    assert.deepEqual(info.inputShape, [48, 48, 1]);
    // Served files are the files themselves.
    const served = new Uint8Array(await (await fetch(`${url}model/weights.bin`)).arrayBuffer());
    assert.deepEqual(served, await Deno.readFile(join(ROOT, "models/default/weights.bin")));
  } finally {
    await stop();
  }
});

/** A PNG of an RGB frame. */
async function pngOf(rgb: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const image = new Image(width, height);
  for (let i = 0; i < width * height; i++) {
    image.bitmap.set([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 255], i * 4);
  }
  return await image.encode();
}

function chromiumPresent(): boolean {
  try {
    Deno.statSync(CHROMIUM);
    return true;
  } catch {
    console.log(`skipped: ${CHROMIUM} is absent (apt-get install chromium)`);
    return false;
  }
}

Deno.test("the page labels a face on a fake webcam, then one in a photo given to it", async () => {
  const ckRoot = realData("ckplus48");
  if (!ckRoot || !ffmpegPresent() || !chromiumPresent()) return;
  await withTempDir(async (dir) => {
    const happy = await ckFace(ckRoot, "happy");
    const surprised = await ckFace(ckRoot, "surprise");
    const frames = Array.from(
      { length: 20 },
      (_, i) => faceFrame(320, 240, [{ face: happy, x: 80 + (i % 3), y: 40, size: 160 }]),
    );
    const camera = await encodeVideo(join(dir, "camera.y4m"), frames, {
      width: 320,
      height: 240,
      fps: 10,
    });
    const { url, stop } = await startServe();
    let browser;
    try {
      const { chromium } = await import("playwright-core");
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--no-sandbox",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--use-fake-device-for-media-stream",
          "--use-fake-ui-for-media-stream",
          `--use-file-for-fake-video-capture=${camera}`,
        ],
      });
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      const outside: string[] = [];
      page.on("request", (request) => {
        if (!request.url().startsWith(url) && !request.url().startsWith("blob:")) {
          outside.push(request.url());
        }
      });
      await page.goto(url);
      await page.waitForFunction(
        () => Number(document.body.dataset.frames ?? 0) >= 3 || document.body.dataset.error,
        undefined,
        { timeout: 45_000 },
      );
      const seen = await page.evaluate(() => ({
        error: document.getElementById("error")?.textContent ?? "",
        status: document.getElementById("status")?.textContent ?? "",
        faces: [...document.querySelectorAll("#faces li[data-emotion]")].map((li) => ({
          face: (li as HTMLElement).dataset.face,
          emotion: (li as HTMLElement).dataset.emotion,
          text: li.textContent,
        })),
        backend: document.body.dataset.backend,
        fps: Number(document.body.dataset.fps),
      }));
      console.log(`page: ${seen.status}; ${seen.fps} frames/s; ${JSON.stringify(seen.faces)}`);
      assert.equal(seen.error, "", seen.error);
      assert.deepEqual(errors, []);
      assert.deepEqual(outside, [], "the page fetched something from elsewhere");
      assert.match(seen.status, /Model: liu-cnn5 \(models\/default\).*backend (webgl|wasm|cpu)/);
      assert.equal(seen.faces.length, 1, JSON.stringify(seen.faces));
      assert.equal(seen.faces[0].face, "1");
      assert.equal(seen.faces[0].emotion, "happy");
      assert.match(seen.faces[0].text ?? "", /^face 1: happy \d+ %$/);

      // A photo chosen on the page replaces the webcam: its surprised face is labelled so.
      const photo = join(dir, "surprise.png");
      await Deno.writeFile(
        photo,
        await pngOf(faceFrame(320, 240, [{ face: surprised, x: 60, y: 30, size: 180 }]), 320, 240),
      );
      await page.setInputFiles("#file", photo);
      await page.waitForFunction(
        () =>
          document.getElementById("source")?.textContent === "surprise.png" &&
          document.body.dataset.frames === "1",
        undefined,
        { timeout: 20_000 },
      );
      const fromPhoto = await page.evaluate(() =>
        [...document.querySelectorAll("#faces li[data-emotion]")].map((li) =>
          (li as HTMLElement).dataset.emotion
        )
      );
      assert.deepEqual(fromPhoto, ["surprise"]);
    } finally {
      await browser?.close();
      await stop();
    }
  });
});
