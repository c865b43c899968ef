/**
 * Names the archive stores keep for themselves: the folder store's temp files (a write in
 * progress, renamed onto its key when whole) and lock files. No key ever uses them, listings skip
 * them, and the archive browser never serves them.
 */
export const TEMP_SUFFIX = ".simwatch-tmp";
export const LOCK_SUFFIX = ".simwatch-lock";

export function isReservedName(name: string): boolean {
  return name.endsWith(TEMP_SUFFIX) || name.endsWith(LOCK_SUFFIX) || name.includes(`${LOCK_SUFFIX}.`);
}
