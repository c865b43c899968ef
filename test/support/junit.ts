/**
 * JUnit reports in tests: validated against the JUnit XML schema (test/support/junit.xsd) with
 * libxml2's xmllint (xmllint-wasm: WebAssembly, offline), and counted element by element.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { validateXML } from "xmllint-wasm";

const SCHEMA = readFileSync(join(import.meta.dirname, "junit.xsd"), "utf8");

/** The schema's complaints about `xml` (none when it is valid). */
export async function junitSchemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: { fileName: "report.xml", contents: xml }, schema: { fileName: "junit.xsd", contents: SCHEMA } });
  return result.valid ? [] : result.errors.map((error) => error.rawMessage);
}

export interface SuiteFigures {
  name: string;
  attributes: Record<string, string>;
  testcases: number;
  failures: number;
  errors: number;
  skipped: number;
  /** The message attribute of each failure and error, in order. */
  messages: string[];
}

const attributesOf = (tag: string) => Object.fromEntries([...tag.matchAll(/([\w.-]+)="([^"]*)"/g)].map((m) => [m[1] ?? "", m[2] ?? ""]));
const unescape = (text: string) => text.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");

/** Each <testsuite>: its attributes and what its testcases hold, counted from the elements themselves. */
export function suitesOf(xml: string): SuiteFigures[] {
  return [...xml.matchAll(/<testsuite(\s[^>]*)>([\s\S]*?)<\/testsuite>/g)].map((match) => {
    const attributes = attributesOf(match[1] ?? "");
    const body = match[2] ?? "";
    const count = (element: string) => (body.match(new RegExp(`<${element}[\\s/>]`, "g")) ?? []).length;
    return {
      name: unescape(attributes.name ?? ""),
      attributes,
      testcases: count("testcase"),
      failures: count("failure"),
      errors: count("error"),
      skipped: count("skipped"),
      messages: [...body.matchAll(/<(?:failure|error)\s[^>]*message="([^"]*)"/g)].map((m) => unescape(m[1] ?? "")),
    };
  });
}
