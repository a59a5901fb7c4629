/**
 * `fer bench data`: how fast the data layer reads FER2013 (streamed, gunzipped CSV) and finds its
 * near-duplicates. The figures go to docs/BENCHMARKS.md, "## Data".
 */
import { join } from "node:path";
import { defineCommand } from "../args.ts";
import { dataDirOption } from "../options.ts";
import { FerError } from "../../lib/errors.ts";
import { median } from "../../lib/backend/mod.ts";
import {
  DATA_DIR_VARIABLE,
  dataDir,
  findNearDuplicates,
  loadFer2013Csv,
  selectClasses,
} from "../../lib/data/mod.ts";

/** One measured step: `items` processed per run, and each run's seconds. */
interface Measurement {
  readonly name: string;
  items: number;
  readonly unit: string;
  readonly seconds: number[];
}

/** The `fer bench data` command. */
export const benchDataCommand = defineCommand({
  name: "data",
  summary: "Time parsing FER2013 (.csv.gz) and its near-duplicate search",
  maxPositionals: 0,
  options: {
    file: {
      type: "string",
      placeholder: "PATH",
      description: `FER2013 CSV to parse (default: $${DATA_DIR_VARIABLE}/fer2013/fer2013.csv.gz)`,
    },
    "data-dir": dataDirOption(`Data folder (default: $${DATA_DIR_VARIABLE})`),
    repeat: {
      type: "integer",
      min: 1,
      default: 3,
      description: "Runs per step; the median is reported",
    },
    "skip-dedupe": {
      type: "boolean",
      description: "Skip timing the near-duplicate search (happy/neutral/sad, similarity 0.95)",
    },
    json: { type: "boolean", description: "Print JSON instead of text" },
  },
  async run({ options }) {
    const file = options.file ?? defaultFile(options["data-dir"]);
    if (options.repeat < 1) throw new FerError("--repeat must be at least 1");
    const measurements: Measurement[] = [];
    const parse: Measurement = { name: "parse fer2013 CSV", items: 0, unit: "rows", seconds: [] };
    measurements.push(parse);
    let ds;
    for (let run = 0; run < options.repeat; run++) {
      const started = performance.now();
      ds = await loadFer2013Csv(file);
      parse.seconds.push((performance.now() - started) / 1000);
      parse.items = ds.count;
    }
    if (!options["skip-dedupe"] && ds) {
      const hns = selectClasses(ds, ["happy", "neutral", "sad"]);
      const dedupe: Measurement = {
        name: "near-duplicates, happy/neutral/sad, similarity >= 0.95",
        items: hns.count,
        unit: "images",
        seconds: [],
      };
      for (let run = 0; run < options.repeat; run++) {
        const started = performance.now();
        findNearDuplicates(hns, 0.95);
        dedupe.seconds.push((performance.now() - started) / 1000);
      }
      measurements.push(dedupe);
    }
    const machine = describeMachine();
    const results = measurements.map((m) => {
      const seconds = median(m.seconds);
      return {
        name: m.name,
        [m.unit]: m.items,
        seconds: round(seconds, 3),
        [`${m.unit}PerSecond`]: Math.round(m.items / seconds),
        runs: m.seconds.map((s) => round(s, 3)),
      };
    });
    if (options.json) {
      console.log(JSON.stringify({ file, machine, results }, null, 2));
      return;
    }
    console.log(`machine: ${machine}\nfile: ${file}`);
    for (const [i, m] of measurements.entries()) {
      const seconds = median(m.seconds);
      console.log(
        `${m.name}: ${m.items} ${m.unit}, ${
          seconds.toFixed(2)
        } s (median of ${m.seconds.length}; ` +
          `runs ${results[i].runs.join(", ")}), ${Math.round(m.items / seconds)} ${m.unit}/s`,
      );
    }
  },
});

function defaultFile(explicitDir: string | undefined): string {
  const dir = dataDir(explicitDir);
  if (!dir) {
    throw new FerError(
      `no FER2013 file to time: pass --file PATH, --data-dir DIR or set ${DATA_DIR_VARIABLE}`,
    );
  }
  return join(dir, "fer2013", "fer2013.csv.gz");
}

/** "AMD EPYC, 2 cores, Deno 2.9.6": what the figures were measured on. */
function describeMachine(): string {
  let cpu = "unknown CPU";
  try {
    cpu = Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.+)/)?.[1] ?? cpu;
  } catch {
    // Not Linux: the CPU name is informational only.
  }
  return `${cpu.trim()}, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}`;
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
