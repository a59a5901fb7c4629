/**
 * tfjs in production mode for every program built on this library (the CLI, the tests, library
 * callers), set when any module that computes with tfjs is loaded: tfjs skips its debug checks,
 * and its cpu backend no longer prints "Hi, looks like you are running TensorFlow.js in Node.js
 * ... install our node backend" on first use (Deno passes for Node.js there, and tfjs-node does
 * not run in Deno; our backends are in lib/backend/).
 */
import * as tf from "@tensorflow/tfjs";

tf.enableProdMode();
