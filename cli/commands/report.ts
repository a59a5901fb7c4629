/**
 * `fer report <run>`: report.html (self-contained) and report.md of a training run, with its
 * figures under <run>/figures/. `train` and `eval` call the same `writeReport`.
 */
import { defineCommand } from "../args.ts";
import { backendOption, dataDirOption } from "../options.ts";
import { UsageError } from "../../lib/errors.ts";
import { writeReport } from "../../lib/report/mod.ts";

export const reportCommand = defineCommand({
  name: "report",
  summary: "Write report.html and report.md for a training run (plots, tables, interpretability)",
  args: "<run>",
  minPositionals: 1,
  maxPositionals: 1,
  options: {
    "data-dir": dataDirOption(
      "Where registry datasets live (default: the run's, then $FER_DATA_DIR)",
    ),
    png: { type: "boolean", description: "Also write every figure as PNG under <run>/figures/" },
    "no-tsne": { type: "boolean", description: "Skip the t-SNE map of the test embeddings" },
    "tsne-points": {
      type: "integer",
      min: 1,
      default: 800,
      placeholder: "N",
      description: "At most N test images in the t-SNE map (stratified sample)",
    },
    samples: {
      type: "integer",
      min: 0,
      default: 8,
      placeholder: "N",
      description: "Sample images per class, and right/wrong predictions shown",
    },
    layers: {
      type: "string",
      placeholder: "A,B",
      description: "Layers whose feature maps are shown (default: first, middle, last conv)",
    },
    backend: backendOption("tfjs backend for the model's figures (default: auto, as train)"),
    image: {
      type: "integer",
      min: 0,
      placeholder: "INDEX",
      description: "Test image (row of the test split) for the feature maps (default: the first " +
        "one the model gets right)",
    },
  },
  details: "Sections needing the dataset (data views, sample predictions, t-SNE, feature maps,\n" +
    "saliency) are skipped with a note in the report when it cannot be loaded.\n\n" +
    "Example:\n  fer report runs/mondal-shallow-fer2013-20250101-120000 --png",
  async run({ options, positionals }) {
    for (const name of ["samples", "tsne-points"] as const) {
      if (options[name] < 1) throw new UsageError(`--${name} must be at least 1`);
    }
    const result = await writeReport(positionals[0], {
      dataDir: options["data-dir"],
      png: options.png,
      tsne: !options["no-tsne"],
      tsnePoints: options["tsne-points"],
      samples: options.samples,
      layers: options.layers?.split(",").map((name) => name.trim()).filter((name) => name),
      image: options.image,
      backend: options.backend,
    });
    for (const note of result.notes) console.log(`note: ${note}`);
    console.log(`Wrote ${result.html}`);
    console.log(`Wrote ${result.markdown} (figures: ${result.figureFiles.length} files)`);
  },
});
