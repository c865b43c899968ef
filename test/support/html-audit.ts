/**
 * Reads a page the way a browser does (parse5, the WHATWG parser) and says what is in it: the
 * elements, attributes, links and text. A value that was not escaped shows up as an element or an
 * attribute the renderer never writes.
 */
import { createHash } from "node:crypto";
import { parse } from "parse5";
import type { DefaultTreeAdapterMap } from "parse5";

type Node = DefaultTreeAdapterMap["node"];
type Element = DefaultTreeAdapterMap["element"];

export interface PageAudit {
  elements: Element[];
  /** All text, decoded, with each text node on its own line. */
  text: string;
  links: string[];
  byTag(tag: string): Element[];
  attr(element: Element, name: string): string | undefined;
  textOf(element: Element): string;
}

const WRITTEN_TAGS = new Set(
  "html head meta title style body header nav ol ul li a h1 h2 h3 main section article dl dt dd p span strong code div table caption thead tbody tr th td svg desc line rect time footer br".split(" "),
);

function walk(node: Node, visit: (node: Node) => void): void {
  visit(node);
  const children = "childNodes" in node ? node.childNodes : [];
  for (const child of children) walk(child, visit);
  if (node.nodeName === "template") walk((node as DefaultTreeAdapterMap["template"]).content, visit);
}

function textOf(root: Node): string {
  const parts: string[] = [];
  walk(root, (node) => {
    if (node.nodeName === "#text") parts.push((node as DefaultTreeAdapterMap["textNode"]).value);
  });
  return parts.join("\n");
}

export function auditPage(source: string): PageAudit {
  const document = parse(source);
  const elements: Element[] = [];
  walk(document, (node) => {
    if ("tagName" in node) elements.push(node as Element);
  });
  const attr = (element: Element, name: string) => element.attrs.find((attribute) => attribute.name === name)?.value;
  return {
    elements,
    text: textOf(document),
    links: elements.filter((element) => element.tagName === "a").map((element) => attr(element, "href") ?? ""),
    byTag: (tag) => elements.filter((element) => element.tagName === tag),
    attr,
    textOf,
  };
}

/** What every archive page must be: only the elements we write, no script or handler, a CSP naming its one style sheet, relative links. */
export function unsafeParts(source: string): string[] {
  const page = auditPage(source);
  const problems: string[] = [];
  for (const element of page.elements) {
    // SVG's title lives in the SVG namespace; parse5 names it "title" too.
    if (!WRITTEN_TAGS.has(element.tagName)) problems.push(`element <${element.tagName}>`);
    for (const attribute of element.attrs) {
      if (/^on/i.test(attribute.name) || attribute.name.startsWith("data-") || attribute.name === "src") problems.push(`attribute ${attribute.name} on <${element.tagName}>`);
    }
  }
  const csp = page.elements.find((element) => page.attr(element, "http-equiv") === "Content-Security-Policy");
  const style = page.byTag("style");
  if (!csp) problems.push("no Content-Security-Policy");
  if (style.length !== 1) problems.push(`${style.length} style elements`);
  else {
    const hash = createHash("sha256").update(page.textOf(style[0] as Element)).digest("base64");
    if (!page.attr(csp as Element, "content")?.includes(`'sha256-${hash}'`)) problems.push("the policy does not name the style sheet's hash");
  }
  for (const link of page.links) if (/^([a-z]+:|\/)/i.test(link)) problems.push(`link not relative: ${link}`);
  return problems;
}
