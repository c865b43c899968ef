/**
 * StateStore in the archive bucket, with S3 conditional writes: create is a PUT with
 * `If-None-Match: *`, replace a PUT with `If-Match: <etag>`. S3 evaluates the condition
 * atomically, so of two overlapping writers exactly one wins.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { backoffDelay, sleep } from "../core/util/backoff.js";
import type { StateStore, Versioned } from "../core/ports.js";
import { InvalidKeyError } from "./errors.js";
import { isConditionalConflict, isNotFound, isPreconditionFailed } from "./s3-errors.js";
import { decodeState, encodeState } from "./state-codec.js";

export interface S3StateStoreOptions {
  client: S3Client;
  bucket: string;
  /** Keys per ListObjectsV2 page (S3's maximum and default is 1000). */
  listPageSize?: number;
}

/** How an ETag is written in If-Match; see replace(). */
type EtagForm = "quoted" | "bare";

const CONFLICT_ATTEMPTS = 5;

export class S3StateStore implements StateStore {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly listPageSize: number;
  private ifMatchForm: EtagForm = "quoted";

  constructor(options: S3StateStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.listPageSize = options.listPageSize ?? 1000;
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    checkKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = (await response.Body?.transformToString("utf-8")) ?? "";
      if (response.ETag === undefined) throw new Error(`S3 returned no ETag for state key ${key}`);
      return { value: decodeState<T>(key, text), etag: response.ETag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async create<T>(key: string, value: T): Promise<boolean> {
    checkKey(key);
    return this.conditionalPut(key, value, { IfNoneMatch: "*" });
  }

  /**
   * S3 returns ETags in quotes, and AWS matches If-Match in that form (RFC 9110). RADOS
   * Gateway 16.2 (Debian 12's, which the tests install) answers 412 to a quoted If-Match
   * even when the ETag matches, and matches the same ETag without quotes. So: send the form
   * that last worked (quoted at first); on 412, read the current ETag, and only if it is
   * still ours retry once in the other form and remember it. The retry is itself
   * conditional, so nothing is ever written without the server checking the version; on
   * AWS the quoted form works and the fallback never runs.
   */
  async replace<T>(key: string, value: T, etag: string): Promise<boolean> {
    checkKey(key);
    const form = this.ifMatchForm;
    if (await this.conditionalPut(key, value, { IfMatch: etagIn(form, etag) })) return true;
    const current = await this.currentEtag(key);
    if (current === undefined || bare(current) !== bare(etag)) return false;
    const other: EtagForm = form === "quoted" ? "bare" : "quoted";
    if (!(await this.conditionalPut(key, value, { IfMatch: etagIn(other, etag) }))) return false;
    this.ifMatchForm = other;
    return true;
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: this.listPageSize },
      { Bucket: this.bucket, Prefix: prefix },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    }
    return keys;
  }

  /** PUT with a precondition: true when written, false when the precondition failed. */
  private async conditionalPut(
    key: string,
    value: unknown,
    condition: Pick<PutObjectCommandInput, "IfMatch" | "IfNoneMatch">,
  ): Promise<boolean> {
    const body = encodeState(key, value);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: "application/json", ...condition }),
        );
        return true;
      } catch (error) {
        if (isPreconditionFailed(error)) return false;
        // If-Match on a key that does not exist: AWS answers 404 NoSuchKey, RGW 412.
        if (condition.IfMatch !== undefined && isNotFound(error)) return false;
        if (isConditionalConflict(error) && attempt < CONFLICT_ATTEMPTS) {
          await sleep(20 + backoffDelay(attempt - 1, { baseMs: 40, maxMs: 400 }));
          continue;
        }
        throw error;
      }
    }
  }

  private async currentEtag(key: string): Promise<string | undefined> {
    try {
      return (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))).ETag;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function bare(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

function etagIn(form: EtagForm, etag: string): string {
  return form === "quoted" ? `"${bare(etag)}"` : bare(etag);
}

function checkKey(key: string): void {
  if (key === "") throw new InvalidKeyError(key, "it is empty");
}
