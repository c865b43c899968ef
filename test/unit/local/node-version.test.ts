import { describe, expect, it } from "vitest";
import { nodeVersionNotice, noteNodeVersion } from "../../../functions/local/node-version.js";

describe("the Node.js version notice", () => {
  it("says in one line, on Node 20, that it works and which Node to use instead", () => {
    const notice = nodeVersionNotice("v20.20.2");
    expect(notice).toContain("Node.js v20.20.2 works, but use Node.js 22");
    expect(notice).toContain("January 2027");
    expect(notice).not.toContain("\n");
  });

  it("says nothing on Node 22 or later", () => {
    expect(nodeVersionNotice("v22.12.0")).toBeUndefined();
    expect(nodeVersionNotice("v24.3.0")).toBeUndefined();
  });

  it("on Node 20, writes the notice once and turns off the AWS SDK's own warning; on 22, does neither", () => {
    const lines: string[] = [];
    const env: Record<string, string | undefined> = {};
    noteNodeVersion((line) => lines.push(line), env, "v20.20.2");
    expect(lines).toEqual([nodeVersionNotice("v20.20.2")]);
    expect(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe("true");

    const quiet: Record<string, string | undefined> = {};
    noteNodeVersion((line) => lines.push(line), quiet, "v22.12.0");
    expect(lines).toHaveLength(1);
    expect(quiet).toEqual({});
  });
});
