/**
 * A small seeded generator (sfc32) whose whole state is four numbers, so shuffling and augmentation
 * can be saved in a checkpoint and resumed exactly. `Math.random` is never used for anything that
 * affects results.
 */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** A generator seeded from one integer; equal seeds give equal streams. */
  constructor(seed = 0) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** A generator continuing from a state returned by `state()`. */
  static fromState(state: readonly number[]): Random {
    const random = new Random();
    [random.#a, random.#b, random.#c, random.#d] = state.map((v) => v >>> 0);
    return random;
  }

  /** The four 32-bit words of the state, JSON-safe. */
  state(): number[] {
    return [this.#a, this.#b, this.#c, this.#d];
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform number in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal sample (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /**
   * The log of a Gamma(shape, 1) sample (Marsaglia & Tsang 2000; below shape 1, Gamma(shape + 1)
   * times U^(1/shape), which underflows for small shapes unless kept as a log).
   */
  #logGamma(shape: number): number {
    if (!(shape > 0)) throw new RangeError(`gamma: shape must be > 0, got ${shape}`);
    if (shape < 1) return this.#logGamma(shape + 1) + Math.log(1 - this.next()) / shape;
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.next();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return Math.log(d * v);
    }
  }

  /** A Beta(a, b) sample: X / (X + Y) of X ~ Gamma(a), Y ~ Gamma(b), computed from their logs. */
  beta(a: number, b: number): number {
    const x = this.#logGamma(a);
    const y = this.#logGamma(b);
    return 1 / (1 + Math.exp(y - x));
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}

/**
 * Routes `Math.random` through `random` until the returned function is called. tfjs draws weight
 * initialisers and dropout masks from `Math.random` whenever no explicit seed is given, so this is
 * what makes `--seed` fix them, and what lets a checkpoint save and restore that stream.
 */
export function routeMathRandom(random: Random): () => void {
  const original = Math.random;
  Math.random = () => random.next();
  return () => {
    Math.random = original;
  };
}
