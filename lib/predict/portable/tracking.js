// @ts-check
/**
 * Following faces through a video, as plain JavaScript shared by `fer predict` on videos
 * (lib/predict/video.ts) and the browser page of `fer serve`: each detection joins the track whose
 * last box overlaps it most (IoU, greedy, best pairs first), so a person keeps one id from frame to
 * frame; a track missing from the last frame and unseen for longer than `maxGap` seconds ends (so
 * a slow browser, seconds between frames, still keeps its ids). Each track's class probabilities
 * can be smoothed over time with an exponential moving average whose time constant is `smooth`
 * seconds, which weighs frames by time, not by count, so any frame rate smooths alike.
 */

/** @typedef {{ x: number, y: number, width: number, height: number }} Box */

/**
 * Intersection over union of two boxes (0 when they do not overlap).
 * @param {Box} a
 * @param {Box} b
 * @returns {number}
 */
export function boxIou(a, b) {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const union = a.width * a.height + b.width * b.height - w * h;
  return union > 0 ? (w * h) / union : 0;
}

/**
 * @typedef {object} TrackerOptions
 * @property {number} [minIou] a detection joins a track only when their boxes overlap at least
 *   this much (default 0.3)
 * @property {number} [maxGap] a track missing from the previous frame and unseen for longer than
 *   this many seconds ends (default 1)
 * @property {number} [smooth] time constant of the probability smoothing in seconds; 0 (the
 *   default) leaves probabilities as they are
 */

/**
 * @typedef {object} TrackedFace
 * @property {number} id the track's id: 1, 2, … in order of first appearance
 * @property {Box} box
 * @property {Float32Array} probabilities smoothed when the tracker smooths
 */

export class FaceTracker {
  /** @type {{ id: number, box: Box, seen: number, missed: boolean, probabilities: Float32Array }[]} */
  #tracks = [];
  #nextId = 1;

  /** @param {TrackerOptions} [options] */
  constructor(options = {}) {
    this.minIou = options.minIou ?? 0.3;
    this.maxGap = options.maxGap ?? 1;
    this.smooth = options.smooth ?? 0;
    if (!(this.smooth >= 0)) throw new RangeError(`smooth must be ≥ 0 seconds, got ${this.smooth}`);
  }

  /**
   * Assigns the faces of the frame at `time` seconds to tracks; returns one entry per face, in
   * the order given, with its id and (smoothed) probabilities.
   * @param {number} time
   * @param {{ box: Box, probabilities: ArrayLike<number> }[]} faces
   * @returns {TrackedFace[]}
   */
  update(time, faces) {
    this.#tracks = this.#tracks.filter((track) =>
      !track.missed || time - track.seen <= this.maxGap
    );
    /** @type {[number, number, number][]} */
    const pairs = [];
    faces.forEach((face, f) => {
      this.#tracks.forEach((track, t) => {
        const overlap = boxIou(face.box, track.box);
        if (overlap >= this.minIou) pairs.push([overlap, f, t]);
      });
    });
    pairs.sort((a, b) => b[0] - a[0]);
    /** @type {(number | undefined)[]} */
    const trackOf = new Array(faces.length);
    const taken = new Set();
    for (const [, f, t] of pairs) {
      if (trackOf[f] !== undefined || taken.has(t)) continue;
      trackOf[f] = t;
      taken.add(t);
    }
    this.#tracks.forEach((track, t) => track.missed = !taken.has(t));
    return faces.map((face, f) => {
      const raw = Float32Array.from(face.probabilities);
      const t = trackOf[f];
      if (t === undefined) {
        const track = {
          id: this.#nextId++,
          box: face.box,
          seen: time,
          missed: false,
          probabilities: raw,
        };
        this.#tracks.push(track);
        return { id: track.id, box: face.box, probabilities: Float32Array.from(raw) };
      }
      const track = this.#tracks[t];
      const dt = Math.max(0, time - track.seen);
      const keep = this.smooth > 0 ? Math.exp(-dt / this.smooth) : 0;
      for (let k = 0; k < raw.length; k++) {
        track.probabilities[k] = keep * track.probabilities[k] + (1 - keep) * raw[k];
      }
      track.box = face.box;
      track.seen = time;
      return { id: track.id, box: face.box, probabilities: Float32Array.from(track.probabilities) };
    });
  }
}

/**
 * The index of the largest value.
 * @param {ArrayLike<number>} values
 * @returns {number}
 */
export function argMax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
