/**
 * The run report end to end: a fixture run folder, `fer report`, report.md's numbers against
 * metrics.json, and report.html opened in headless Chromium (skipped with a reason when Debian's
 * chromium is not installed). Set FER_REPORT_SCREENSHOTS=DIR to keep the screenshots.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../cli/main.ts";
import type { EvaluationMetrics } from "../lib/metrics/mod.ts";
import { readRunArtifacts, writeReport } from "../lib/report/mod.ts";
import { withTempDir } from "./helpers.ts";
import { FIXTURE_CLASSES, makeFixtureRun, writeFixtureDataset } from "./report_fixture.ts";

const CHROMIUM = "/usr/bin/chromium";

/** The Markdown table that follows the italic caption starting with `captionStart`. */
function markdownTableAfter(markdown: string, captionStart: string): string[][] {
  const lines = markdown.split("\n");
  const at = lines.findIndex((line) => line.startsWith(`*${captionStart}`));
  assert.ok(at >= 0, `report.md has a table captioned '${captionStart}...'`);
  const rows: string[][] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(1, -1).split(" | ").map((cell) => cell.trim()));
  }
  return rows.filter((row) => !row.every((cell) => /^-+:?$/.test(cell)));
}

function assertClose(text: string, value: number | null, what: string) {
  if (value === null) return assert.equal(text, "n/a", what);
  assert.ok(
    Math.abs(Number(text) - value) <= 5e-5,
    `${what}: report.md says ${text}, metrics ${value}`,
  );
}

/** Checks report.md's classification report of `metrics` cell by cell. */
function checkClassificationReport(markdown: string, metrics: EvaluationMetrics, tta: string) {
  const rows = markdownTableAfter(
    markdown,
    `Classification report: synthetic_fer2013.csv, ${metrics.split} split, ${metrics.count} ` +
      `images, ${tta}.`,
  );
  assert.deepEqual(rows[0], ["class", "precision", "recall", "f1-score", "support", "AUC"]);
  for (const name of metrics.classes) {
    const row = rows.find((r) => r[0] === name)!;
    const c = metrics.perClass[name];
    assertClose(row[1], c.precision, `${name} precision`);
    assertClose(row[2], c.recall, `${name} recall`);
    assertClose(row[3], c.f1, `${name} f1`);
    assert.equal(Number(row[4]), c.support);
    assertClose(row[5], c.auc, `${name} AUC`);
  }
  const accuracy = rows.find((r) => r[0] === "accuracy")!;
  assertClose(accuracy[3], metrics.accuracy, "accuracy");
  const macro = rows.find((r) => r[0] === "macro avg")!;
  assertClose(macro[3], metrics.macro.f1, "macro F1");
  assertClose(macro[5], metrics.macro.auc, "macro AUC");
  const weighted = rows.find((r) => r[0] === "weighted avg")!;
  assertClose(weighted[1], metrics.weighted.precision, "weighted precision");
}

interface PageCheck {
  readonly charts: number;
  readonly brokenImages: number;
  readonly images: number;
  readonly errors: string[];
  readonly headings: string[];
  readonly notes: string[];
}

/** Opens `file` in headless Chromium, collects what the test checks, saves a full screenshot. */
async function openInChromium(file: string, screenshot: string): Promise<PageCheck> {
  const { chromium } = await import("playwright-core");
  const userDataDir = await Deno.makeTempDir({ prefix: "fer-chromium-" });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("requestfailed", (request) => errors.push(`request failed: ${request.url()}`));
    await page.goto(`file://${file}`, { waitUntil: "load" });
    const result = await page.evaluate(async () => {
      // <img> cards and the <image> elements inside SVG charts: decode every source for real.
      const sources = [
        ...[...document.images].map((img) => img.src),
        ...[...document.querySelectorAll("figure svg image")].map((img) =>
          img.getAttribute("xlink:href") ?? img.getAttribute("href") ?? ""
        ),
      ];
      let brokenImages = 0;
      for (const source of sources) {
        const image = new Image();
        image.src = source;
        try {
          await image.decode();
          if (image.naturalWidth === 0) brokenImages++;
        } catch {
          brokenImages++;
        }
      }
      return {
        charts: document.querySelectorAll("figure.chart > svg").length,
        images: sources.length,
        brokenImages,
        headings: [...document.querySelectorAll("h2")].map((h) => h.textContent ?? ""),
        notes: [...document.querySelectorAll(".note")].map((n) => n.textContent ?? ""),
      };
    });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { ...result, errors };
  } finally {
    await context.close();
    await Deno.remove(userDataDir, { recursive: true });
  }
}

function chromiumPresent(): boolean {
  try {
    Deno.statSync(CHROMIUM);
    return true;
  } catch {
    console.log(`skipped the browser check: ${CHROMIUM} is absent (apt-get install chromium)`);
    return false;
  }
}

async function screenshotPath(dir: string, name: string): Promise<string> {
  const keep = Deno.env.get("FER_REPORT_SCREENSHOTS");
  if (keep) await Deno.mkdir(keep, { recursive: true });
  return join(keep || dir, name);
}

