/**
 * `fer bench expression-libs`: our expression model against the expression models shipped in npm
 * packages (face-api's faceExpressionNet, human's emotion model) on FER2013 PrivateTest, with the
 * same metric code. The table goes to docs/COMPARISON.md.
 */
import { defineCommand } from "../args.ts";
import { backendOption, dataDirOption, modelOption } from "../options.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import { DATA_DIR_VARIABLE } from "../../lib/data/mod.ts";
import { compareExpressionModels, expressionComparisonTable } from "../../lib/predict/mod.ts";

/** The `fer bench expression-libs` command. */
export const benchExpressionCommand = defineCommand({
  name: "expression-libs",
  summary: "Compare our model with npm expression models (face-api, human) on FER2013 PrivateTest",
  maxPositionals: 0,
  options: {
    model: modelOption("Our model: a run folder, a model folder, or 'default'"),
    limit: {
      type: "integer",
      min: 1,
      placeholder: "N",
      description: "At most N PrivateTest images, a stratified sample (default: all 3589)",
    },
    "data-dir": dataDirOption(`Data folder (default: $${DATA_DIR_VARIABLE})`),
    backend: { ...backendOption("Compute backend (all models run on it)"), default: "auto" },
    json: { type: "boolean", description: "Print JSON instead of the Markdown table" },
  },
  async run({ options }) {
    const backend = await initBackend(options.backend);
    console.error(`Backend: ${backend.description}`);
    const comparison = await compareExpressionModels({
      model: options.model,
      limit: options.limit,
      dataDir: options["data-dir"],
      log: (line) => console.error(line),
    });
    if (options.json) {
      console.log(JSON.stringify({ backend: backend.description, ...comparison }, null, 2));
      return 0;
    }
    console.log(
      `FER2013 ${comparison.split}, ${comparison.count} images, backend ${backend.description}\n`,
    );
    console.log(expressionComparisonTable(comparison));
    return 0;
  },
});
