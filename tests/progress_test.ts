/**
 * The progress display training's epochs and a video's frames share (lib/progress.ts): what each
 * writes on a terminal and in a log, start to end.
 */
import assert from "node:assert/strict";
import { progressBar, ProgressDisplay } from "../lib/progress.ts";
import { EpochProgress } from "../lib/train/progress.ts";
import { frameProgressLine } from "../lib/predict/video_format.ts";

Deno.test("the bar fills with the work and is all '=' once done", () => {
  assert.equal(progressBar(0, 10, 10), ">.........");
  assert.equal(progressBar(5, 10, 10), "=====>....");
  assert.equal(progressBar(9.99, 10, 10), "=========>");
  assert.equal(progressBar(10, 10, 10), "==========");
  assert.equal(progressBar(12, 10, 10), "==========");
});

/** An epoch of `steps` steps, 2 s each, shown in `mode`: everything it writes. */
function epoch(steps: number, mode: "bar" | "lines" | "quiet"): string[] {
  const written: string[] = [];
  let now = 0;
  const progress = new EpochProgress(steps, 8, mode, (text) => written.push(text), () => now, 0);
  for (let step = 1; step <= steps; step++) {
    now += 2000;
    progress.update(step, 1 / step, 0.5);
  }
  progress.finish();
  return written;
}

Deno.test("an epoch: a line per tenth in a log, but not the last (its summary follows)", () => {
  const lines = epoch(20, "lines");
  // The first step, then each tenth up to 18/20.
  assert.equal(lines.length, 10, lines.join(""));
  assert.equal(
    lines[1],
    " 2/20 [===>..........................] - ETA: 0:36 - 4.0 img/s - loss: 0.5000 - " +
      "accuracy: 0.5000\n",
  );
  assert.match(lines[9], /^18\/20 \[=+>\.+\] - ETA: 0:04/);
  assert.deepEqual(epoch(20, "quiet"), []);
});

Deno.test("an epoch on a terminal: redrawn in place, cleared at the end", () => {
  const bar = epoch(3, "bar");
  assert.equal(bar.length, 4);
  assert.match(bar[0], /^\r1\/3 \[=+>\.+\] - ETA: 0:04 /);
  assert.ok(bar[0].endsWith("\x1b[K"), "the rest of the old line is erased");
  assert.match(bar[2], /^\r3\/3 \[={30}\] - ETA: 0:00 /);
  assert.equal(bar[3], "\r\x1b[K");
});

/** A video's frames 1..`frames` of `expected`, at 10 frames/s, shown in `mode`. */
function video(frames: number, expected: number, mode: "bar" | "lines"): string[] {
  const written: string[] = [];
  const progress = new ProgressDisplay(mode, (text) => written.push(text), "keep");
  for (let done = 1; done <= frames; done++) {
    progress.update(done, expected, frameProgressLine(done, expected, done / 10));
  }
  progress.finish();
  return written;
}

Deno.test("a video: a line per tenth in a log, and its last state is kept", () => {
  const lines = video(25, 20, "lines");
  assert.equal(lines.length, 14, lines.join(""));
  assert.equal(
    lines[1],
    "frame 2/20 [===>..........................] - 10.0 frames/s - ETA: 0:02\n",
  );
  assert.equal(lines[10], `frame 20/20 [${"=".repeat(30)}] - 10.0 frames/s - ETA: 0:00\n`);
  // Past the expected count, the total grows with the frames; the last state is
  // written at the end though no tenth was crossed since 24/24.
  assert.equal(lines.at(-1), `frame 25/25 [${"=".repeat(30)}] - 10.0 frames/s - ETA: 0:00\n`);
  // Without a frame count: a line per 100 frames, and the last.
  const unknown = video(250, NaN, "lines");
  assert.deepEqual(unknown.map((line) => line.split(" ")[1]), ["1", "100", "200", "250"]);
});

Deno.test("a video on a terminal: redrawn in place, left on its own line", () => {
  const bar = video(2, 2, "bar");
  assert.deepEqual(bar, [
    "\rframe 1/2 [===============>..............] - 10.0 frames/s - ETA: 0:00\x1b[K",
    `\rframe 2/2 [${"=".repeat(30)}] - 10.0 frames/s - ETA: 0:00\x1b[K`,
    "\n",
  ]);
  assert.deepEqual(video(0, 2, "bar"), [], "nothing drawn, nothing to end");
});
