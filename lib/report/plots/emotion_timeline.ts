/**
 * Emotions over time in a video: one panel per tracked face, one line per class, probability
 * against seconds. A long video is drawn from bucket means (at most MAX_POINTS per face), so the
 * figure stays light however long the video.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Figure } from "../figure.ts";
import { renderSvg } from "../vega_svg.ts";

/** A face's probabilities over time: times in seconds and one K-wide row per time. */
export interface EmotionSeries {
  readonly face: number;
  readonly times: readonly number[];
  readonly probabilities: readonly ArrayLike<number>[];
}

const MAX_POINTS = 400;

/** The series reduced to at most `max` points by averaging consecutive runs of points. */
function buckets(series: EmotionSeries, max: number): { time: number; row: number[] }[] {
  const n = series.times.length;
  const size = Math.max(1, Math.ceil(n / max));
  const out = [];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    const k = series.probabilities[start].length;
    const row = new Array(k).fill(0);
    let time = 0;
    for (let i = start; i < end; i++) {
      time += series.times[i];
      for (let c = 0; c < k; c++) row[c] += series.probabilities[i][c];
    }
    out.push({ time: time / (end - start), row: row.map((v) => v / (end - start)) });
  }
  return out;
}

/** The Vega-Lite spec: a row of panels per face, a coloured line per class. */
export function emotionTimelineSpec(
  series: readonly EmotionSeries[],
  classNames: readonly string[],
): TopLevelSpec {
  const values = series.flatMap((s) =>
    buckets(s, MAX_POINTS).flatMap(({ time, row }) =>
      classNames.map((emotion, c) => ({
        face: `face ${s.face}`,
        time: Number(time.toFixed(3)),
        emotion,
        probability: Number(row[c].toFixed(4)),
      }))
    )
  );
  return {
    data: { values },
    facet: { row: { field: "face", type: "nominal", title: null, sort: { field: "time" } } },
    spec: {
      width: 560,
      height: 140,
      mark: { type: "line", strokeWidth: 1.5 },
      encoding: {
        x: { field: "time", type: "quantitative", title: "seconds" },
        y: {
          field: "probability",
          type: "quantitative",
          title: "probability",
          scale: { domain: [0, 1] },
        },
        color: {
          field: "emotion",
          type: "nominal",
          title: "emotion",
          scale: { domain: [...classNames], scheme: "category10" },
        },
      },
    },
    config: { legend: { orient: "right" } },
  } as TopLevelSpec;
}

/** The emotion-over-time figure of a video's tracked faces. */
export async function emotionTimelineFigure(
  series: readonly EmotionSeries[],
  classNames: readonly string[],
  video: string,
): Promise<Figure> {
  return {
    id: "emotions",
    title: "Emotions over time",
    caption: `Class probabilities of each face tracked in ${video}, against time.`,
    svg: await renderSvg(emotionTimelineSpec(series, classNames)),
  };
}
