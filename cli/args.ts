/**
 * The command-line framework every `fer` command is declared with: typed options with defaults,
 * choices and help text, parsed by `node:util` parseArgs (JSR's `@std/cli` is not reachable from our
 * machines). Unknown options and bad values become a UsageError that lists the valid choices.
 */
import { parseArgs } from "node:util";
import { unknownChoice, UsageError } from "../lib/errors.ts";

export type OptionType = "string" | "boolean" | "number" | "integer";

export interface OptionSpec {
  readonly type: OptionType;
  readonly description: string;
  readonly default?: string | number | boolean;
  readonly choices?: readonly string[];
  readonly short?: string;
  /** Shown in help instead of the type, e.g. "DIR" or "N". */
  readonly placeholder?: string;
  /** Bounds of a number or integer value, inclusive. */
  readonly min?: number;
  readonly max?: number;
  /** The value may start with a dash: options for another program (`--sbatch "--gres=gpu:1"`). */
  readonly dashValue?: boolean;
  /** The option may be given several times; its value is the list, in order (empty if never). */
  readonly multiple?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S["multiple"] extends true ? SingleValueOf<S>[]
  : SingleValueOf<S>;

type SingleValueOf<S extends OptionSpec> = S["type"] extends "boolean" ? boolean
  : S["type"] extends "number" | "integer" ? number
  : S["choices"] extends readonly (infer C)[] ? C
  : string;

/**
 * Parsed option values: options with a default (and booleans and repeatable options) are always
 * present.
 */
export type ParsedOptions<O extends OptionSpecs> = {
  -readonly [K in keyof O]: O[K] extends { default: unknown } ? ValueOf<O[K]>
    : O[K]["type"] extends "boolean" ? boolean
    : O[K]["multiple"] extends true ? ValueOf<O[K]>
    : ValueOf<O[K]> | undefined;
};

export interface Invocation<O extends OptionSpecs> {
  readonly options: ParsedOptions<O>;
  readonly positionals: string[];
  /**
   * The command line as typed (`deno task fer train liu-cnn5 --epochs 1`): what a run folder
   * records, passed down to the library (which never reads the process's arguments).
   */
  readonly commandLine: string;
}

/** The command line of `fer` with these words, as run folders record it. */
export function commandLineOf(words: readonly string[]): string {
  return `deno task ${words.join(" ")}`.trim();
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  readonly summary: string;
  /** Positional arguments as shown in usage, e.g. "<dataset>" or "<run> [<run>...]". */
  readonly args?: string;
  readonly minPositionals?: number;
  readonly maxPositionals?: number;
  readonly options: O;
  /** Extra help text printed after the options (examples, notes). */
  readonly details?: string;
  run(invocation: Invocation<O>): Promise<number | void> | number | void;
}

/** A command made of sub-commands, e.g. `fer data info` and `fer data check`. */
export interface CommandGroup {
  readonly name: string;
  readonly summary: string;
  readonly subcommands: readonly AnyCommand[];
}

// deno-lint-ignore no-explicit-any
export type AnyCommand = Command<any> | CommandGroup;

/** Declares a command with its option types inferred from `options`. */
export function defineCommand<const O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

function isGroup(command: AnyCommand): command is CommandGroup {
  return "subcommands" in command;
}

function describeOption(name: string, spec: OptionSpec): [string, string] {
  const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}`;
  const value = spec.type === "boolean"
    ? ""
    : ` ${spec.placeholder ?? (spec.choices ? spec.choices.join("|") : spec.type.toUpperCase())}`;
  const parts = [spec.description + (spec.multiple ? " (repeatable)" : "")];
  if (spec.default !== undefined && spec.default !== false) {
    parts.push(`(default: ${spec.default})`);
  }
  return [flag + value, parts.join(" ")];
}

function table(rows: [string, string][], indent = "  "): string {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`).join("\n");
}

/** The help text of a command or group; `path` is the words that led to it, e.g. ["fer", "data"]. */
export function helpText(command: AnyCommand, path: string[]): string {
  const prefix = [...path, command.name].join(" ");
  if (isGroup(command)) {
    return [
      `${command.summary}`,
      "",
      `Usage: ${prefix} <command> [options]`,
      "",
      "Commands:",
      table(command.subcommands.map((c) => [c.name, c.summary])),
      "",
      `Run '${prefix} <command> --help' for a command's options.`,
    ].join("\n");
  }
  const options: [string, string][] = Object.entries(command.options as OptionSpecs).map((
    [name, spec],
  ) => describeOption(name, spec));
  options.push(["-h, --help", "Show this help"]);
  return [
    command.summary,
    "",
    `Usage: ${prefix}${command.args ? ` ${command.args}` : ""} [options]`,
    "",
    "Options:",
    table(options),
    ...(command.details ? ["", command.details] : []),
  ].join("\n");
}