Deno.test("fer report writes report.html/.md whose numbers match metrics.json and render", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const run = await makeFixtureRun(join(dir, "run"), dataset);
    const status = await main(["report", run.dir, "--png", "--samples", "4"]);
    assert.equal(status, 0);

    const markdown = await Deno.readTextFile(join(run.dir, "report.md"));
    checkClassificationReport(markdown, run.test, "no TTA");
    checkClassificationReport(markdown, run.testFlip, "TTA flip");
    checkClassificationReport(markdown, run.val, "no TTA");
    const summary = markdownTableAfter(markdown, "Headline metrics");
    const testRow = summary.find((r) => r[1] === "test" && r[2] === "no TTA")!;
    assertClose(testRow[4], run.test.accuracy, "headline test accuracy");
    assertClose(summary.find((r) => r[2] === "TTA flip")![4], run.testFlip.accuracy, "TTA");
    assert.match(markdown, /!\[Training curves\]\(figures\/training-curves\.png\)/);

    const figures = [...Deno.readDirSync(join(run.dir, "figures"))].map((e) => e.name);
    for (
      const id of [
        "training-curves",
        "confusion-matrix-test",
        "confusion-matrix-test-flip",
        "roc-curves",
        "class-distribution",
        "sample-images",
        "mean-faces",
        "tsne",
        "conv-filters",
        "feature-maps",
        "saliency",
      ]
    ) {
      assert.ok(figures.includes(`${id}.svg`) && figures.includes(`${id}.png`), id);
    }

    const html = await Deno.readTextFile(join(run.dir, "report.html"));
    assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/, "no scripts, no network");
    for (const name of FIXTURE_CLASSES) assert.match(html, new RegExp(`>${name}<`));
    if (!chromiumPresent()) return;
    const page = await openInChromium(
      join(run.dir, "report.html"),
      await screenshotPath(dir, "report.png"),
    );
    assert.deepEqual(page.errors, []);
    assert.equal(page.charts, 12, "every figure is an inline SVG chart");
    assert.equal(page.brokenImages, 0, `all ${page.images} images decode`);
    assert.ok(page.images > 40, `${page.images} images`);
    assert.deepEqual(page.notes, []);
    assert.ok(page.headings.includes("Interpretability"));
  });
});

Deno.test("without its data the report still renders, with visible notes", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const run = await makeFixtureRun(join(dir, "run"), dataset, { seed: 1 });
    await Deno.remove(dataset);
    await Deno.remove(join(run.dir, "predictions.csv"));
    // A figure of an earlier report that this one cannot draw must not linger.
    await Deno.mkdir(join(run.dir, "figures"));
    await Deno.writeTextFile(join(run.dir, "figures", "tsne.svg"), "<svg/>");
    const logged: string[] = [];
    const result = await writeReport(run.dir, { log: (line) => logged.push(line) });
    assert.deepEqual(
      [...Deno.readDirSync(join(run.dir, "figures"))].map((e) => e.name).sort(),
      [
        "confusion-matrix-test-flip.svg",
        "confusion-matrix-test.svg",
        "confusion-matrix-validation.svg",
        "conv-filters.svg",
        "training-curves.svg",
      ],
    );
    assert.ok(
      result.notes.some((n) => /Data: .*could not be loaded/.test(n)),
      result.notes.join("\n"),
    );
    assert.ok(result.notes.some((n) => /predictions\.csv: not found/.test(n)));
    assert.ok(result.notes.some((n) => /No ROC curves/.test(n)));
    const markdown = await Deno.readTextFile(result.markdown);
    checkClassificationReport(markdown, run.test, "no TTA");
    assert.match(markdown, /> \*\*Note:\*\* Data views, sample predictions, t-SNE/);
    if (!chromiumPresent()) return;
    const page = await openInChromium(result.html, await screenshotPath(dir, "report-no-data.png"));
    assert.deepEqual(page.errors, []);
    assert.equal(page.brokenImages, 0);
    // Curves, three confusion matrices and the filters need neither data nor predictions.
    assert.equal(page.charts, 5);
    assert.ok(page.notes.length >= 4, page.notes.join("\n"));
  });
});

Deno.test("a folder that is not a run is a clear error", async () => {
  await withTempDir(async (dir) => {
    assert.equal(await main(["report", dir]), 1);
    await assert.rejects(writeReport(dir), /is not a run folder/);
  });
});

Deno.test("an evaluation saved under two split names shows once; the headline is metrics.json's", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const run = await makeFixtureRun(join(dir, "run"), dataset);
    const before = (await readRunArtifacts(run.dir)).evaluations.length;
    // 'fer eval --split PrivateTest' of the run's own test split: the same numbers, another name.
    const renamed = { ...run.test, split: "PrivateTest" };
    await Deno.writeTextFile(
      join(run.dir, "metrics-a-PrivateTest-none.json"),
      JSON.stringify(renamed),
    );
    // A smaller test evaluation whose file name sorts before metrics.json.
    const other = { ...run.test, count: run.test.count - 1, accuracy: 0.123 };
    await Deno.writeTextFile(join(run.dir, "metrics-a-test-none.json"), JSON.stringify(other));
    const artifacts = await readRunArtifacts(run.dir);
    assert.equal(artifacts.evaluations.length, before + 1);
    assert.equal(artifacts.test?.accuracy, run.test.accuracy);
    assert.equal(artifacts.evaluations[0].accuracy, run.test.accuracy);
  });
});
