/**
 * Renders a ReportDocument as Markdown (GitHub flavour): the same tables as the HTML page, ready
 * to paste into a README or a paper draft, with figures linked as files next to it.
 */
import type { Block, ReportDocument, Table } from "./document.ts";

/** Escapes the characters that would break a Markdown table cell. */
function cellText(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** What markdownTable renders: a Table, its caption optional; `numeric: false` right-aligns none. */
export type MarkdownTableInput = Omit<Table, "caption" | "numeric"> & {
  readonly caption?: string;
  readonly numeric?: readonly boolean[] | false;
};

/**
 * A GitHub-flavoured Markdown table, with its caption (if any) as an italic line above it: the one
 * Markdown table renderer (reports, experiment sections, benchmark tables).
 */
export function markdownTable(table: MarkdownTableInput): string {
  const numeric = table.numeric === false
    ? table.columns.map(() => false)
    : table.numeric ?? table.columns.map((_, i) => i > 0);
  const line = (cells: readonly string[]) => `| ${cells.map(cellText).join(" | ")} |`;
  return [
    ...(table.caption === undefined ? [] : [`*${cellText(table.caption)}*`, ""]),
    line(table.columns),
    `|${numeric.map((right) => (right ? " ---: " : " --- ")).join("|")}|`,
    ...table.rows.map(line),
  ].join("\n");
}

function blockMarkdown(block: Block, figureLinks: ReadonlyMap<string, string>): string {
  switch (block.kind) {
    case "text":
      return block.text;
    case "note":
      return `> **Note:** ${block.text}`;
    case "table":
      return markdownTable(block.table);
    case "figure": {
      const link = figureLinks.get(block.figure.id);
      const image = link ? `![${block.figure.title}](${link})\n\n` : "";
      return `${image}*${block.figure.title}.* ${block.figure.caption}`;
    }
    case "code":
      return ["```", block.text, "```"].join("\n");
    case "examples":
      return markdownTable({
        caption: block.caption,
        columns: ["image", "true", "predicted", "p(predicted)", "p(true)", "right?"],
        numeric: [false, false, false, true, true, false],
        rows: block.cards.map((card) => {
          const p = (name: string) =>
            (card.probabilities.find((entry) => entry.class === name)?.p ?? 0).toFixed(3);
          return [
            card.title,
            card.trueClass,
            card.predictedClass,
            p(card.predictedClass),
            p(card.trueClass),
            card.correct ? "yes" : "no",
          ];
        }),
      });
  }
}

/** The Markdown text of `report`; `figureLinks` maps figure ids to relative image paths. */
export function renderMarkdown(
  report: ReportDocument,
  figureLinks: ReadonlyMap<string, string> = new Map(),
): string {
  const parts = [`# ${report.title}`, "", ...report.subtitle.map((line) => `${line}  `), ""];
  for (const section of report.sections) {
    parts.push(`## ${section.title}`, "");
    for (const block of section.blocks) parts.push(blockMarkdown(block, figureLinks), "");
  }
  return parts.join("\n");
}
