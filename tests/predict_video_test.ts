/**
 * `fer predict` on videos: the face tracker and smoothing on their own, the error when ffmpeg is
 * missing, and, on a video made from CK+48 faces (happy for two seconds, then surprise), that the
 * shipped model labels each part right, one id follows the face, --smooth delays the switch, the
 * outputs (JSON, CSV, summary, figure, annotated video with the audio) agree, and a truncated file
 * gives a clear error while keeping the rows read before the break, and a file that is no video
 * changes nothing in --out.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { boxIou, FaceTracker } from "../lib/predict/mod.ts";
import { parseFps } from "../cli/commands/predict_video.ts";
import { faceSummaryTable, frameProgressLine } from "../lib/predict/video_format.ts";
import { realData, runFer, withTempDir } from "./helpers.ts";
import { ckFace, encodeVideo, faceFrame, ffmpegPresent } from "./video_fixture.ts";

const ROOT = new URL("..", import.meta.url).pathname;

const box = (x: number, y = 10, size = 50) => ({ x, y, width: size, height: size });

Deno.test("the tracker keeps each face's id by overlap, and ends tracks gone too long", () => {
  const tracker = new FaceTracker({ maxGap: 1 });
  const p = [1, 0];
  let faces = tracker.update(0, [{ box: box(0), probabilities: p }, {
    box: box(200),
    probabilities: p,
  }]);
  assert.deepEqual(faces.map((f) => f.id), [1, 2]);
  // Listed the other way round and moved a little: ids follow the boxes.
  faces = tracker.update(0.2, [{ box: box(205), probabilities: p }, {
    box: box(4),
    probabilities: p,
  }]);
  assert.deepEqual(faces.map((f) => f.id), [2, 1]);
  // Face 2 leaves; face 1 stays. A face back after 2 s gets a new id, one back at once its old.
  tracker.update(0.4, [{ box: box(6), probabilities: p }]);
  faces = tracker.update(2.6, [{ box: box(6), probabilities: p }, {
    box: box(205),
    probabilities: p,
  }]);
  assert.deepEqual(faces.map((f) => f.id), [1, 3]);
  // Seconds between frames (a slow browser) do not end a track seen in the previous frame.
  faces = tracker.update(9, [{ box: box(8), probabilities: p }]);
  assert.deepEqual(faces.map((f) => f.id), [1]);
  assert.equal(boxIou(box(0), box(0)), 1);
  assert.equal(boxIou(box(0), box(100)), 0);
});

Deno.test("smoothing is an exponential moving average over time", () => {
  const raw = new FaceTracker();
  const smooth = new FaceTracker({ smooth: 1 });
  for (const tracker of [raw, smooth]) tracker.update(0, [{ box: box(0), probabilities: [1, 0] }]);
  const [plain] = raw.update(0.5, [{ box: box(0), probabilities: [0, 1] }]);
  const [eased] = smooth.update(0.5, [{ box: box(0), probabilities: [0, 1] }]);
  assert.deepEqual([...plain.probabilities], [0, 1]);
  const keep = Math.exp(-0.5);
  assert.ok(Math.abs(eased.probabilities[0] - keep) < 1e-6, `${eased.probabilities[0]}`);
  assert.ok(Math.abs(eased.probabilities[1] - (1 - keep)) < 1e-6);
  assert.throws(() => new FaceTracker({ smooth: -1 }), /smooth must be/);
});

Deno.test("--fps, the summary table and the progress line", () => {
  assert.equal(parseFps("all"), "all");
  assert.equal(parseFps("2.5"), 2.5);
  assert.throws(() => parseFps("0"), /--fps expects a positive number .* or 'all', got '0'/);
  assert.throws(() => parseFps("fast"), /got 'fast'/);
  const table = faceSummaryTable([{
    face: 1,
    firstSeen: 0,
    lastSeen: 3.8,
    frames: 20,
    dominant: "happy",
    share: { happy: 0.55, surprise: 0.45 },
  }], ["happy", "surprise"]);
  assert.deepEqual(table.split("\n"), [
    "face  seen       frames  dominant  happy %  surprise %",
    "1     0:00–0:04      20  happy          55          45",
  ]);
  assert.equal(
    frameProgressLine(5, 20, 2),
    "frame 5/20 [=======>......................] - 2.5 frames/s - ETA: 0:06",
  );
});

Deno.test("a video without ffmpeg installed says how to install it", async () => {
  await withTempDir(async (dir) => {
    const image = await runFer(["predict", `${ROOT}/README.md`, "--smooth", "1", "--csv"]);
    assert.equal(image.code, 2);
    assert.match(image.stderr, /--csv, --smooth: for videos only \(.*README\.md is not one/);
    await Deno.writeFile(`${dir}/clip.mp4`, new Uint8Array(16));
    const run = await runFer(["predict", `${dir}/clip.mp4`], { PATH: "/nonexistent" });
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /error: videos are read with ffprobe, which is not installed: .*apt-get install ffmpeg/,
    );
  });
});

/** Frames of 4 s at 10 fps: a CK+48 happy face for 2 s, then a surprised one, slightly moving. */
async function happyThenSurprise(ckRoot: string): Promise<Uint8Array[]> {
  const happy = await ckFace(ckRoot, "happy");
  const surprise = await ckFace(ckRoot, "surprise");
  return Array.from(
    { length: 40 },
    (_, i) =>
      faceFrame(320, 240, [{
        face: i < 20 ? happy : surprise,
        x: 70 + 2 * (i % 5),
        y: 40,
        size: 160,
      }]),
  );
}

