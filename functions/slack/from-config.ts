/** The Slack chat when a bot token is configured; undefined means "print to the terminal". */
import type { Config } from "../core/config.js";
import { SlackChat } from "./client.js";
import { SlackWebDirectory } from "./directory.js";

export function slackChatFromConfig(config: Pick<Config, "SLACK_BOT_TOKEN" | "SLACK_API_URL">): SlackChat | undefined {
  return config.SLACK_BOT_TOKEN ? new SlackChat({ token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL }) : undefined;
}

/** The workspace's channels, people and groups (routing and owners by Amigo tag), when a bot token is configured. */
export function slackDirectoryFromConfig(config: Pick<Config, "SLACK_BOT_TOKEN" | "SLACK_API_URL">): SlackWebDirectory | undefined {
  return config.SLACK_BOT_TOKEN ? new SlackWebDirectory({ token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL }) : undefined;
}
