/**
 * `fer compare <run> <run>...`: one table and one plot comparing runs (e.g. a model × optimizer
 * study), printed and written as compare.html + compare.md.
 */
import { defineCommand } from "../args.ts";
import { summarizeRuns, textTable, writeComparison } from "../../lib/report/mod.ts";

export const compareCommand = defineCommand({
  name: "compare",
  summary: "Compare training runs: one table and one plot, as compare.html and compare.md",
  args: "<run> <run> [<run>...]",
  minPositionals: 2,
  options: {
    out: {
      type: "string",
      placeholder: "DIR",
      description: "Folder for compare.html, compare.md and figures/ (default: runs/compare; " +
        "with --json, nothing is written unless --out is given)",
    },
    json: { type: "boolean", description: "Print the run summaries as JSON instead of a table" },
    png: { type: "boolean", description: "Also write the figure as PNG" },
  },
  details: "Example:\n  fer compare runs/*-fer2013-* --out runs/study3",
  async run({ options, positionals }) {
    if (options.json && options.out === undefined) {
      console.log(JSON.stringify(await summarizeRuns(positionals), null, 2));
      return;
    }
    const result = await writeComparison(positionals, options.out ?? "runs/compare", {
      png: options.png,
    });
    if (options.json) {
      console.log(JSON.stringify(result.summaries, null, 2));
      return;
    }
    console.log(textTable(result.table));
    console.log(`\nWrote ${result.html} and ${result.markdown}`);
  },
});
