/**
 * The single-file bundle: tools/build.ts builds it (into a scratch folder under dist/, since it
 * resolves imagescript through the repository's node_modules), and the bundle runs the CLI.
 */
import assert from "node:assert/strict";
import { buildBinary, buildBundle } from "../tools/build.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function deno(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: "/",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test("the bundle (and, with a runtime to hand, the binary) runs the CLI from any folder", async () => {
  await Deno.mkdir(`${ROOT}dist`, { recursive: true });
  const outDir = await Deno.makeTempDir({ dir: `${ROOT}dist`, prefix: ".test-bundle-" });
  try {
    const bundle = await buildBundle(outDir);
    assert.ok(Deno.statSync(`${outDir}/pthread_worker.cjs`).isFile);

    const help = await deno("run", "-A", bundle, "--help");
    assert.equal(help.code, 0, help.stderr);
    for (const command of ["train", "eval", "predict", "models", "bench"]) {
      assert.match(help.stdout, new RegExp(`^  ${command} `, "m"));
    }

    const models = await deno("run", "-A", bundle, "models", "--json");
    assert.equal(models.code, 0, models.stderr);
    const list = JSON.parse(models.stdout) as { name: string; params: number }[];
    assert.ok(list.some((m) => m.name === "resnet18" && m.params > 11_000_000));

    // The single-file binary where deno compile can get its runtime; else it says why not.
    const printed: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => printed.push(args.join(" "));
    let binary: string | undefined;
    try {
      binary = await buildBinary(bundle, outDir);
    } finally {
      console.log = log;
    }
    if (binary === undefined) {
      assert.match(printed.join("\n"), /compile: skipped: .*denort.*could not download it/);
      console.log(printed.join("\n"));
    } else {
      const run = await new Deno.Command(binary, { args: ["models", "--json"], cwd: "/" }).output();
      assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
      assert.match(new TextDecoder().decode(run.stdout), /"resnet18"/);
    }
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