Deno.test("predict labels a video's happy part happy and its surprise part surprise", async () => {
  const ckRoot = realData("ckplus48");
  if (!ckRoot || !ffmpegPresent()) return;
  await withTempDir(async (dir) => {
    const clip = await encodeVideo(join(dir, "clip.mp4"), await happyThenSurprise(ckRoot), {
      width: 320,
      height: 240,
      fps: 10,
      audio: true,
    });
    const out = join(dir, "out");
    const run = await runFer(["predict", clip, "--fps", "2.5", "--json", "--out", out]);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.error, null);
    assert.equal(result.info.sampledFps, 2.5);
    const timeline = result.timeline as { time: number; face: number; emotion: string }[];
    assert.equal(timeline.length, 10, "one face in each of 4 s × 2.5 frames");
    assert.deepEqual([...new Set(timeline.map((row) => row.face))], [1]);
    for (const row of timeline) {
      assert.equal(row.emotion, row.time < 2 ? "happy" : "surprise", `at ${row.time} s`);
    }
    const [face] = result.faces;
    assert.equal(result.faces.length, 1);
    assert.equal(face.share.happy, 0.5);
    assert.equal(face.share.surprise, 0.5);
    assert.match(run.stderr, /face\s+seen\s+frames\s+dominant\s+angry %/);
    assert.match(run.stderr, /frame 10\/10 \[=+\] - [\d.]+ frames\/s - ETA: 0:00/);

    // The files: the same rows as CSV, the summary, the figure, the video with its audio.
    const csv = (await Deno.readTextFile(join(out, "clip.timeline.csv"))).trim().split("\n");
    assert.equal(
      csv[0],
      "time,frame,face,x,y,width,height,detector,emotion," + result.model.classNames.join(","),
    );
    assert.equal(csv.length, 11);
    assert.match(csv[1], /^0\.000,0,1,[\d.]+,[\d.]+,[\d.]+,[\d.]+,0\.\d+,happy,/);
    const summary = JSON.parse(await Deno.readTextFile(join(out, "clip.summary.json")));
    assert.deepEqual(summary.faces, result.faces);
    const svg = await Deno.readTextFile(join(out, "clip.emotions.svg"));
    assert.match(svg, /^<svg/);
    assert.match(svg, /face 1/);
    const probe = await new Deno.Command("ffprobe", {
      args: [
        "-v",
        "error",
        "-show_entries",
        "stream=codec_type,nb_frames",
        "-of",
        "csv=p=0",
        join(out, "clip.annotated.mp4"),
      ],
      stdout: "piped",
    }).output();
    const streams = new TextDecoder().decode(probe.stdout).trim().split("\n");
    assert.deepEqual(streams.map((line) => line.split(",")[0]).sort(), ["audio", "video"]);
    assert.ok(streams.includes("video,10"), streams.join(" "));

    // Nothing is overwritten: the same --out again is refused before any work.
    const again = await runFer(["predict", clip, "--out", out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /clip\.annotated\.mp4 already exists: pass --overwrite/);
    // --overwrite replaces them.
    const replaced = await runFer(["predict", clip, "--fps", "2.5", "--out", out, "--overwrite"]);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stderr, /Wrote .*clip\.annotated\.mp4/);

    // --smooth: the CSV on stdout, the switch to surprise comes a frame or more later.
    const smooth = await runFer(["predict", clip, "--fps", "2.5", "--csv", "--smooth", "1"]);
    assert.equal(smooth.code, 0, smooth.stderr);
    const rows = smooth.stdout.trim().split("\n").slice(1).map((line) => line.split(","));
    assert.equal(rows.length, 10);
    // Unsmoothed, frame 5 (2.0 s) is the first surprise; smoothed over 1 s it comes later.
    const firstSurprise = rows.findIndex((row) => row[8] === "surprise");
    assert.ok(firstSurprise > 5, `smoothed switch at frame ${firstSurprise}`);
    assert.equal(rows.at(-1)![8], "surprise");
  });
});

