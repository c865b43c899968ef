/** Reads `.env` (if present) into the environment; variables already set win. */
import { existsSync } from "node:fs";

export function loadDotEnv(path = ".env"): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}
