/**
 * A stand-in for the EventBridge Scheduler API on a loopback port, speaking its REST-JSON wire
 * protocol for CreateSchedule (POST /schedules/{Name}), UpdateSchedule (PUT), DeleteSchedule
 * (DELETE ?groupName=) and GetSchedule (GET ?groupName=): errors as Scheduler sends them
 * (x-amzn-ErrorType and a {"Message"} body), schedules kept per group, the fields Scheduler
 * requires checked, and SigV4 for the "scheduler" service required. `fire` builds the event a
 * schedule's EventBridge target would put on the bus at a given time.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeLoopback, listenOnLoopback, requestBody } from "./loopback.js";

export interface StubSchedule {
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  FlexibleTimeWindow: { Mode: string };
  State?: string;
  Description?: string;
  Target: {
    Arn: string;
    RoleArn: string;
    Input?: string;
    EventBridgeParameters?: { Source: string; DetailType: string };
    RetryPolicy?: { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number };
    DeadLetterConfig?: { Arn: string };
  };
}

export interface SchedulerCall {
  method: string;
  name: string;
  groupName?: string;
  status: number;
  authorization?: string;
}

const NAME = /^[0-9a-zA-Z_.-]{1,64}$/;
/** cron(min hour dom month dow year): six fields, one of the day fields "?". */
const AWS_CRON = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/;

export class SchedulerStub {
  readonly calls: SchedulerCall[] = [];
  /** By group, then name. */
  readonly groups = new Map<string, Map<string, StubSchedule>>();
  private readonly failures: ("internal" | "throttle")[] = [];
  private port = 0;
  private readonly server = createServer((request, response) => {
    void this.handle(request, response).catch((error: unknown) => this.error(response, 500, "InternalServerException", String(error)));
  });

  static async start(): Promise<SchedulerStub> {
    const stub = new SchedulerStub();
    stub.port = await listenOnLoopback(stub.server);
    return stub;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  schedule(groupName: string, name: string): StubSchedule | undefined {
    return this.groups.get(groupName)?.get(name);
  }

  /** The next `count` calls answer HTTP 500 InternalServerException or 429 ThrottlingException. */
  failNext(count: number, kind: "internal" | "throttle"): void {
    for (let i = 0; i < count; i++) this.failures.push(kind);
  }

  /** The event the schedule's EventBridge target puts on the bus when it fires at `scheduledTime`. */
  fire(groupName: string, name: string, scheduledTime: Date): { source: string; "detail-type": string; detail: unknown; id: string } {
    const schedule = this.schedule(groupName, name);
    if (!schedule?.Target.EventBridgeParameters) throw new Error(`no EventBridge-target schedule ${groupName}/${name}`);
    const time = scheduledTime.toISOString().replace(/\.\d{3}Z$/, "Z");
    const input = (schedule.Target.Input ?? "{}").replaceAll("<aws.scheduler.scheduled-time>", time);
    const { Source, DetailType } = schedule.Target.EventBridgeParameters;
    return { source: Source, "detail-type": DetailType, detail: JSON.parse(input) as unknown, id: randomUUID() };
  }

  reset(): void {
    this.calls.length = 0;
    this.groups.clear();
    this.failures.length = 0;
  }

  close(): Promise<void> {
    return closeLoopback(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await requestBody(request);
    const url = new URL(request.url ?? "/", this.endpoint);
    const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    const name = decodeURIComponent(match?.[1] ?? "");
    const call: SchedulerCall = { method: request.method ?? "", name, status: 0, ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}) };
    this.calls.push(call);
    const answer = (status: number, body: unknown) => {
      call.status = status;
      this.json(response, status, body);
    };
    const fail = (status: number, type: string, message: string) => {
      call.status = status;
      this.error(response, status, type, message);
    };

    if (!/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[\w-]+\/scheduler\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/.test(call.authorization ?? "")) {
      return fail(403, "UnrecognizedClientException", "The request is not signed for the scheduler service");
    }
    if (!match || !NAME.test(name)) return fail(404, "UnknownOperationException", `No operation at ${request.method} ${url.pathname}`);
    const failure = this.failures.shift();
    if (failure === "internal") return fail(500, "InternalServerException", "Internal error (stub)");
    if (failure === "throttle") return fail(429, "ThrottlingException", "Rate exceeded (stub)");

    if (request.method === "DELETE" || request.method === "GET") {
      const groupName = url.searchParams.get("groupName") ?? "default";
      call.groupName = groupName;
      const found = this.schedule(groupName, name);
      if (!found) return fail(404, "ResourceNotFoundException", `Schedule ${name} does not exist.`);
      if (request.method === "DELETE") {
        this.groups.get(groupName)?.delete(name);
        return answer(200, {});
      }
      return answer(200, found);
    }
    if (request.method !== "POST" && request.method !== "PUT") return fail(404, "UnknownOperationException", `No ${request.method} on schedules`);
    if (!String(request.headers["content-type"] ?? "").startsWith("application/json")) return fail(400, "ValidationException", "Expected a JSON body");
    const body = JSON.parse(raw.toString("utf8")) as Omit<StubSchedule, "Name">;
    const groupName = body.GroupName ?? "default";
    call.groupName = groupName;
    const problem = this.invalid(body);
    if (problem) return fail(400, "ValidationException", problem);
    const group = this.groups.get(groupName) ?? new Map<string, StubSchedule>();
    this.groups.set(groupName, group);
    const exists = group.has(name);
    if (request.method === "POST" && exists) return fail(409, "ConflictException", `Schedule ${name} already exists.`);
    if (request.method === "PUT" && !exists) return fail(404, "ResourceNotFoundException", `Schedule ${name} does not exist.`);
    group.set(name, { ...body, Name: name, GroupName: groupName });
    return answer(200, { ScheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/${groupName}/${name}` });
  }

  /** What Scheduler would refuse with a ValidationException. */
  private invalid(body: Omit<StubSchedule, "Name">): string | undefined {
    if (!body.FlexibleTimeWindow?.Mode) return "FlexibleTimeWindow is required";
    if (!body.Target?.Arn || !body.Target.RoleArn) return "Target.Arn and Target.RoleArn are required";
    const cron = AWS_CRON.exec(body.ScheduleExpression ?? "");
    if (!cron) return `Invalid Schedule Expression ${body.ScheduleExpression}`;
    if ((cron[3] === "?") === (cron[5] === "?")) return "Exactly one of day-of-month and day-of-week must be ?";
    if (cron[5] !== "?" && !/^[1-7](?:[-,][1-7])*$/.test(cron[5] ?? "")) return `Invalid day-of-week ${cron[5]}`;
    if (body.ScheduleExpressionTimezone !== undefined) {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: body.ScheduleExpressionTimezone });
      } catch {
        return `Invalid ScheduleExpressionTimezone ${body.ScheduleExpressionTimezone}`;
      }
    }
    return undefined;
  }

  private json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "x-amzn-requestid": randomUUID(), ...headers });
    response.end(text);
  }

  private error(response: ServerResponse, status: number, type: string, message: string): void {
    this.json(response, status, { Message: message }, { "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.aws.scheduler/` });
  }
}
