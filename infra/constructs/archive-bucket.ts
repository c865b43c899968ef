/**
 * The archive bucket: the browsable run archive under its prefix (`runs/` by default) and
 * simwatch's own state under `_simwatch/`. Private, TLS only, versioned, retained on stack
 * deletion, with server access logs in a bucket of their own. Expiring state (markers,
 * per-run state, command records) is deleted by lifecycle rules after `stateRetentionDays`;
 * the archive, settings and the poller's watch list never expire.
 */
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { EXPIRING_STATE_PREFIXES, STATE_ROOT } from "../../functions/core/idempotency/state-keys.js";

export interface ArchiveBucketProps {
  readonly archivePrefix: string;
  /** 0 = never. */
  readonly infrequentAccessDays: number;
  /** 0 = never. */
  readonly glacierDays: number;
  /** Days after which objects under EXPIRING_STATE_PREFIXES are deleted. */
  readonly stateRetentionDays: number;
  /** How long overwritten or deleted object versions are kept. */
  readonly noncurrentVersionDays?: number;
  /** How long server access logs are kept. */
  readonly accessLogDays?: number;
}

export class ArchiveBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly archivePrefix: string;
  readonly statePrefix = STATE_ROOT;

  constructor(scope: Construct, id: string, props: ArchiveBucketProps) {
    super(scope, id);
    this.archivePrefix = props.archivePrefix;

    this.accessLogs = new s3.Bucket(this, "AccessLogs", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Server access log delivery supports SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      autoDeleteObjects: false,
      lifecycleRules: [{ id: "expire-access-logs", expiration: Duration.days(props.accessLogDays ?? 90) }],
    });

    const transitions: s3.Transition[] = [];
    if (props.infrequentAccessDays > 0) {
      transitions.push({ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(props.infrequentAccessDays) });
    }
    if (props.glacierDays > 0) {
      transitions.push({ storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(props.glacierDays) });
    }

    const lifecycleRules: s3.LifecycleRule[] = [
      {
        // Everything, state included: old versions go, half-finished uploads go. Nothing transitions.
        // The archiver resumes its multipart uploads across deliveries (docs/artifact-archiving.md):
        // 7 days is far past the poller's give-up, so only uploads nobody will finish are removed.
        id: "expire-old-versions",
        noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays ?? 30),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
        expiredObjectDeleteMarker: true,
      },
    ];
    if (transitions.length > 0) {
      // Only the archive prefix ever leaves S3 Standard; `_simwatch/` state is read every minute.
      lifecycleRules.push({ id: "archive-storage-classes", prefix: props.archivePrefix, transitions });
    }
    lifecycleRules.push(...expiringStateRules(props.stateRetentionDays));

    this.bucket = new s3.Bucket(this, "Bucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      autoDeleteObjects: false,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: "archive/",
      lifecycleRules,
    });
  }

  /** `arn:…:bucket/<archive prefix>*` */
  archiveObjectsArn(): string {
    return this.bucket.arnForObjects(`${this.archivePrefix}*`);
  }

  /** `arn:…:bucket/_simwatch/*` */
  stateObjectsArn(): string {
    return this.bucket.arnForObjects(`${this.statePrefix}*`);
  }
}

/** Noncurrent versions of expired state are kept this long, then go. */
const EXPIRED_STATE_VERSION_DAYS = 1;

/**
 * One rule per expiring state prefix (and none anywhere else): current objects expire after
 * `days`. The bucket is versioned, so an expiry only hides an object behind a delete marker;
 * its bytes stay, billed, as a noncurrent version. State is small but many objects (a few per
 * run, one per command), and every one would linger another month under the bucket-wide rule,
 * so these versions go a day later instead; the bucket-wide rule then removes the delete
 * markers left with no versions behind them.
 */
function expiringStateRules(days: number): s3.LifecycleRule[] {
  return EXPIRING_STATE_PREFIXES.map((prefix) => ({
    id: `expire-state-${prefix.slice(STATE_ROOT.length).replace(/\/$/, "")}`,
    prefix,
    expiration: Duration.days(days),
    noncurrentVersionExpiration: Duration.days(EXPIRED_STATE_VERSION_DAYS),
  }));
}
