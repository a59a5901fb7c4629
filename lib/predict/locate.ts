/**
 * Finding files that live beside the code rather than beside the user: the face detector's
 * weights in node_modules and the shipped default model. The code may run from the repository,
 * from a bundle in dist/ or from a compiled binary's embedded file system, so each lookup walks
 * up from the module's folder and from the working directory until the relative path exists.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Folders to search from, nearest first: this module's folder, then the working directory. */
export function searchRoots(): string[] {
  const roots: string[] = [];
  // A module loaded over http (a remote bundle) has no folder to search from.
  if (import.meta.url.startsWith("file:")) roots.push(dirname(fileURLToPath(import.meta.url)));
  roots.push(Deno.cwd());
  return roots;
}

/**
 * The first existing `relative` path found in `start` or any of its parent folders, trying each
 * start folder in turn; undefined when none has it.
 */
export function findUpwards(
  relative: string,
  starts: readonly string[] = searchRoots(),
): string | undefined {
  for (const start of starts) {
    let folder = resolve(start);
    while (true) {
      const candidate = join(folder, relative);
      if (existsSync(candidate)) return candidate;
      const parent = dirname(folder);
      if (parent === folder) break;
      folder = parent;
    }
  }
  return undefined;
}
