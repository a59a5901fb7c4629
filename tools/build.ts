/**
 * Builds the single-file forms of `fer`:
 *
 * - `bundle`: dist/fer.js, one JavaScript file with our code and tfjs inlined, run as
 *   `deno run -A dist/fer.js ...`. imagescript stays an import (it picks native or wasm codecs
 *   from its own folder at run time), and the threaded wasm backend's worker script is copied
 *   beside the bundle, so dist/fer.js runs inside a checkout whose node_modules is installed.
 * - `compile`: dist/fer, a self-contained executable made from the bundle plus the files it reads
 *   at run time (imagescript, tfjs wasm binaries, BlazeFace weights, the label font, the default
 *   model when present). `deno compile` needs Deno's `denort` runtime, which it downloads from
 *   dl.deno.land; our machines cannot reach it and no npm package ships it, so this step runs only
 *   when DENORT_BIN names a denort binary (or Deno's cache already holds one) and otherwise says
 *   that it skipped and why.
 *
 * Usage: deno run -A tools/build.ts bundle|compile|all [--out-dir DIR]
 */
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname ?? ".", "..");
const ENTRY = join(ROOT, "cli/main.ts");
const WORKER_SCRIPT = join(ROOT, "lib/backend/wasm/pthread_worker.cjs");
/** npm packages the bundle imports at run time instead of inlining (see the header). */
const EXTERNAL_PACKAGES = ["imagescript"];

/** Files and folders a compiled binary reads at run time, relative to the repository root. */
const RUNTIME_FILES = [
  "node_modules/imagescript",
  "node_modules/@tensorflow/tfjs-backend-wasm/package.json",
  "node_modules/@tensorflow/tfjs-backend-wasm/wasm-out",
  "node_modules/@vladmandic/human/models/blazeface.json",
  "node_modules/@vladmandic/human/models/blazeface.bin",
  "node_modules/dejavu-fonts-ttf/ttf",
  "node_modules/@resvg/resvg-wasm",
  "models/default",
];

async function run(args: string[]): Promise<void> {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`deno ${args[0]} failed with status ${code}`);
}

/** Builds `<outDir>/fer.js` and copies the wasm worker script beside it. Returns the bundle path. */
export async function buildBundle(outDir: string): Promise<string> {
  const output = join(outDir, "fer.js");
  await Deno.mkdir(outDir, { recursive: true });
  await run([
    "bundle",
    "--quiet",
    "--platform",
    "deno",
    ...EXTERNAL_PACKAGES.flatMap((name) => ["--external", name]),
    "--output",
    output,
    ENTRY,
  ]);
  // lib/backend/wasm/threaded_module.ts starts workers from "./pthread_worker.cjs" next to itself.
  await Deno.copyFile(WORKER_SCRIPT, join(outDir, "pthread_worker.cjs"));
  console.log(`bundle: ${relative(ROOT, output) || output} (${sizeOf(output)})`);
  return output;
}

function sizeOf(path: string): string {
  return `${(Deno.statSync(path).size / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Compiles `bundle` into `<outDir>/fer` with the runtime files embedded. Returns the binary's
 * path, or undefined after printing why it skipped: `deno compile` downloads Deno's denort runtime
 * (unless DENORT_BIN names one or its cache holds one), and where that download fails, as on
 * machines without internet access, there is nothing to build with.
 */
export async function buildBinary(bundle: string, outDir: string): Promise<string | undefined> {
  const denortBin = Deno.env.get("DENORT_BIN");
  if (denortBin && !existsSync(denortBin)) {
    throw new Error(`DENORT_BIN=${denortBin} does not exist`);
  }
  const output = join(outDir, "fer");
  const includes = RUNTIME_FILES.filter((path) => existsSync(join(ROOT, path)));
  const compiled = await new Deno.Command(Deno.execPath(), {
    cwd: ROOT,
    stdout: "inherit",
    stderr: "piped",
    args: [
      "compile",
      "--no-check",
      "-A",
      ...includes.flatMap((path) => ["--include", path]),
      "--include",
      relative(ROOT, join(outDir, "pthread_worker.cjs")),
      ...unusedNodeModules(includes).flatMap((path) => ["--exclude", path]),
      "--output",
      output,
      bundle,
    ],
  }).output();
  const stderr = new TextDecoder().decode(compiled.stderr);
  if (compiled.code !== 0) {
    const download = stderr.match(/error sending request for url \((\S+denort\S+)\)[^\n]*/);
    if (download && !denortBin) {
      console.log(
        `compile: skipped: 'deno compile' needs Deno's denort runtime (v${Deno.version.deno}) ` +
          `and could not download it (${download[0]}). Set DENORT_BIN to a denort binary (from ` +
          "the Deno release's denort-<target>.zip) and run again.",
      );
      return undefined;
    }
    console.error(stderr);
    throw new Error(`deno compile failed with status ${compiled.code}`);
  }
  console.log(`compile: ${relative(ROOT, output) || output} (${sizeOf(output)})`);
  return output;
}

/**
 * Every node_modules folder the binary does not need. `deno compile` embeds the whole
 * node_modules of a manual-node_modules project (about 400 MiB here), though the bundle inlines
 * everything but RUNTIME_FILES.
 */
function unusedNodeModules(includes: readonly string[]): string[] {
  const excluded: string[] = ["tools/deno/node_modules"];
  const visit = (folder: string) => {
    for (const entry of Deno.readDirSync(join(ROOT, folder))) {
      const path = `${folder}/${entry.name}`;
      const needed = includes.some((keep) => keep === path || keep.startsWith(`${path}/`));
      const inside = includes.some((keep) => path.startsWith(`${keep}/`));
      if (inside) continue;
      if (!needed) excluded.push(path);
      else if (entry.isDirectory && !includes.includes(path)) visit(path);
    }
  };
  visit("node_modules");
  return excluded;
}

if (import.meta.main) {
  const [target = "all", ...rest] = Deno.args;
  const outIndex = rest.indexOf("--out-dir");
  const outDir = resolve(outIndex >= 0 ? rest[outIndex + 1] : join(ROOT, "dist"));
  if (!["bundle", "compile", "all"].includes(target)) {
    console.error("usage: deno run -A tools/build.ts bundle|compile|all [--out-dir DIR]");
    Deno.exit(2);
  }
  if (relative(ROOT, outDir).startsWith("..")) {
    // The bundle finds imagescript through the repository's package.json and node_modules.
    console.error(`--out-dir must be inside the repository (${ROOT}), got ${outDir}`);
    Deno.exit(2);
  }
  const bundle = await buildBundle(outDir);
  if (target !== "bundle") await buildBinary(bundle, outDir);
}
