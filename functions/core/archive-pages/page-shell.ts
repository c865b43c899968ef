/**
 * The frame every archive page shares: one self-contained document (inline CSS whose hash the
 * Content-Security-Policy names, no script, nothing fetched), landmarks, readable on a phone and
 * printable. Verdicts are words with a symbol; colour only repeats what the words say.
 */
import { createHash } from "node:crypto";
import { html, SafeHtml } from "./html.js";
import type { Verdict } from "../model/verdict.js";

const CSS = `
:root{color-scheme:light;--ink:#1b1f24;--muted:#4d5661;--line:#c9d1d9;--pass:#0a6b2d;--fail:#b3261e;--warn:#8a4b00;--bg:#fff;--band:#f3f5f7}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem;border-bottom:1px solid var(--line)}
nav ol{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem .75rem;margin:0 0 .5rem;padding:0}
nav li+li::before{content:"/";margin-right:.75rem;color:var(--muted)}
h1{font-size:1.5rem;margin:.25rem 0 .75rem;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:1rem 0 .25rem;overflow-wrap:anywhere}
a{color:#0b57d0}
a:focus{outline:3px solid #0b57d0;outline-offset:2px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{background:var(--band)}
tbody th{font-weight:600;overflow-wrap:break-word;min-width:8rem;max-width:24rem}
.verdict{font-weight:700}
.passed,.pass{color:var(--pass)}
.failed,.fail,.errored,.error{color:var(--fail)}
.cancelled,.running,.none{color:var(--warn)}
.muted{color:var(--muted)}
.justification{white-space:pre-wrap;overflow-wrap:anywhere;margin:.25rem 0 .75rem;padding:.5rem;background:var(--band);border-left:4px solid var(--line)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;overflow-wrap:anywhere}
svg.trend{display:block;max-width:100%;height:auto}
svg.compact{max-width:none}
time{white-space:nowrap}
ul{padding-left:1.25rem}
li{overflow-wrap:anywhere}
footer{margin-top:2rem;padding-bottom:1rem;border-top:1px solid var(--line);color:var(--muted);font-size:.9rem}
.label{display:none}
@media (max-width:40rem){body{font-size:15px}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.25rem}
table.cards,table.cards tbody,table.cards tr,table.cards th,table.cards td{display:block;border:none;max-width:none}
table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.cards tr{border:1px solid var(--line);margin-bottom:.75rem;padding:.25rem 0}
table.cards .label{display:inline;font-weight:600}}
@media print{a{color:inherit}.scroll{overflow:visible}header,main,footer{max-width:none}.justification{background:none}}
`.trim();

const CSS_HASH = createHash("sha256").update(CSS).digest("base64");

/** No script at all, the one inline style sheet by its hash, images only as data: URLs. */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src 'sha256-${CSS_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`;

export interface Crumb {
  label: string;
  /** Relative link; the current page has none. */
  href?: string;
}

export function page(options: { title: string; crumbs: readonly Crumb[]; heading: SafeHtml | string; body: SafeHtml; generatedAt: string }): string {
  const crumbs = options.crumbs.map((crumb) => (crumb.href ? html`<li><a href="${crumb.href}">${crumb.label}</a></li>` : html`<li aria-current="page">${crumb.label}</li>`));
  return `<!DOCTYPE html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title}</title>
<style>${new SafeHtml(CSS)}</style>
</head>
<body>
<header>
<nav aria-label="Archive"><ol>${crumbs}</ol></nav>
<h1>${options.heading}</h1>
</header>
<main>
${options.body}
</main>
<footer><p>Archived by simwatch. Page written ${options.generatedAt}.</p></footer>
</body>
</html>
`.text}`;
}

const VERDICT_MARK: Record<Verdict, string> = { passed: "✔", failed: "✘", errored: "⚠", cancelled: "⊘", running: "…" };

/** A verdict as a word with a symbol (the colour only repeats it). */
/** A moment as people read it, to the minute in UTC, with the exact time for machines. */
export function timeOf(iso: string): SafeHtml {
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace("T", " ")} UTC</time>`;
}

export function verdictBadge(verdict: Verdict): SafeHtml {
  return html`<span class="verdict ${verdict}"><span aria-hidden="true">${VERDICT_MARK[verdict]}</span> ${verdict}</span>`;
}

/** A cell's column name, shown only where a narrow screen lays the table's rows out as cards. */
export function label(text: string): SafeHtml {
  return html`<span class="label">${text}: </span>`;
}

/** A table that scrolls sideways on a narrow screen, reachable by keyboard. */
export function scrollingTable(label: string, table: SafeHtml): SafeHtml {
  return html`<div class="scroll" role="region" aria-label="${label}" tabindex="0">${table}</div>`;
}
