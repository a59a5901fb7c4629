/**
 * `fer serve`: a local page that finds faces and their expressions in the browser, on the webcam
 * or a dropped video or photo (lib/serve/). It serves on 127.0.0.1 until interrupted.
 */
import { defineCommand } from "../args.ts";
import { modelOption } from "../options.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import { startServer } from "../../lib/serve/server.ts";

/** The `fer serve` command. */
export const serveCommand = defineCommand({
  name: "serve",
  summary: "A local web page: faces and expressions live on the webcam, in the browser",
  maxPositionals: 0,
  options: {
    model: modelOption(),
    port: {
      type: "integer",
      min: 0,
      max: 65535,
      default: 8080,
      description: "Port to listen on (0: any free port)",
    },
    host: {
      type: "string",
      default: "127.0.0.1",
      description: "Address to listen on (0.0.0.0 shows the page to the whole network)",
    },
  },
  details: [
    "Open the printed address in a browser: the page asks for the webcam and shows each face's",
    "box, its expression and a chart of the last seconds; drop a video or photo on it to use that",
    "instead. The model runs in the browser (tfjs: WebGL, else wasm); nothing is uploaded, and the",
    "server answers only the page's own files and the model's. Ctrl-C stops it.",
    "",
    "Examples:",
    "  fer serve",
    "  fer serve --model runs/<run> --port 8000",
  ].join("\n"),
  async run({ options }) {
    // The model is read once here (its classes and input layout for the page), on the CPU.
    await initBackend("cpu");
    const { url, server } = await startServer({
      model: options.model,
      port: options.port,
      hostname: options.host,
    });
    console.log(`Serving the live page for model ${options.model} at ${url} (Ctrl-C stops it)`);
    await server.finished;
  },
});
