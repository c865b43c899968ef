/**
 * Stable links into the archive browser (never presigned: they outlive any role's session).
 * The routes are the archive's own layout: `<base>` is the archive's index, `<base><set_id>/` a
 * set's page and `<base><set_id>/<run_id>/` a run's report.
 */

/** The base with exactly one trailing slash, so joining never doubles or drops one. */
function withTrailingSlash(base: string): string {
  return base.endsWith("/") ? base : `${base}/`;
}

/** The archive's index page: every set by name. */
export function archiveIndexUrl(base: string): string {
  return withTrailingSlash(base);
}

/** A set's page: its runs, newest first. */
export function setPageUrl(base: string, setId: string): string {
  return `${withTrailingSlash(base)}${encodeURIComponent(setId)}/`;
}

/** A run's report page. */
export function runReportUrl(base: string, setId: string, runId: string): string {
  return `${setPageUrl(base, setId)}${encodeURIComponent(runId)}/`;
}
