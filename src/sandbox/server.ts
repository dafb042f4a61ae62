/**
 * The local ARM emulator: HTTPS on 127.0.0.1, spoken to by the real @azure/arm-network and
 * @azure/arm-compute clients (notes/durable-local-host.md). It serves the scenario's resources,
 * computes what Azure would derive from them, applies security rule writes, answers long-running
 * operations with ARM's protocol, injects faults on demand, and logs every request.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureError } from '../errors';
import {
  anotherOperationInProgress,
  retryableDueToAnotherOperation,
  authenticationMissing,
  authorizationFailed,
  linkedAuthorizationFailed,
  invalidRequest,
  missingApiVersion,
  serverError,
  throttled,
  unsupported,
} from './armErrors';
import { generateSandboxCertificate } from './cert';
import { SkippableClock, sleepOn, waitUntil, type SandboxClock } from './clock';
import type { SandboxBehaviour, SandboxContext } from './context';
import { defaultViews } from './defaultViews';
import { seedEtags } from './etags';
import { FaultInjector, type RequestKind } from './faults';
import { forbiddenScope } from './forbidden';
import { linkedActionsOf } from './linkedAuthorization';
import { actionCheckOf } from './permissions';
import { SandboxHttpError, isSandboxHttpError } from './httpError';
import { LockTable, OperationStore } from './lro';
import { ProbeTimeline, timedViews } from './probeTime';
import { armOperationName, runCommandOf, type RequestLogEntry } from './requestLog';
import { matchRoute, type ArmRequest, type ArmResponse } from './router';
import { ROUTES } from './routes';
import type { Faults, Scenario } from './scenario';
import { writeInSlices } from './slicing';
import { createSandboxState, type SandboxState } from './state';
import { primeStoredJson } from './storedJson';
import { SupportTicketStore } from './support';
import type { SandboxViews } from './views';
import {
  durationMs,
  IN_PROCESS_DEFAULT,
  resolveTimeModel,
  type TimeModel,
  type TimeSettings,
} from './timeModel';

export type { RequestLogEntry } from './requestLog';

export interface SandboxOptions {
  scenario: Scenario;
  /** 0 or omitted: an ephemeral port. */
  port?: number;
  /** The derived views; tests inject fakes. Default: src/sandbox/derive and src/sandbox/guest. */
  views?: SandboxViews;
  /** LRO pacing and list paging; see {@link SandboxBehaviour}. */
  behaviour?: Partial<SandboxBehaviour>;
  /**
   * The sandbox's time (clock.ts). Default: a {@link SkippableClock}, which is wall time until its
   * owner in this process (a local durable host given it as the target's clock) moves it.
   */
  clock?: SandboxClock;
  /**
   * Whether per-rule health and the metric follow a change only after the probe re-tested
   * (probeTime.ts). Default: on, unless `views` are injected (fakes answer as they are told).
   */
  probeTiming?: boolean;
  /**
   * Per-kind latencies and durations (timeModel.ts). Wins over the scenario's `time` block, which
   * wins over the in-process default (scale 0: instant requests; probes at their real interval).
   */
  time?: TimeSettings;
  /** What applies when neither `time` nor the scenario says: default {@link IN_PROCESS_DEFAULT}. */
  defaultTime?: TimeSettings;
}

export interface Sandbox {
  /** `https://127.0.0.1:PORT` */
  endpoint: string;
  /** PEM of the self-signed certificate; clients pass it as `tlsOptions: { ca }`. */
  ca: string;
  state: SandboxState;
  /** The sandbox's time: pass it as the sandbox target's `clock` to let a local run skip waits. */
  clock: SandboxClock;
  /** The time model in use: how long each kind of request and operation takes on `clock`. */
  time: TimeModel;
  requestLog: RequestLogEntry[];
  /** Support tickets submitted so far (Microsoft.Support PUTs), oldest first. */
  supportTickets(): Record<string, unknown>[];
  /** Replaces the fault settings (undefined: no faults); the generator restarts from the seed. */
  setFaults(faults: Partial<Faults> | undefined): void;
  stop(): Promise<void>;
}

/** Defaults: actions answer on the first poll; writes say "InProgress" once first (two polls). */
export const DEFAULT_BEHAVIOUR: SandboxBehaviour = { actionPolls: 0, writePolls: 1, pageSize: 0 };

