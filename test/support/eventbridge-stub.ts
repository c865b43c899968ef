/**
 * A stand-in for the EventBridge API on a loopback port: speaks AWS JSON 1.1 for
 * `AWSEvents.PutEvents`, records what arrives, and enforces PutEvents' limits (10 entries,
 * 256 KB of entries per request). Tests can make chosen entries fail, or the next calls
 * answer 500 / ThrottlingException, to exercise the client's retries.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeLoopback, listenOnLoopback, requestBody } from "./loopback.js";

export interface StubEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: string;
}

export interface StubCall {
  target: string;
  entries: StubEntry[];
  status: number;
  /** Answered with a PutEvents result, the indexes of entries it refused. */
  refused: number[];
  /** The request's Authorization and X-Amz-Security-Token headers, as sent. */
  authorization?: string;
  securityToken?: string;
}

export interface AcceptedEntry extends StubEntry {
  EventId: string;
}

type CallFailure = "internal" | "throttle";

interface EntryFailureRule {
  match: (entry: StubEntry) => boolean;
  remaining: number;
  errorCode: string;
  errorMessage: string;
}

const LIMIT_BYTES = 256 * 1024;
const JSON_11 = "application/x-amz-json-1.1";

function entryBytes(entry: StubEntry): number {
  let size = entry.Time === undefined ? 0 : 14;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    size += Buffer.byteLength(text ?? "", "utf8");
  }
  return size;
}

export class EventBridgeStub {
  /** Every request, in arrival order (failed ones included). */
  readonly calls: StubCall[] = [];
  /** Entries answered with an EventId, in arrival order. */
  readonly accepted: AcceptedEntry[] = [];
  private readonly callFailures: CallFailure[] = [];
  private readonly entryFailures: EntryFailureRule[] = [];
  private readonly server = createServer((request, response) => {
    void this.handle(request, response).catch((error: unknown) => {
      this.answerError(response, 500, "InternalFailure", error instanceof Error ? error.message : String(error));
    });
  });
  private port = 0;

  static async start(): Promise<EventBridgeStub> {
    const stub = new EventBridgeStub();
    stub.port = await listenOnLoopback(stub.server);
    return stub;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The accepted entries' details, parsed. */
  acceptedDetails(): unknown[] {
    return this.accepted.map((entry) => JSON.parse(entry.Detail ?? "null") as unknown);
  }

  /** The next `count` requests answer HTTP 500 InternalFailure or HTTP 400 ThrottlingException. */
  failNextCalls(count: number, kind: CallFailure): void {
    for (let i = 0; i < count; i++) this.callFailures.push(kind);
  }

  /** Entries matching `match` are refused (per-entry ErrorCode) the next `times` times they arrive. */
  failEntries(
    match: (entry: StubEntry) => boolean,
    times: number,
    errorCode = "InternalFailure",
    errorMessage = "Internal service error (stub)",
  ): void {
    this.entryFailures.push({ match, remaining: times, errorCode, errorMessage });
  }

  reset(): void {
    this.calls.length = 0;
    this.accepted.length = 0;
    this.callFailures.length = 0;
    this.entryFailures.length = 0;
  }

  close(): Promise<void> {
    return closeLoopback(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await requestBody(request);
    const target = String(request.headers["x-amz-target"] ?? "");
    const call: StubCall = { target, entries: [], status: 0, refused: [] };
    if (request.headers.authorization !== undefined) call.authorization = request.headers.authorization;
    const securityToken = request.headers["x-amz-security-token"];
    if (typeof securityToken === "string") call.securityToken = securityToken;
    this.calls.push(call);

    if (request.method !== "POST" || target !== "AWSEvents.PutEvents") {
      call.status = 400;
      return this.answerError(response, 400, "UnknownOperationException", `The stub only speaks AWSEvents.PutEvents, not "${target}"`);
    }
    const body = JSON.parse(raw.toString("utf8")) as { Entries?: StubEntry[] };
    call.entries = body.Entries ?? [];

    const failure = this.callFailures.shift();
    if (failure === "internal") {
      call.status = 500;
      return this.answerError(response, 500, "InternalException", "Internal service error (stub)");
    }
    if (failure === "throttle") {
      call.status = 400;
      return this.answerError(response, 400, "ThrottlingException", "Rate exceeded (stub)");
    }
    if (call.entries.length < 1 || call.entries.length > 10) {
      call.status = 400;
      return this.answerError(response, 400, "ValidationException", `Entries must have 1 to 10 items, got ${call.entries.length}`);
    }
    const total = call.entries.reduce((sum, entry) => sum + entryBytes(entry), 0);
    if (total >= LIMIT_BYTES) {
      call.status = 400;
      return this.answerError(response, 400, "ValidationException", `Total size of the entries in the request is over the limit (${total} bytes)`);
    }

    const results = call.entries.map((entry, index) => {
      const rule = this.entryFailures.find((candidate) => candidate.remaining > 0 && candidate.match(entry));
      if (rule !== undefined) {
        rule.remaining--;
        call.refused.push(index);
        return { ErrorCode: rule.errorCode, ErrorMessage: rule.errorMessage };
      }
      const EventId = randomUUID();
      this.accepted.push({ ...entry, EventId });
      return { EventId };
    });
    call.status = 200;
    this.answer(response, 200, { FailedEntryCount: call.refused.length, Entries: results });
  }

  private answer(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      "content-type": JSON_11,
      "content-length": Buffer.byteLength(text),
      "x-amzn-requestid": randomUUID(),
      ...headers,
    });
    response.end(text);
  }

  private answerError(response: ServerResponse, status: number, type: string, message: string): void {
    this.answer(response, status, { __type: type, message }, { "x-amzn-errortype": type });
  }
}
