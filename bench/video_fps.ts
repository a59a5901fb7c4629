/**
 * Frames per second of `fer predict` on a 640×480 video and of the `fer serve` page in headless
 * Chromium (fake webcam), with one and with three CK+48 faces in the frame. Run from the
 * repository root: `FER_DATA_DIR=/path/to/data ./deno run -A bench/video_fps.ts`; it prints a
 * Markdown table for docs/BENCHMARKS.md. Needs ffmpeg and Debian's chromium.
 */
import { join } from "node:path";
import { markdownTable } from "../lib/report/markdown_page.ts";
import { ckFace, encodeVideo, faceFrame } from "../tests/video_fixture.ts";

const data = Deno.env.get("FER_DATA_DIR");
if (!data) throw new Error("set FER_DATA_DIR (CK+48 faces make the test videos)");
const ck = join(data, "ckplus48");
const SECONDS = 4;
const RATE = 10;
const faces = [
  await ckFace(ck, "happy"),
  await ckFace(ck, "surprise"),
  await ckFace(ck, "sadness"),
];
const layouts = {
  "1 face": [{ face: faces[0], x: 220, y: 120, size: 200 }],
  "3 faces": [
    { face: faces[0], x: 20, y: 150, size: 180 },
    { face: faces[1], x: 230, y: 150, size: 180 },
    { face: faces[2], x: 440, y: 150, size: 180 },
  ],
};
const dir = await Deno.makeTempDir({ prefix: "fer-bench-video-" });
const rows: string[][] = [];

async function predictFps(video: string, extra: string[]): Promise<string> {
  const { stderr, success } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/main.ts", "predict", video, "--fps", "all", ...extra],
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stderr);
  if (!success) throw new Error(text);
  const [, frames, seconds] = text.match(/(\d+) frame\(s\) at [\d.]+ fps in ([\d.]+) s/)!;
  const tracked = text.match(/(\d+) face\(s\) tracked/)![1];
  return `${(Number(frames) / Number(seconds)).toFixed(1)} (${tracked} tracked)`;
}

async function pageFps(camera: string): Promise<string> {
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/main.ts", "serve", "--port", "0"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let said = "";
  let browser;
  try {
    while (!/http:\/\/\S+\//.test(said)) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`fer serve stopped: ${said}`);
      said += value;
    }
    const url = said.match(/http:\/\/\S+\//)![0];
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        `--use-file-for-fake-video-capture=${camera}`,
      ],
    });
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => Number(document.body.dataset.frames ?? 0) >= 40, undefined, {
      timeout: 120_000,
    });
    const { fps, backend, faces } = await page.evaluate(() => ({
      fps: document.body.dataset.fps,
      backend: document.getElementById("status")?.textContent?.match(/backend (.*)$/)?.[1],
      faces: document.body.dataset.faces,
    }));
    return `${Number(fps).toFixed(1)} (${faces} found; ${backend})`;
  } finally {
    await browser?.close();
    try {
      server.kill();
    } catch { /* already exited */ }
    await reader.cancel();
    await server.status;
  }
}

const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
console.error(`load average before: ${load()}`);
for (const [name, layout] of Object.entries(layouts)) {
  const frames = Array.from(
    { length: SECONDS * RATE },
    (_, i) => faceFrame(640, 480, layout.map((f) => ({ ...f, x: f.x + (i % 4) }))),
  );
  const size = { width: 640, height: 480, fps: RATE };
  const mp4 = await encodeVideo(join(dir, `${name}.mp4`), frames, size);
  const y4m = await encodeVideo(join(dir, `${name}.y4m`), frames, size);
  const flip = await predictFps(mp4, []);
  const none = await predictFps(mp4, ["--tta", "none"]);
  const out = await predictFps(mp4, ["--out", join(dir, `out-${name}`)]);
  const page = await pageFps(y4m);
  rows.push([name, flip, none, out, page]);
  console.error(`| ${rows.at(-1)!.join(" | ")} |`);
}
await Deno.remove(dir, { recursive: true });
console.error(`load average after: ${load()}`);
console.log(markdownTable({
  columns: [
    "640×480, 4 s at 10 fps",
    "`fer predict` (flip TTA)",
    "`--tta none`",
    "flip TTA + `--out` (annotated video)",
    "`fer serve` page, Chromium",
  ],
  rows,
}));
