/**
 * Knowledge distillation (Hinton et al. 2015) from an ensemble of saved models: the teachers are
 * loaded from run or model folders, checked against the student (classes, input shape), and turn
 * each training batch, as the student sees it, into soft targets: their mean probabilities at
 * temperature T, computed in inference mode and outside the gradient, so a teacher never trains.
 * The loss that uses them is losses.ts's distillationLoss, weighed in step.ts.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { FerError } from "../errors.ts";
import type { Normalization } from "../data/mod.ts";
import type { CropBox } from "../augment/affine.ts";
import { centerCropBox } from "../augment/boxes.ts";
import { normalizationTransform } from "../augment/normalize.ts";
import {
  type CardScore,
  classifierLogits,
  type LoadedModel,
  loadModel,
  type Provenance,
  provenanceOf,
} from "../models/mod.ts";
import type { DistillConfig } from "./config.ts";
import { modelFolder, type RunFolder } from "./run_folder.ts";
import { DISTILL_DEFAULTS } from "./settings.ts";

/** One teacher: its model and how the student's inputs become its own. */
export interface Teacher {
  /** Its folder as the config names it. */
  readonly path: string;
  readonly model: tf.LayersModel;
  /** The centre crop of the student's batch it sees, where its input is smaller. */
  readonly crop?: CropBox;
  /**
   * Per channel, its input = the student's · scale + shift, where the two normalise pixels
   * differently (undefined where they agree).
   */
  readonly renormalize?: { readonly scale: number[]; readonly shift: number[] };
}

/** The teachers of a run and its distillation settings, resolved. */
export interface Distillation {
  readonly teachers: readonly Teacher[];
  readonly weight: number;
  readonly temperature: number;
}

/** What the student is, for the teachers to be checked against. */
export interface StudentShape {
  readonly architecture: string;
  readonly dataset: string;
  readonly inputShape: readonly [number, number, number];
  readonly classNames: readonly string[];
  readonly normalization: Normalization;
}

/** A distillation's teachers loaded, with their provenance for the student's card. */
export interface LoadedTeachers extends Distillation {
  /** Each teacher as the student's card records it (its folder, architecture, scores, recipe). */
  readonly provenance: readonly Provenance[];
  /** SHA-256 of each teacher's weight values: a resumed run checks its teachers did not change. */
  readonly fingerprints: readonly string[];
  /** Lines for the run's log. */
  readonly description: string;
  dispose(): void;
}

/**
 * How inputs normalised by `from` become inputs normalised by `to` (undefined if they agree): with
 * x = pixel·s + b for each, x_to = x_from · s_to/s_from + (b_to − b_from · s_to/s_from).
 */
function renormalization(from: Normalization, to: Normalization, channels: number) {
  const a = normalizationTransform(from, channels);
  const b = normalizationTransform(to, channels);
  const scale = Array.from(a.scale, (s, c) => b.scale[c] / s);
  const shift = Array.from(a.bias, (bias, c) => b.bias[c] - bias * scale[c]);
  if (scale.every((s) => s === 1) && shift.every((t) => t === 0)) return undefined;
  return { scale, shift };
}

const shapeText = (shape: readonly number[]) => shape.join("×");

/** A card's score cut to the fields every card score has. */
function cardScore(score: unknown): CardScore | undefined {
  const s = score as Partial<CardScore> | undefined;
  if (s?.accuracy === undefined) return undefined;
  const { split, tta, count, accuracy, macroF1 } = s as CardScore;
  return { split, tta, count, accuracy, macroF1 };
}

/** Throws a FerError naming the teacher and the student where they do not fit together. */
function checkTeacher(path: string, teacher: LoadedModel, student: StudentShape): void {
  const classNames = teacher.card.classNames;
  const studentText = `the student (${student.architecture} on ${student.dataset})`;
  if (
    classNames ? classNames.join() !== student.classNames.join() : teacher.config.numClasses !==
      student.classNames.length
  ) {
    throw new FerError(
      `teacher ${path} predicts ${
        classNames ? `[${classNames.join(", ")}]` : `${teacher.config.numClasses} classes`
      } but ${studentText} predicts [${student.classNames.join(", ")}]: a teacher must have ` +
        "the student's classes, in the same order",
    );
  }
  const [height, width, channels] = teacher.config.inputShape;
  const [studentHeight, studentWidth, studentChannels] = student.inputShape;
  if (channels !== studentChannels || height > studentHeight || width > studentWidth) {
    throw new FerError(
      `teacher ${path} takes ${shapeText(teacher.config.inputShape)} inputs but ${studentText} ` +
        `takes ${shapeText(student.inputShape)}: a teacher sees the student's batches (their ` +
        "centre crop when its input is smaller), so it needs the same channels and an input no " +
        "larger",
    );
  }
}

/** The centre crop of the student's batch a teacher sees; undefined when its input is the same. */
function teacherCrop(teacher: LoadedModel, student: StudentShape): CropBox | undefined {
  const [height, width] = teacher.config.inputShape;
  const [studentHeight, studentWidth] = student.inputShape;
  return height === studentHeight && width === studentWidth
    ? undefined
    : centerCropBox({ height: studentHeight, width: studentWidth }, { height, width });
}

/**
 * Loads the teachers of `distill` and checks each against `student`; the caller disposes them.
 * A missing folder, or one that does not fit, is a FerError naming it.
 */
