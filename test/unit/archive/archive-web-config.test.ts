import { describe, expect, it } from "vitest";
import { archiveWebFromConfig } from "../../../functions/archive/web/archive-web.js";
import { ConfigError, parseConfig } from "../../../functions/core/config.js";
import { silentLogger } from "../../../functions/core/log.js";

describe("archive-web's configuration", () => {
  it("archive-web refuses to start without SLACK_TEAM_ID or its sign-in secrets, naming the variable", () => {
    const complete = { ARCHIVE_BUCKET: "b", SLACK_TEAM_ID: "T0ALLOWED", SLACK_CLIENT_ID: "1.2", SLACK_CLIENT_SECRET: "s", ARCHIVE_WEB_COOKIE_KEY: "k".repeat(32) };
    expect(() => archiveWebFromConfig(parseConfig(complete), { log: silentLogger })).not.toThrow();
    for (const variable of ["SLACK_TEAM_ID", "ARCHIVE_BUCKET", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "ARCHIVE_WEB_COOKIE_KEY"]) {
      const config = parseConfig({ ...complete, [variable]: "" });
      expect(() => archiveWebFromConfig(config, { log: silentLogger }), variable).toThrow(ConfigError);
      expect(() => archiveWebFromConfig(config, { log: silentLogger })).toThrow(new RegExp(variable));
    }
    expect(() => parseConfig({ ARCHIVE_WEB_COOKIE_KEY: "short" })).toThrow(/ARCHIVE_WEB_COOKIE_KEY must be at least 32/);
    expect(() => parseConfig({ SLACK_OIDC_ISSUER: "http://slack.example" })).toThrow(/SLACK_OIDC_ISSUER/);
  });
});
