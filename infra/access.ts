/**
 * Least-privilege S3 grants on the archive bucket, by prefix. Written as explicit statements
 * (not bucket.grantRead/grantReadWrite, whose s3:GetObject*, s3:List* wildcards reach every key).
 */
import * as iam from "aws-cdk-lib/aws-iam";
import type { ArchiveBucket } from "./constructs/archive-bucket.js";
import { acknowledgeWildcardResource } from "./nag.js";

type Grantee = iam.IGrantable & { readonly role?: iam.IRole };

/**
 * s3:ListBucket on the bucket: it lists the state prefix, and without it a GET of a missing
 * key answers 403 AccessDenied instead of 404 NoSuchKey, which the state code relies on.
 */
function grantList(archive: ArchiveBucket, grantee: Grantee): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ["s3:ListBucket"], resources: [archive.bucket.bucketArn] }),
  );
}

/**
 * Reads and writes state (conditional PUTs create and change it); `deletes` for the functions
 * whose code removes state: outbox entries (poller, archiver), subscriptions (command worker).
 */
export function grantStateReadWrite(archive: ArchiveBucket, grantee: Grantee, options: { deletes: boolean }): void {
  grantList(archive, grantee);
  const stateObjects = archive.stateObjectsArn();
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ["s3:GetObject", "s3:PutObject", ...(options.deletes ? ["s3:DeleteObject"] : [])],
      resources: [stateObjects],
    }),
  );
  acknowledgePrefix(grantee, stateObjects, archive.statePrefix, "its own state");
}

/** Writes archived runs; s3:PutObject covers multipart uploads, AbortMultipartUpload cleans a failed one. */
export function grantArchiveWrite(archive: ArchiveBucket, grantee: Grantee): void {
  const archiveObjects = archive.archiveObjectsArn();
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
      resources: [archiveObjects],
    }),
  );
  acknowledgePrefix(grantee, archiveObjects, archive.archivePrefix, "the run archive it writes (one folder per run, keys unknown in advance)");
}

/** Reads archived runs: the HEAD before a download link, and what a link signed by this role may do. */
export function grantArchiveRead(archive: ArchiveBucket, grantee: Grantee): void {
  const archiveObjects = archive.archiveObjectsArn();
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: [archiveObjects] }));
  acknowledgePrefix(grantee, archiveObjects, archive.archivePrefix, "the run archive, for presigned download links");
}

/** The `/<prefix>*` object ARN is a wildcard by nature: acknowledge exactly that finding, on the role. */
function acknowledgePrefix(grantee: Grantee, objectsArn: string, prefix: string, what: string): void {
  if (grantee.role === undefined) return;
  acknowledgeWildcardResource(grantee.role, objectsArn, `Object access is limited to the ${prefix} prefix of the archive bucket: ${what}.`);
}
