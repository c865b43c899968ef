import { describe, expect, it } from "vitest";
import { synth } from "./synth.js";

describe("no secret in the template", () => {
  const { json } = synth({ alarmEmail: "oncall@example.com", defaultChannel: "C0DEFAULT", allowedUsers: "U1AA" });
  const text = JSON.stringify(json);

  it("has no SecretString, generated secret or secret-like environment variable", () => {
    expect(text).not.toContain("SecretString\":");
    expect(text).not.toContain("GenerateSecretString");
    expect(text).not.toContain("SecretBinary");
    for (const resource of Object.values(json.Resources)) {
      const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      for (const name of Object.keys(variables)) expect(name).not.toMatch(/TOKEN|SIGNING_SECRET|API_KEY|PASSWORD/);
    }
  });

  it("has nothing that looks like a Slack token, signing secret or AWS key", () => {
    expect(text).not.toMatch(/xox[abposr]-/); // Slack tokens
    expect(text).not.toMatch(/xapp-/);
    expect(text).not.toMatch(/(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])/); // Slack signing secrets are 32 hex digits
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}/);
  });

  it("only mentions the secrets' keys as names and placeholders", () => {
    const command = JSON.stringify(json.Outputs?.PutSecretValueCommand?.Value);
    expect(command).toContain('\\"SLACK_BOT_TOKEN\\":\\"<slack bot token>\\"');
    expect(command).not.toContain("SLACK_SIGNING_SECRET");
    expect(JSON.stringify(json.Outputs?.PutSigningSecretValueCommand?.Value)).toContain('\\"SLACK_SIGNING_SECRET\\":\\"<slack signing secret>\\"');
  });
});
