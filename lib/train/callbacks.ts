/** The training callbacks, kept at this path for its importers; they live in ./callbacks/. */
export * from "./callbacks/mod.ts";
