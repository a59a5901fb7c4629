/**
 * A saved model's card: torchvision-style weight metadata stored with the weights (model.json's
 * userDefinedMetadata), saying what the weights are, how good they are and how they came to be:
 * the training (or average of trainings) that made them, and every step behind it. Every field is
 * optional: cards of models saved before a field existed lack it.
 */

/** A model's score on one split, as its card gives it. */
export interface CardScore {
  readonly split: string;
  readonly tta: string;
  readonly count: number;
  readonly accuracy: number;
  readonly macroF1: number;
}

/**
 * What a model started with --init-from (or averaged) owes to a source run, from that run's card:
 * without it a card would show only the last of the trainings that made its weights (a warm
 * restart of a 24-epoch run would claim 12 epochs). Chains through the source's own source.
 */
export interface Provenance {
  /** The --init-from argument (or the averaged run's folder). */
  readonly run: string;
  readonly architecture?: string;
  readonly dataset?: string;
  readonly command?: string;
  readonly resumedWith?: readonly string[];
  readonly epochsRun?: number;
  readonly trainingSeconds?: number;
  readonly machine?: string;
  readonly validation?: CardScore;
  /** Its test score: recorded for a teacher (`distilledFrom`), for readers of the card. */
  readonly test?: CardScore;
  readonly initialisedFrom?: Provenance;
  /** The runs a `fer average` model is the mean of. */
  readonly averagedFrom?: readonly Provenance[];
  /** The runs a greedy soup (`fer average --greedy`) tried and left out: its command names them. */
  readonly triedAndLeftOut?: readonly Provenance[];
  /** The teachers a training distilled from (`fer train --teacher`). */
  readonly distilledFrom?: readonly Provenance[];
}

/**
 * The card saveModel stores with a model: the fields below, and whatever else its maker adds
 * (`fer export`'s card.json adds how to reproduce it).
 */
export interface ModelCard extends Partial<Provenance> {
  readonly [field: string]: unknown;
  /** Class names in output order. */
  readonly classNames?: readonly string[];
  readonly params?: number;
  readonly trainableParams?: number;
  readonly macs?: number;
  /** The split protocol, in words. */
  readonly split?: string;
  /** Where it ran: the backend's description and the precision that ran. */
  readonly backend?: string;
  readonly precision?: string;
  readonly seed?: number;
  /** The run config (lib/train's RunConfig) that made it: enough to repeat it. */
  readonly recipe?: Readonly<Record<string, unknown>>;
  readonly test?: CardScore;
  readonly testWithTta?: CardScore;
  /** Of a training: the epoch kept (1-based), and what selected it. */
  readonly bestEpoch?: number;
  readonly selectedBy?: string;
  /** Set when a time limit ended the training early: where it stopped. */
  readonly timeLimitReached?: string;
  /** Of an average: the images its BatchNorm statistics were measured again on. */
  readonly batchNormRecomputedOn?: {
    readonly split: string;
    readonly images: number;
    readonly augmentation: string;
  };
}

const PROVENANCE_FIELDS = [
  "architecture",
  "dataset",
  "command",
  "resumedWith",
  "epochsRun",
  "trainingSeconds",
  "machine",
  "validation",
  "initialisedFrom",
  "averagedFrom",
  "triedAndLeftOut",
  "distilledFrom",
] as const satisfies readonly (keyof Provenance)[];

/** The provenance of the model saved by `run`, from its card. */
export function provenanceOf(run: string, card: ModelCard): Provenance {
  const fields = PROVENANCE_FIELDS.filter((key) => key in card);
  return { run, ...Object.fromEntries(fields.map((key) => [key, card[key]])) };
}

/**
 * Every step behind `sources` (trainings, and averages of them), through their sources and
 * ingredients, oldest first and each once, however many of them share it (the cycles of a
 * warm-restart chain all go back to the first).
 */
export function stepsBehind(sources: readonly Provenance[]): Provenance[] {
  const found = new Map<string, Provenance>();
  const visit = (source: Provenance) => {
    directSources(source).forEach(visit);
    const key = stepKey(source);
    if (!found.has(key)) found.set(key, source);
  };
  sources.forEach(visit);
  return [...found.values()];
}

/**
 * `card` with every step behind it that an earlier part already gives in full (in the order
 * `stepsBehind` walks them) cut down to its run and command, so that a card names each step once.
 * Without this, the cycles of a chain restarted from a soup would each repeat the soup and every
 * cycle it tried, in full (the card of a soup of twenty such cycles took 1.4 MB). `stepsBehind`
 * reads the compact form the same, since it meets the full step first.
 */
export function compactProvenance<T extends Partial<Provenance>>(card: T): T {
  const given = new Set<string>();
  const compactSources = <S extends Partial<Provenance>>(step: S): S => {
    const { averagedFrom, triedAndLeftOut, initialisedFrom, distilledFrom } = step;
    return {
      ...step,
      ...(averagedFrom ? { averagedFrom: averagedFrom.map(compact) } : {}),
      ...(triedAndLeftOut ? { triedAndLeftOut: triedAndLeftOut.map(compact) } : {}),
      ...(initialisedFrom ? { initialisedFrom: compact(initialisedFrom) } : {}),
      ...(distilledFrom ? { distilledFrom: distilledFrom.map(compact) } : {}),
    };
  };
  const compact = (step: Provenance): Provenance => {
    const key = stepKey(step);
    if (given.has(key)) return { run: step.run, command: step.command };
    given.add(key);
    return compactSources(step);
  };
  return compactSources(card);
}

/** What makes two provenance entries the same step. */
function stepKey(step: Provenance): string {
  return step.command ?? step.run;
}

/**
 * The steps whose output `step`'s command reads: the runs it averaged or tried, its start, or its
 * teachers.
 */
export function directSources(
  step: Pick<Provenance, "averagedFrom" | "triedAndLeftOut" | "initialisedFrom" | "distilledFrom">,
): Provenance[] {
  return [
    ...step.averagedFrom ?? [],
    ...step.triedAndLeftOut ?? [],
    ...step.initialisedFrom ? [step.initialisedFrom] : [],
    ...step.distilledFrom ?? [],
  ];
}
