import assert from "node:assert/strict";
import { defineCommand, dispatch, helpText, parseCommandLine } from "../cli/args.ts";
import { UsageError } from "../lib/errors.ts";

const demo = defineCommand({
  name: "demo",
  summary: "A demo command",
  args: "<thing>",
  minPositionals: 1,
  maxPositionals: 1,
  options: {
    epochs: { type: "integer", default: 3, description: "Epochs to train" },
    lr: { type: "number", description: "Learning rate" },
    batch: { type: "integer", min: 1, max: 512, description: "Batch size" },
    backend: { type: "string", choices: ["cpu", "wasm"], default: "wasm", description: "Backend" },
    quiet: { type: "boolean", description: "Print less" },
  },
  run: () => 0,
});

Deno.test("options get their defaults, types and values", () => {
  const parsed = parseCommandLine(demo, ["x", "--lr", "0.01", "--quiet"]);
  assert.deepEqual(parsed.positionals, ["x"]);
  assert.equal(parsed.options.epochs, 3);
  assert.equal(parsed.options.lr, 0.01);
  assert.equal(parsed.options.backend, "wasm");
  assert.equal(parsed.options.quiet, true);
});

Deno.test("an unknown option lists the valid ones", () => {
  assert.throws(
    () => parseCommandLine(demo, ["x", "--epoch", "2"]),
    (e: unknown) =>
      e instanceof UsageError && /--epoch/.test(e.message) && /--epochs, --lr/.test(e.message),
  );
});

Deno.test("a bad choice or number is a usage error naming the valid choices", () => {
  assert.throws(
    () => parseCommandLine(demo, ["x", "--backend", "gpu"]),
    /Valid choices: cpu, wasm/,
  );
  assert.throws(() => parseCommandLine(demo, ["x", "--epochs", "2.5"]), /expects an integer/);
  assert.throws(() => parseCommandLine(demo, ["x", "--lr", "fast"]), /expects a number/);
  assert.throws(
    () => parseCommandLine(demo, ["x", "--batch", "0"]),
    /--batch must be between 1 and 512, got 0/,
  );
  // parseArgs' whole explanation of a value that starts with a dash, not its first line only.
  // A negative value after the option is its value (parseArgs alone calls it ambiguous).
  assert.equal(parseCommandLine(demo, ["x", "--epochs", "-1"]).options.epochs, -1);
  assert.throws(
    () => parseCommandLine(demo, ["x", "--batch", "-1"]),
    /--batch must be between 1 and 512, got -1/,
  );
});

Deno.test("missing and extra positionals are usage errors", () => {
  assert.throws(() => parseCommandLine(demo, []), /needs <thing>/);
  assert.throws(() => parseCommandLine(demo, ["a", "b"]), /unexpected arguments: b/);
});

Deno.test("help lists every option with its default", () => {
  const text = helpText(demo, ["fer"]);
  assert.match(text, /Usage: fer demo <thing> \[options\]/);
  assert.match(text, /--epochs INTEGER\s+Epochs to train \(default: 3\)/);
  assert.match(text, /--backend cpu\|wasm\s+Backend \(default: wasm\)/);
});

Deno.test("an unknown sub-command lists the valid ones", async () => {
  const group = { name: "fer", summary: "", subcommands: [demo] };
  await assert.rejects(
    () => dispatch(group, ["demx"]),
    /unknown command 'demx'.*Valid choices: demo/,
  );
});

Deno.test("an option for another program takes a value that starts with a dash", () => {
  const wrapper = defineCommand({
    name: "wrap",
    summary: "Passes options on",
    options: {
      extra: { type: "string", dashValue: true, description: "Options for the other program" },
      quiet: { type: "boolean", description: "Print less" },
    },
    run: () => 0,
  });
  const parsed = parseCommandLine(wrapper, ["--extra", "--gres=gpu:1 -p gpu", "--quiet"]);
  assert.equal(parsed.options.extra, "--gres=gpu:1 -p gpu");
  assert.equal(parsed.options.quiet, true);
  assert.equal(parseCommandLine(wrapper, ["--extra=-x"]).options.extra, "-x");
});