const RATE_LIMIT_READS = 11999;
const RATE_LIMIT_WRITES = 1199;

const POLL_PATH =
  /^\/subscriptions\/[^/]+\/providers\/([^/]+\/locations\/[^/]+\/(operations|operationResults)|Microsoft\.Support\/(operationsStatus|operationResults))\/[^/]+\/?$/i;

/** Read, write or poll: decides which faults apply and which rate-limit header is sent. */
export function requestKind(method: string, path: string): RequestKind {
  if (POLL_PATH.test(path)) return 'poll';
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

function isResourceWrite(method: string): boolean {
  return method === 'PUT' || method === 'DELETE' || method === 'PATCH';
}

function subscriptionOf(path: string): string {
  return /^\/subscriptions\/([^/]+)/i.exec(path)?.[1] ?? '00000000-0000-0000-0000-000000000000';
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim().length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalidRequest(`The request body is not valid JSON: ${ensureError(err).message}`);
  }
}

/** ARM's answer for a failure: its own when it is one, else a 500 naming what went wrong. */
function asSandboxError(err: unknown): SandboxHttpError {
  return isSandboxHttpError(err)
    ? err
    : new SandboxHttpError(500, 'InternalServerError', `Sandbox error: ${ensureError(err).message}`);
}

/** Starts the sandbox on 127.0.0.1 and resolves once it listens. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const certificate = await generateSandboxCertificate();
  const state = createSandboxState(options.scenario);
  seedEtags(state);
  primeStoredJson(state);
  const faults = new FaultInjector(options.scenario.faults);
  const roleActions = actionCheckOf(options.scenario.permissions);
  const requestLog: RequestLogEntry[] = [];
  const remaining = { read: RATE_LIMIT_READS, write: RATE_LIMIT_WRITES };
  let endpoint = '';
  const clock = options.clock ?? new SkippableClock();
  const time = resolveTimeModel(
    options.time,
    options.scenario.time,
    options.defaultTime ?? IN_PROCESS_DEFAULT,
  );
  const operations = new OperationStore(
    () => endpoint,
    () => clock.now(),
  );
  const baseViews = options.views ?? defaultViews;
  const timeline =
    (options.probeTiming ?? options.views === undefined)
      ? new ProbeTimeline(baseViews, clock, time)
      : undefined;
  timeline?.observe(state);
  const ctx: SandboxContext = {
    state,
    views: timeline ? timedViews(baseViews, timeline) : baseViews,
    operations,
    locks: new LockTable(operations),
    tickets: new SupportTicketStore(),
    behaviour: { ...DEFAULT_BEHAVIOUR, ...options.behaviour },
    endpoint: () => endpoint,
    clock,
    time,
  };

  async function answer(
    req: IncomingMessage,
    url: URL,
    method: string,
    path: string,
    receivedAtMs: number,
    noted: Pick<RequestLogEntry, 'linkedOperations' | 'runCommand'> & { linkedOperations: string[] },
  ): Promise<ArmResponse> {
    // Read the body first: an early error answer must not leave it unread on a keep-alive socket. A body
    // that is not JSON is refused below, with the other malformed requests.
    const read = await readBody(req).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    // ARM's round trip (timeModel.ts) for every answer, a refusal too: ARM's front end answers a
    // request without a token a round trip after it arrives, like any other. Then any latency the
    // scenario's faults add, on the sandbox clock, before the answer is worked out: what it says (an
    // operation's Retry-After, whether a poll is held) is then true when it goes out, and a client that
    // waits the Retry-After arrives on time.
    await waitUntil(clock, receivedAtMs + durationMs(time, 'armRequest'));
    const auth = req.headers.authorization;
    if (typeof auth !== 'string' || !/^Bearer\s+\S+/i.test(auth)) throw authenticationMissing();
    if (!read.ok) throw read.error;
    const body = read.value;
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion) throw missingApiVersion();
    const kind = requestKind(method, path);
    await sleepOn(clock, faults.latencyMs);
    // Operations whose time is up end now, polled or not (a rule write's provisioningState).
    operations.settleDue();
    const fault = faults.decide(kind, armOperationName(method, path));
    const subscription = subscriptionOf(path);
    if (fault.kind === 'throttle') {
      throw throttled(kind === 'read' ? 'read' : 'write', subscription, fault.retryAfterSeconds);
    }
    if (fault.kind === 'server') throw serverError(fault.status, fault.retryAfterSeconds);
    if (fault.kind === 'conflict' && isResourceWrite(method)) {
      if (faults.current.conflictAnswer === 'RetryableErrorDueToAnotherOperation') {
        throw retryableDueToAnotherOperation(randomUUID(), 14);
      }
      throw anotherOperationInProgress(
        `${endpoint}/subscriptions/${subscription}/providers/Microsoft.Network/locations/local/operations/${randomUUID()}?api-version=${apiVersion}`,
      );
    }
    const operation = armOperationName(method, path);
    const scope = kind === 'poll' ? undefined : forbiddenScope(state, path);
    if (scope) throw authorizationFailed(operation ?? `${method} ${path}`, scope);
    // The role's actions are checked for every request, polls included: ARM authorizes reading an
    // operation's status like any read (Microsoft.Network/locations/operations/read).
    if (operation !== undefined && !roleActions.allows(operation)) {
      // ARM names the resource as the scope, not the action's own path segment.
      throw authorizationFailed(operation, method === 'POST' ? path.replace(/\/[^/]+\/?$/, '') : path);
    }
    // Then what the write names: a rule naming an application security group needs its join action
    // there, refused when the role lacks the action or does not reach that scope (`forbidden`).
    for (const linked of linkedActionsOf(operation, body)) {
      const refused = roleActions.allows(linked.action)
        ? linked.scopes.filter((scope) => forbiddenScope(state, scope) !== undefined)
        : linked.scopes;
      if (refused.length > 0) {
        throw linkedAuthorizationFailed(operation ?? `${method} ${path}`, path, linked.action, refused);
      }
      noted.linkedOperations.push(linked.action);
    }
    const command = runCommandOf(method, path, body);
    if (command) noted.runCommand = command;
    const match = matchRoute(ROUTES, method, path);
    if (!match) throw unsupported(method, path);
    const request: ArmRequest = {
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
      receivedAtMs,
    };
    return await match.route.handle(ctx, request, match.params);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }
    const receivedAtMs = clock.now();
    let response: ArmResponse;
    const noted: Parameters<typeof answer>[5] = { linkedOperations: [] };
    try {
      response = await answer(req, url, method, path, receivedAtMs, noted);
    } catch (err) {
      const e = asSandboxError(err);
      response = { status: e.status, body: e.toBody(), headers: { ...e.headers } };
    }
    // A write (or an operation that finished on this poll) starts the probes' re-evaluation now.
    timeline?.observe(state);
    const kind = requestKind(method, path);
    const quota = kind === 'read' ? 'read' : 'write';
    remaining[quota] = Math.max(0, remaining[quota] - 1);
    const headers: Record<string, string> = {
      'x-ms-request-id': randomUUID(),
      'x-ms-correlation-request-id': randomUUID(),
      [`x-ms-ratelimit-remaining-subscription-${quota}s`]: String(
        response.status === 429 ? 0 : remaining[quota],
      ),
      ...response.headers,
    };
    const entry: RequestLogEntry = { method, path, status: response.status };
    const apiVersion = url.searchParams.get('api-version');
    if (apiVersion) entry.apiVersion = apiVersion;
    const operation = armOperationName(method, path);
    if (operation) entry.operation = operation;
    if (noted.linkedOperations.length > 0) entry.linkedOperations = noted.linkedOperations;
    if (noted.runCommand) entry.runCommand = noted.runCommand;
    if (response.body === undefined) {
      requestLog.push(entry);
      res.writeHead(response.status, headers);
      res.end();
      return;
    }
    let text: string | Buffer;
    try {
      text = response.json !== undefined ? await response.json : JSON.stringify(response.body);
    } catch (err) {
      const e = asSandboxError(err);
      // Logged with the status it is answered with.
      requestLog.push({ ...entry, status: e.status });
      res.writeHead(e.status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(e.toBody()));
      return;
    }
    // Encoded once (or ahead, storedJson.ts): its length is the buffer's, not a second pass over the string.
    const payload = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
    requestLog.push(entry);
    res.writeHead(response.status, {
      ...headers,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(payload.length),
    });
    await writeInSlices(res, payload);
  }

  const server: Server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    ca: certificate.cert,
    state,
    clock,
    time,
    requestLog,
    supportTickets: () => ctx.tickets.all(),
    setFaults: (f) => faults.set(f),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets of SDK clients would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
