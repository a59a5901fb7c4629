/** `fer export <run> <dir>`: a finished run's model as a self-contained model folder. */
import { defineCommand } from "../args.ts";
import { exportRunModel } from "../../lib/train/export.ts";

export const exportCommand = defineCommand({
  name: "export",
  summary: "Package a finished run's model as a model folder with card.json (e.g. models/default)",
  args: "<run> <dir>",
  minPositionals: 2,
  maxPositionals: 2,
  options: {
    force: { type: "boolean", description: "Replace a model already in DIR" },
    float16: {
      type: "boolean",
      description: "Store float16 weights (half the size); the card's test scores are re-measured",
    },
    tta: {
      type: "string",
      choices: ["flip", "tencrop"] as const,
      description: "TTA scores for the card (default: the run's own; another needs " +
        "'fer eval <run> --split PrivateTest --tta X' first)",
    },
  },
  details: "Example:\n  fer export runs/mondal-improved-fer2013-20261124-230500 models/default",
  async run({ options, positionals }) {
    const exported = await exportRunModel(positionals[0], positionals[1], {
      force: options.force,
      tta: options.tta,
      float16: options.float16,
    });
    type Score = { split: string; accuracy: number; tta: string };
    const { test, testWithTta } = exported.card as { test: Score; testWithTta?: Score };
    const withTta = testWithTta
      ? `, ${testWithTta.accuracy.toFixed(4)} with ${testWithTta.tta} TTA`
      : "";
    console.log(
      `Wrote ${exported.dir} (${(exported.bytes / 2 ** 20).toFixed(1)} MiB): ${test.split} ` +
        `accuracy ${test.accuracy.toFixed(4)} without TTA${withTta}; card.json says how to ` +
        "reproduce it",
    );
  },
});