export async function loadTeachers(
  distill: DistillConfig,
  student: StudentShape,
): Promise<LoadedTeachers> {
  const loaded: LoadedModel[] = [];
  const dispose = () => loaded.forEach((model) => model.dispose());
  try {
    const teachers: Teacher[] = [];
    const provenance: Provenance[] = [];
    const fingerprints: string[] = [];
    for (const path of distill.teachers) {
      let folder: string;
      try {
        folder = modelFolder(path);
      } catch (error) {
        throw new FerError(`--teacher (distill.teachers) ${path}: ${(error as Error).message}`);
      }
      const teacher = await loadModel(folder);
      loaded.push(teacher);
      checkTeacher(path, teacher, student);
      teachers.push({
        path,
        model: teacher.model,
        crop: teacherCrop(teacher, student),
        renormalize: renormalization(
          student.normalization,
          teacher.config.normalization,
          student.inputShape[2],
        ),
      });
      fingerprints.push(await weightsFingerprint(teacher.model));
      const test = cardScore(teacher.card.test);
      provenance.push({ ...provenanceOf(path, teacher.card), ...(test ? { test } : {}) });
    }
    const weight = distill.weight ?? DISTILL_DEFAULTS.weight;
    const temperature = distill.temperature ?? DISTILL_DEFAULTS.temperature;
    const named = provenance.map((p) => {
      const accuracy = p.validation?.accuracy;
      return `${p.run} (${p.architecture ?? "unknown architecture"}${
        accuracy === undefined ? "" : `, validation accuracy ${accuracy.toFixed(4)}`
      })`;
    });
    return {
      teachers,
      weight,
      temperature,
      provenance,
      fingerprints,
      description: `Distilling from ${named.join(", ")}: weight ${weight}, temperature ` +
        `${temperature}`,
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }
}

/** SHA-256 of a model's weight values in layer order (the values, so any file format agrees). */
async function weightsFingerprint(model: tf.LayersModel): Promise<string> {
  const hash = createHash("sha256");
  for (const weight of model.getWeights()) {
    const values = await weight.data();
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest("hex");
}

/** Each teacher's folder and fingerprint, as a run's teachers.json holds them. */
function fingerprintRecord(teachers: LoadedTeachers) {
  return teachers.teachers.map(({ path }, i) => ({ path, sha256: teachers.fingerprints[i] }));
}

/**
 * Refuses to resume `folder` with teachers other than those it started with (their fingerprints in
 * its teachers.json), whose soft targets would mix two distillations. Reads only: call it before
 * a resume writes anything. A folder without the file (not started yet) passes.
 */
export async function checkTeachersUnchanged(
  folder: RunFolder,
  teachers: LoadedTeachers,
): Promise<void> {
  const path = folder.teachersPath;
  if (!existsSync(path)) return;
  const recorded = await folder.readJson<{ path: string; sha256: string }[]>(path);
  const current = fingerprintRecord(teachers);
  if (recorded.length !== current.length) {
    throw new FerError(
      `${folder.dir} started with ${recorded.length} teacher(s) ` +
        `(${recorded.map((t) => t.path).join(", ")}; ${path}) but this resume has ` +
        `${current.length}: resuming would mix two distillations`,
    );
  }
  for (const [i, teacher] of current.entries()) {
    if (recorded[i].sha256 !== teacher.sha256) {
      throw new FerError(
        `teacher ${teacher.path} is not the one ${folder.dir} started with (its weights' ` +
          `SHA-256 differs from ${path}): resuming would mix two distillations; restore that ` +
          "teacher or start a new run",
      );
    }
  }
}

/** Writes the teachers' fingerprints into `folder` (teachers.json) unless it has them already. */
export async function recordTeachers(folder: RunFolder, teachers: LoadedTeachers): Promise<void> {
  if (!existsSync(folder.teachersPath)) {
    await folder.writeJson(folder.teachersPath, fingerprintRecord(teachers));
  }
}

/**
 * The teachers' mean probabilities at `temperature` for the batch `x` (N×K), in inference mode;
 * computed `chunk` images at a time (the step's micro-batch), so a teacher needs no more memory
 * than the student's step.
 */
export function teacherTargets(
  teachers: readonly Teacher[],
  x: tf.Tensor4D,
  temperature: number,
  chunk = x.shape[0],
): tf.Tensor2D {
  const n = x.shape[0];
  const parts: tf.Tensor2D[] = [];
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    parts.push(tf.tidy(() => {
      const xs = size === n ? x : x.slice(start, size);
      const probabilities = teachers.map((teacher) => {
        const crop = teacher.crop;
        const seen = crop
          ? xs.slice([0, crop.top, crop.left, 0], [size, crop.height, crop.width, -1])
          : xs;
        const input = teacher.renormalize
          ? seen.mul(teacher.renormalize.scale).add(teacher.renormalize.shift) as tf.Tensor4D
          : seen;
        return tf.softmax(classifierLogits(teacher.model)(input, false).div(temperature));
      });
      return (probabilities.length === 1
        ? probabilities[0]
        : tf.addN(probabilities).div(probabilities.length)) as tf.Tensor2D;
    }));
  }
  if (parts.length === 1) return parts[0];
  const whole = tf.concat(parts);
  tf.dispose(parts);
  return whole;
}
