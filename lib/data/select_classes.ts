/** Class subsets (e.g. the happy/neutral/sad study) and class renaming or merging. */
import { UsageError } from "../errors.ts";
import { indicesWhere, subset } from "./subset.ts";
import type { LabeledImages } from "./types.ts";

/**
 * Keeps the images of the classes `names` and relabels them 0..names.length-1 in the given order:
 * selectClasses(ds, ["happy", "neutral", "sad"]) gives happy 0, neutral 1, sad 2. Soft labels keep
 * the chosen columns, renormalised to sum to 1.
 */
export function selectClasses(ds: LabeledImages, names: readonly string[]): LabeledImages {
  const old = names.map((name) => classIndex(ds, name));
  const repeated = names.find((_, i) => old.indexOf(old[i]) !== i);
  if (repeated !== undefined) throw new UsageError(`class '${repeated}' is listed twice`);
  const newLabel = new Int16Array(ds.classNames.length).fill(-1);
  old.forEach((oldIndex, newIndex) => newLabel[oldIndex] = newIndex);
  const kept = subset(ds, indicesWhere(ds, (i) => newLabel[ds.labels[i]] >= 0));
  return {
    ...kept,
    classNames: names.map((name) => name.toLowerCase()),
    labels: kept.labels.map((label) => newLabel[label]),
    softLabels: kept.softLabels &&
      remapSoftLabels(kept.softLabels, ds.classNames.length, old.map((c) => [c])),
  };
}

/**
 * Renames classes; classes renamed to the same name are merged (their soft labels summed). Classes
 * not in `mapping` keep their names. The new class order is that of first appearance.
 */
export function renameClasses(
  ds: LabeledImages,
  mapping: Readonly<Record<string, string>>,
): LabeledImages {
  for (const from of Object.keys(mapping)) classIndex(ds, from);
  const renamed = ds.classNames.map((name) => (mapping[name] ?? name).toLowerCase());
  const classNames = [...new Set(renamed)];
  const newLabel = renamed.map((name) => classNames.indexOf(name));
  const sources = classNames.map((name) =>
    renamed.flatMap((other, oldIndex) => (other === name ? [oldIndex] : []))
  );
  return {
    ...ds,
    classNames,
    labels: ds.labels.map((label) => newLabel[label]),
    softLabels: ds.softLabels && remapSoftLabels(ds.softLabels, ds.classNames.length, sources),
  };
}

/** The index of class `name` in `ds`; a UsageError listing the classes when there is none. */
export function classIndex(ds: LabeledImages, name: string): number {
  const index = ds.classNames.indexOf(name.toLowerCase());
  if (index < 0) {
    throw new UsageError(
      `${ds.name} has no class '${name}'. Its classes: ${ds.classNames.join(", ")}`,
    );
  }
  return index;
}

/** New soft-label rows: column j sums old columns `sources[j]`, then each row is renormalised. */
function remapSoftLabels(
  soft: Float32Array,
  oldClasses: number,
  sources: readonly (readonly number[])[],
): Float32Array {
  const rows = soft.length / oldClasses;
  const out = new Float32Array(rows * sources.length);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    sources.forEach((columns, j) => {
      let sum = 0;
      for (const c of columns) sum += soft[r * oldClasses + c];
      out[r * sources.length + j] = sum;
      total += sum;
    });
    if (total > 0) {
      for (let j = 0; j < sources.length; j++) out[r * sources.length + j] /= total;
    }
  }
  return out;
}
