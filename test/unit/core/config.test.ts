import { describe, expect, it } from "vitest";
import { amigoCredentials, ConfigError, parseConfig, parseSecretJson } from "../../../functions/core/config.js";

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

  it("words zod's own checks in English", () => {
    expect(() => parseConfig({ ARCHIVE_DIR: "  " })).toThrow("ARCHIVE_DIR: Too small: expected string to have >=1 characters");
  });

  it("asks for the whole set of Amigo credentials when only some are given", () => {
    expect(() => parseConfig({ AMIGO_API_KEY: "sk-very-secret" })).toThrow(/AMIGO_ORG_ID is missing/);
  });

  it("wants https base URLs for Amigo and Slack, plain http only on this machine, and never a password in them", () => {
    expect(() => parseConfig({ AMIGO_API_URL: "http://api.amigo.ai" })).toThrow(/AMIGO_API_URL must be an https:\/\/ URL/);
    expect(() => parseConfig({ SLACK_API_URL: "http://slack.example/api/" })).toThrow(/SLACK_API_URL must be an https:\/\/ URL/);
    expect(() => parseConfig({ AMIGO_API_URL: "https://me:hunter2@api.amigo.ai" })).toThrow(/AMIGO_API_URL must not carry a user name or password/);
    expect(() => parseConfig({ AMIGO_API_URL: "https://me:hunter2@api.amigo.ai" })).not.toThrow(/hunter2/);
    expect(parseConfig({ AMIGO_API_URL: "http://127.0.0.1:4010", SLACK_API_URL: "http://localhost:4555/api/" })).toMatchObject({
      AMIGO_API_URL: "http://127.0.0.1:4010",
      SLACK_API_URL: "http://localhost:4555/api/",
    });
  });

  it("reads SLACK_TEAM_ID as a list (empty = any workspace) and ARCHIVE_MAX_BYTES with a 20 GiB default", () => {
    expect(parseConfig({}).SLACK_TEAM_ID).toEqual([]);
    expect(parseConfig({ SLACK_TEAM_ID: "T0TEAM, E0ORG" }).SLACK_TEAM_ID).toEqual(["T0TEAM", "E0ORG"]);
    expect(parseConfig({}).ARCHIVE_MAX_BYTES).toBe(20 * 1024 ** 3);
    expect(parseConfig({ ARCHIVE_MAX_BYTES: "1048576" }).ARCHIVE_MAX_BYTES).toBe(1024 * 1024);
    expect(() => parseConfig({ ARCHIVE_MAX_BYTES: "0" })).toThrow(/ARCHIVE_MAX_BYTES must be a positive whole number/);
    expect(() => parseConfig({ ARCHIVE_MAX_BYTES: "20GB" })).toThrow(/ARCHIVE_MAX_BYTES must be a number/);
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
