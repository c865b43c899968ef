#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader: no build step, no network.
import { register } from "tsx/esm/api";

register();
await import("../functions/local/cli.ts");