Deno.test("a truncated video gives a clear error and keeps the rows read before it", async () => {
  const ckRoot = realData("ckplus48");
  if (!ckRoot || !ffmpegPresent()) return;
  await withTempDir(async (dir) => {
    const whole = await encodeVideo(join(dir, "whole.mkv"), await happyThenSurprise(ckRoot), {
      width: 320,
      height: 240,
      fps: 10,
    });
    const bytes = await Deno.readFile(whole);
    await Deno.writeFile(join(dir, "cut.mkv"), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const out = join(dir, "out");
    const run = await runFer(["predict", join(dir, "cut.mkv"), "--fps", "2.5", "--out", out]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /error: .*cut\.mkv: the video is damaged or truncated after (\d+) frame\(s\)/,
    );
    const read = Number(run.stderr.match(/truncated after (\d+) frame/)![1]);
    assert.ok(read > 0 && read < 10, `${read} frames`);
    const csv = (await Deno.readTextFile(join(out, "cut.timeline.csv"))).trim().split("\n");
    assert.equal(csv.length, read + 1);
    const summary = JSON.parse(await Deno.readTextFile(join(out, "cut.summary.json")));
    assert.match(summary.error, /truncated/);
    assert.equal(summary.faces[0].frames, read);

    const broken = join(dir, "broken.mp4");
    await Deno.writeTextFile(broken, "not a video at all");
    const refused = await runFer(["predict", broken]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /broken\.mp4: not a video ffmpeg can read/);
  });
});

Deno.test("a file that is no video leaves --out as it was, --overwrite or not", async () => {
  if (!ffmpegPresent()) return;
  await withTempDir(async (dir) => {
    const broken = join(dir, "broken.mp4");
    await Deno.writeTextFile(broken, "not a video at all");
    const out = join(dir, "out");
    const fresh = await runFer(["predict", broken, "--out", out, "--json"]);
    assert.equal(fresh.code, 1);
    assert.match(fresh.stderr, /broken\.mp4: not a video ffmpeg can read/);
    assert.equal(fresh.stdout, "", "no JSON begun");
    assert.ok(!existsSync(join(out, "broken.timeline.csv")), "no header-only CSV left behind");
    await Deno.mkdir(out, { recursive: true });
    await Deno.writeTextFile(join(out, "broken.timeline.csv"), "earlier results\n");
    const replaced = await runFer(["predict", broken, "--out", out, "--overwrite"]);
    assert.equal(replaced.code, 1);
    assert.match(replaced.stderr, /not a video ffmpeg can read/);
    assert.equal(
      await Deno.readTextFile(join(out, "broken.timeline.csv")),
      "earlier results\n",
    );
  });
});
