// Placeholder so the CDK app can synth before the real handler lands; the lead replaces it.
export async function handler(): Promise<never> {
  throw new Error("command-worker: not wired yet");
}
