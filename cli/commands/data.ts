/** `fer data ...`: inspect and validate datasets. */
import { type CommandGroup, defineCommand } from "../args.ts";
import { dataDirOption } from "../options.ts";
import {
  checkData,
  DATA_DIR_VARIABLE,
  DATASETS,
  describeProtocol,
  describeSkipped,
  findExactDuplicates,
  findLeakage,
  findNearDuplicates,
  type LabeledImages,
  loadDataset,
  selectClasses,
  summarize,
} from "../../lib/data/mod.ts";
import type { DatasetSummary } from "../../lib/data/summary.ts";

/** Options shared by the sub-commands that load a dataset. */
const loadOptions = {
  "data-dir": dataDirOption(
    `Folder holding fer2013/, ferplus/, ckplus48/ (default: $${DATA_DIR_VARIABLE})`,
  ),
  classes: {
    type: "string",
    placeholder: "A,B,...",
    description: "Keep only these classes, relabelled in this order (e.g. happy,neutral,sad; " +
      "default: all)",
  },
  "class-names": {
    type: "string",
    choices: ["canonical", "folder"],
    description:
      "Image folders given by path: map folder names onto the canonical classes, or keep them " +
      "(default: canonical for a folder of split folders, else folder)",
  },
  "skip-bad": {
    type: "boolean",
    description: "Skip bad rows/files (and report them) instead of stopping at the first",
  },
  json: { type: "boolean", description: "Print JSON instead of text" },
} as const;

interface LoadFlags {
  "data-dir"?: string;
  classes?: string;
  "class-names"?: "canonical" | "folder";
  "skip-bad": boolean;
}

async function load(nameOrPath: string, flags: LoadFlags): Promise<LabeledImages> {
  const ds = await loadDataset(nameOrPath, {
    dataDir: flags["data-dir"],
    naming: flags["class-names"],
    skipBadRows: flags["skip-bad"],
    onSkipped: (report) => console.error(`warning: ${describeSkipped(report)}`),
  });
  if (!flags.classes) return ds;
  return selectClasses(ds, flags.classes.split(",").map((name) => name.trim()));
}

const info = defineCommand({
  name: "info",
  summary: "Counts per split and class, duplicates, leakage and mean/std of a dataset",
  args: "<dataset|path>",
  minPositionals: 1,
  maxPositionals: 1,
  options: loadOptions,
  details: [
    `Datasets: ${DATASETS.map((d) => d.name).join(", ")}, or a path to a FER2013-format CSV`,
    "(plain or .gz) or a class-per-folder image directory.",
    "",
    "Examples:",
    "  fer data info fer2013 --json",
    "  fer data info ckplus48",
    "  fer data info fer2013 --classes happy,neutral,sad",
  ].join("\n"),
  async run({ options, positionals }) {
    const summary = summarize(await load(positionals[0], options));
    console.log(options.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
  },
});

/** The text form of `fer data info`. */
export function formatSummary(summary: DatasetSummary): string {
  const { image, duplicates } = summary;
  const classes = summary.classNames;
  const rows = [
    ["split", "total", ...classes],
    ...Object.entries(summary.splits).map(([name, counts]) => [
      name,
      String(counts.total),
      ...classes.map((c) => String(counts.classes[c])),
    ]),
  ];
  if (Object.keys(summary.splits).length > 1) {
    rows.push([
      "all",
      String(summary.total.total),
      ...classes.map((c) => String(summary.total.classes[c])),
    ]);
  }
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
  const table = rows.map((row) =>
    row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col])))
      .join("  ")
  );
  const stats = Object.entries(summary.meanStd).map(([name, { mean, std }]) =>
    `${name} ${mean.map((m) => m.toFixed(4)).join(",")} / ${std.map((s) => s.toFixed(4)).join(",")}`
  );
  return [
    `${summary.dataset}: ${summary.total.total} images, ${image.height}×${image.width}×` +
    `${image.channels}, ${classes.length} classes` +
    (summary.groups === undefined ? "" : `, ${summary.groups} subjects (groups)`),
    "",
    ...table,
    "",
    `exact duplicates: ${duplicates.groups} groups covering ${duplicates.images} images ` +
    `(${duplicates.distinct} distinct images); ${duplicates.conflictingLabels} groups have ` +
    `conflicting labels`,
    ...(duplicates.leakageGroups === undefined ? [] : [
      `leakage: ${duplicates.leakageGroups} groups of identical images in more than one split`,
    ]),
    `mean / std (0..1): ${stats.join("; ")}`,
  ].join("\n");
}

