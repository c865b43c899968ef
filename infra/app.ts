/**
 * The CDK app: `npm run synth` / `npm run deploy` (cdk.json runs it with tsx). Settings come
 * from context (cdk.json or -c key=value); cdk-nag's AwsSolutions and Serverless packs check
 * every synth, and an unacknowledged finding fails it.
 */
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import { type Settings, SettingsError, settingsFromContext } from "./settings.js";
import { SimwatchStack } from "./simwatch-stack.js";

const app = new App();

let settings: Settings;
try {
  settings = settingsFromContext(app.node);
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(1);
}

new SimwatchStack(app, "Simwatch", {
  description: "simwatch: watches Amigo simulation runs, archives their artifacts to S3 and reports them in Slack",
  settings,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
app.synth();
