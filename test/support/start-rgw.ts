/**
 * Starts the tests' throwaway RADOS Gateway by hand, prints the S3_TEST_* variables that
 * point the tests (or curl, or the AWS CLI) at it, and runs until Ctrl-C.
 * Usage: node --import tsx test/support/start-rgw.ts
 */
import { startRgw } from "./rgw.js";
import { exportS3Server, S3_TEST_ENV } from "./s3-server.js";

const rgw = await startRgw({ log: (line) => process.stderr.write(`${line}\n`) });
const env: NodeJS.ProcessEnv = {};
exportS3Server(rgw, env);
for (const name of Object.values(S3_TEST_ENV)) process.stdout.write(`export ${name}=${env[name]}\n`);
process.stderr.write(`Started in ${rgw.startupMs} ms; logs in ${rgw.dir}/log. Ctrl-C stops it.\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await rgw.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