const check = defineCommand({
  name: "check",
  summary: "Validate a FER2013 CSV, FER+ vote file or image folder; exit 1 at the first bad row",
  args: "<file-or-folder>",
  minPositionals: 1,
  maxPositionals: 1,
  options: {
    all: { type: "boolean", description: "Report every bad row/file instead of the first" },
  },
  async run({ options, positionals }) {
    const result = await checkData(positionals[0], options.all);
    if (result.bad.length > 0) {
      const report = { source: result.path, skipped: result.bad };
      console.error(`error: ${describeSkipped(report, 20, "found")}`);
      return 1;
    }
    console.log(`ok: ${result.path}: ${result.description}`);
  },
});

const duplicates = defineCommand({
  name: "duplicates",
  summary: "Exact and near-duplicate images and train/test leakage of a dataset",
  args: "<dataset|path>",
  minPositionals: 1,
  maxPositionals: 1,
  options: {
    ...loadOptions,
    threshold: {
      type: "number",
      min: 0,
      max: 1,
      default: 0.95,
      description: "Near-duplicate similarity, 1 - mean|a-b|/255 (1 = identical)",
    },
    show: { type: "integer", min: 0, default: 10, description: "Near-duplicate pairs to list" },
  },
  async run({ options, positionals }) {
    const ds = await load(positionals[0], options);
    const exact = findExactDuplicates(ds);
    const leakage = ds.usage ? findLeakage(ds, ds.usage, exact).length : undefined;
    const started = performance.now();
    const near = findNearDuplicates(ds, options.threshold);
    const seconds = (performance.now() - started) / 1000;
    const inGroups = near.groups.reduce((n, g) => n + g.length, 0);
    const report = {
      dataset: ds.name,
      images: ds.count,
      exact: { groups: exact.length, images: exact.reduce((n, g) => n + g.length, 0) },
      leakageGroups: leakage,
      near: {
        threshold: options.threshold,
        pairs: near.pairs.length,
        groups: near.groups.length,
        images: inGroups,
        // images dropped when keeping one image per group (dropDuplicates)
        dropped: inGroups - near.groups.length,
        crossLabelPairs: near.pairs.filter((p) => ds.labels[p.a] !== ds.labels[p.b]).length,
        seconds: Number(seconds.toFixed(2)),
      },
    };
    if (options.json) {
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    const where = (i: number) => ds.origins?.[i] ?? `#${i}`;
    console.log([
      `${ds.name}: ${ds.count} images`,
      `exact duplicates: ${report.exact.groups} groups covering ${report.exact.images} images`,
      ...(leakage === undefined ? [] : [`leakage: ${leakage} groups span more than one split`]),
      `near-duplicates at similarity >= ${options.threshold}: ${near.pairs.length} pairs in ` +
      `${near.groups.length} groups covering ${inGroups} images; keeping one per group drops ` +
      `${report.near.dropped}; ${report.near.crossLabelPairs} pairs have different labels ` +
      `(${near.comparedPairs} full comparisons, ${seconds.toFixed(2)} s)`,
      ...near.pairs.slice(0, options.show).map((p) =>
        `  ${p.similarity.toFixed(4)}  ${where(p.a)} (${ds.classNames[ds.labels[p.a]]})  ` +
        `${where(p.b)} (${ds.classNames[ds.labels[p.b]]})`
      ),
    ].join("\n"));
  },
});

const list = defineCommand({
  name: "list",
  summary: "The datasets known by name, with citation, source and default protocol",
  maxPositionals: 0,
  options: { json: { type: "boolean", description: "Print JSON instead of text" } },
  run({ options }) {
    const entries = DATASETS.map((d) => ({
      name: d.name,
      description: d.description,
      citation: d.citation,
      source: d.source,
      files: d.files,
      classes: d.classNames,
      defaultProtocol: d.defaultProtocol,
    }));
    if (options.json) {
      console.log(JSON.stringify(entries, null, 2));
      return;
    }
    console.log(
      DATASETS.map((d) =>
        [
          `${d.name}: ${d.description}`,
          `  classes: ${d.classNames.join(", ")}`,
          `  protocol: ${describeProtocol(d.defaultProtocol)}`,
          `  files: $${DATA_DIR_VARIABLE}/${d.files.join(` or $${DATA_DIR_VARIABLE}/`)}`,
          `  source: ${d.source}`,
          `  cite: ${d.citation}`,
        ].join("\n")
      ).join("\n\n"),
    );
  },
});

/** The `fer data` command group. */
export const dataCommand: CommandGroup = {
  name: "data",
  summary: "Inspect and validate datasets: info, check, duplicates, list",
  subcommands: [info, check, duplicates, list],
};