function convert(name: string, spec: OptionSpec, raw: string | boolean): string | number | boolean {
  if (spec.type === "boolean") return raw;
  const text = String(raw);
  if (spec.choices && !spec.choices.includes(text)) {
    throw unknownChoice(`value for --${name}`, text, spec.choices);
  }
  if (spec.type === "number" || spec.type === "integer") {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) {
      throw new UsageError(`--${name} expects a number, got '${text}'`);
    }
    if (spec.type === "integer" && !Number.isInteger(value)) {
      throw new UsageError(`--${name} expects an integer, got '${text}'`);
    }
    if (value < (spec.min ?? -Infinity) || value > (spec.max ?? Infinity)) {
      const range = spec.max === undefined
        ? `at least ${spec.min}`
        : spec.min === undefined
        ? `at most ${spec.max}`
        : `between ${spec.min} and ${spec.max}`;
      throw new UsageError(`--${name} must be ${range}, got ${text}`);
    }
    return value;
  }
  return text;
}

/**
 * `--name value` as `--name=value` where the value starts with '-': parseArgs refuses such a value
 * as ambiguous. That is a negative number (`--epochs -3`, which deserves its range message) or, for
 * an option declared `dashValue`, anything (`--sbatch "--gres=gpu:1"`). Nothing after `--` is joined.
 */
function joinDashValues(command: Command, argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].match(/^--([^=]+)$/)?.[1];
    const spec = name === undefined ? undefined : (command.options as OptionSpecs)[name];
    const next = argv[i + 1];
    const joins = spec !== undefined && spec.type !== "boolean" && next !== undefined &&
      !out.includes("--") && (spec.dashValue || /^-(\d|\.\d)/.test(next));
    out.push(joins ? `${argv[i]}=${argv[++i]}` : argv[i]);
  }
  return out;
}

/** Parses `argv` against a command's options. Throws UsageError on anything unexpected. */
export function parseCommandLine<O extends OptionSpecs>(
  command: Command<O>,
  argv: string[],
  path: string[] = ["fer"],
): Invocation<O> & { help: boolean } {
  const parseOptions: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, spec] of Object.entries(command.options)) {
    parseOptions[name] = {
      type: spec.type === "boolean" ? "boolean" : "string",
      multiple: spec.multiple ?? false,
    };
    if (spec.short) parseOptions[name].short = spec.short;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: joinDashValues(command, argv),
      options: parseOptions,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const valid = Object.keys(command.options).map((name) => `--${name}`).concat("--help");
    const unknown = message.match(/Unknown option '([^']+)'/);
    const where = [...path, command.name].join(" ");
    if (unknown) {
      throw new UsageError(
        `unknown option '${unknown[1]}' for '${where}'. Valid options: ${valid.join(", ")}`,
      );
    }
    // parseArgs explains over several lines (a negative number needs --epochs=-1, say).
    throw new UsageError(`${where}: ${message.split("\n").join(" ")}`);
  }
  const values = parsed.values as Record<
    string,
    string | boolean | (string | boolean)[] | undefined
  >;
  const help = values.help === true;
  const options: Record<
    string,
    string | number | boolean | (string | number | boolean)[] | undefined
  > = {};
  for (const [name, spec] of Object.entries(command.options)) {
    const raw = values[name];
    if (spec.multiple) {
      options[name] = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((value) =>
        convert(name, spec, value)
      );
      continue;
    }
    options[name] = raw === undefined
      ? (spec.default ?? (spec.type === "boolean" ? false : undefined))
      : convert(name, spec, raw as string | boolean);
  }
  const positionals = parsed.positionals;
  if (!help) {
    const where = [...path, command.name].join(" ");
    const usage = `Usage: ${where}${command.args ? ` ${command.args}` : ""} [options]`;
    if (positionals.length < (command.minPositionals ?? 0)) {
      throw new UsageError(`'${where}' needs ${command.args ?? "more arguments"}. ${usage}`);
    }
    if (positionals.length > (command.maxPositionals ?? Infinity)) {
      throw new UsageError(
        `'${where}' got unexpected arguments: ${
          positionals.slice(command.maxPositionals).join(" ")
        }. ${usage}`,
      );
    }
  }
  return {
    options: options as ParsedOptions<O>,
    positionals,
    help,
    commandLine: commandLineOf([...path, command.name, ...argv]),
  };
}

/**
 * Runs a command or group against `argv` and returns the exit status. Help goes to stdout; usage
 * errors propagate as UsageError for the caller to print.
 */
export async function dispatch(
  command: AnyCommand,
  argv: string[],
  path: string[] = [],
): Promise<number> {
  if (isGroup(command)) {
    const [first, ...rest] = argv;
    // `fer help train` is `fer train --help` (and `fer help data info`, `fer data info --help`).
    if (first === "help" && rest.length > 0) return dispatch(command, [...rest, "--help"], path);
    if (first === undefined || first === "--help" || first === "-h" || first === "help") {
      console.log(helpText(command, path));
      return first === undefined ? 2 : 0;
    }
    const sub = command.subcommands.find((c) => c.name === first);
    if (!sub) {
      const where = [...path, command.name].join(" ");
      throw new UsageError(
        `unknown command '${first}' for '${where}'. Valid choices: ${
          command.subcommands.map((c) => c.name).join(", ")
        }`,
      );
    }
    return dispatch(sub, rest, [...path, command.name]);
  }
  const invocation = parseCommandLine(command, argv, path);
  if (invocation.help) {
    console.log(helpText(command, path));
    return 0;
  }
  return (await command.run(invocation)) ?? 0;
}
