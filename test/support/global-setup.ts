/**
 * Vitest global setup: the real S3 server the integration tests need.
 * S3_TEST_ENDPOINT (+ S3_TEST_ACCESS_KEY_ID, S3_TEST_SECRET_ACCESS_KEY, optional
 * S3_TEST_REGION) names one to use; otherwise a throwaway Ceph RADOS Gateway is started
 * on loopback (installing Ceph first when running as root on Debian/Ubuntu) and stopped
 * after the run. Tests read it with `inject("s3")` (see s3-server.ts, s3.ts).
 * On a Node.js older than 22 it says so once, for the whole run.
 */
import type { TestProject } from "vitest/node";
import { noteNodeVersion } from "../../functions/local/node-version.js";
import { type RunningRgw, startRgw } from "./rgw.js";
import { exportS3Server, externalS3Server, type S3TestServer } from "./s3-server.js";

function log(line: string): void {
  process.stderr.write(`[s3 test server] ${line}\n`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Said once here; the test workers inherit the environment that keeps the AWS SDK from repeating it.
  noteNodeVersion((line) => process.stderr.write(`${line}\n`));
  let rgw: RunningRgw | undefined;
  let server: S3TestServer | undefined = externalS3Server(process.env);
  if (server) {
    log(`using ${server.endpoint} from S3_TEST_ENDPOINT`);
  } else {
    rgw = await startRgw({ log });
    server = { endpoint: rgw.endpoint, region: rgw.region, accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey, kind: rgw.kind };
    log(`Ceph RADOS Gateway at ${rgw.endpoint}, started in ${(rgw.startupMs / 1000).toFixed(1)} s (logs: ${rgw.dir}/log)`);
    exportS3Server(server, process.env);
  }
  project.provide("s3", server);

  // If the run ends without teardown (a crash), the daemons die with this process anyway
  // (setpriv --pdeathsig); this removes them sooner on an ordinary exit.
  const onExit = () => {
    for (const pid of rgw?.pids ?? []) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  process.once("exit", onExit);
  return async () => {
    process.off("exit", onExit);
    await rgw?.stop();
  };
}
