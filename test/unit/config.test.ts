import { describe, expect, it } from "vitest";
import { amigoCredentials, ConfigError, parseConfig, parseSecretJson } from "../../functions/core/config.js";

describe("parseConfig", () => {
  it("fills the documented defaults from an empty environment", () => {
    const config = parseConfig({});
    expect(config.AMIGO_API_URL).toBe("https://api.amigo.ai");
    expect(config.SLACK_API_URL).toBe("https://slack.com/api/");
    expect(config.ARCHIVE_PREFIX).toBe("runs/");
    expect(config.ARCHIVE_DIR).toBe("./archive");
    expect(config.PORT).toBe(8787);
    expect(config.SLACK_ALLOWED_USERS).toEqual([]);
    expect(amigoCredentials(config)).toBeUndefined();
  });

  it("splits allow-lists on commas", () => {
    expect(parseConfig({ SLACK_ALLOWED_USERS: " U1, U2 ,," }).SLACK_ALLOWED_USERS).toEqual(["U1", "U2"]);
  });

  it("names the variable that is wrong, never its value", () => {
    const attempt = () => parseConfig({ PORT: "eighty", AMIGO_API_KEY: "sk-very-secret", AMIGO_API_URL: "ftp://x" });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain("PORT");
      expect(message).toContain("AMIGO_API_URL");
      expect(message).not.toContain("sk-very-secret");
    }
  });

  it("refuses an S3 endpoint that is not a URL and a port out of range", () => {
    expect(() => parseConfig({ S3_ENDPOINT: "not a url" })).toThrow(/S3_ENDPOINT must be a URL/);
    expect(() => parseConfig({ PORT: "70000" })).toThrow(/PORT must be at most 65535/);
    expect(() => parseConfig({ POLL_INTERVAL_SECONDS: "0" })).toThrow(/POLL_INTERVAL_SECONDS must be a positive whole number/);
    expect(parseConfig({ POLL_INTERVAL_SECONDS: " 5 ", S3_ENDPOINT: "http://127.0.0.1:9000" })).toMatchObject({ POLL_INTERVAL_SECONDS: 5, S3_ENDPOINT: "http://127.0.0.1:9000" });
  });

  it("asks for the whole set of Amigo credentials when only some are given", () => {
    expect(() => parseConfig({ AMIGO_API_KEY: "sk-very-secret" })).toThrow(/AMIGO_ORG_ID is missing/);
  });

  it("refuses an archive prefix inside the state folder", () => {
    expect(() => parseConfig({ ARCHIVE_PREFIX: "_simwatch/runs/" })).toThrow(/ARCHIVE_PREFIX/);
  });
});

describe("parseSecretJson", () => {
  it("reads an object of strings and refuses anything else without echoing it", () => {
    expect(parseSecretJson('{"SLACK_BOT_TOKEN":"xoxb-1"}')).toEqual({ SLACK_BOT_TOKEN: "xoxb-1" });
    expect(parseSecretJson(undefined)).toEqual({});
    expect(() => parseSecretJson("xoxb-leaky")).toThrow(/not valid JSON/);
    try {
      parseSecretJson("xoxb-leaky");
    } catch (error) {
      expect((error as Error).message).not.toContain("xoxb-leaky");
    }
    expect(() => parseSecretJson('{"A":1}')).toThrow(/A/);
  });
});
