/**
 * Audit events to Application Insights as custom events (the `customEvents` table), through Azure
 * Monitor's OpenTelemetry exporter (`@azure/monitor-opentelemetry-exporter`) in a LoggerProvider of our
 * own: the same log pipeline the Azure Monitor OpenTelemetry Distro builds (an `AzureMonitorLogExporter`
 * behind a `BatchLogRecordProcessor`), without the Distro's global providers and auto-collection, so the
 * Functions host's own telemetry is untouched and nothing else shares this pipeline. A log record with
 * the `microsoft.custom_event.name` attribute is exported as a custom event (`EventData`) with the other
 * attributes as its properties (`customDimensions`). Why this path: docs/design.md, "Ecosystem".
 *
 * What "written" means here, honestly:
 * - `emit` resolves when the event is QUEUED in the batch processor, in memory. A crash before the next
 *   export loses it.
 * - `flush` asks the processor to export the queue now. The exporter reports a failed export only as a
 *   result code, so `flush` cannot tell the caller whether ingestion accepted the batch.
 * - `emitAndConfirm` is the way to know. The exporter's HTTP pipeline accepts extra policies
 *   (`additionalPolicies`, a client option of the Azure SDK); this sink adds one that reads each
 *   `/v2.1/track` answer (`itemsReceived`, `itemsAccepted`, `errors[].index`) and matches it to the events
 *   in the batch by their `eventId`. `emitAndConfirm` resolves only when the ingestion endpoint accepted
 *   that event (HTTP 200, or 206 with the event not among the errors), and rejects with AuditWriteError
 *   otherwise (refused, throttled, unreachable, no answer within the timeout). "Accepted" means the
 *   ingestion service took it; it shows up in queries some minutes later.
 *
 * Outbound connections: this pipeline has no live metrics, no standard metrics and no resource
 * detectors; the exporter's own statistics (statsbeat, "SDK stats") are switched off through the
 * environment variables it reads (`APPLICATIONINSIGHTS_SDKSTATS_DISABLED`,
 * `APPLICATIONINSIGHTS_STATSBEAT_DISABLED`, the legacy `APPLICATION_INSIGHTS_NO_STATSBEAT`; set to true
 * when unset), so only the connection string's ingestion endpoint is contacted (the test records every
 * socket the child process opens and every DNS lookup).
 */
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';
import { AzureMonitorLogExporter } from '@azure/monitor-opentelemetry-exporter';
import type { Logger } from '@opentelemetry/api-logs';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { AuditWriteError, messageOf } from './errors';
import { parseAuditEvent, toDimensions, type AuditEvent } from './events';
import type { ConfirmingAuditSink } from './sink';

export interface AppInsightsSinkOptions {
  /** `InstrumentationKey=...;IngestionEndpoint=https://...` (config: APPLICATIONINSIGHTS_CONNECTION_STRING). */
  connectionString: string;
  /**
   * Entra ID credential for ingestion. Needed when the resource has local auth disabled (as infra/
   * deploys it); the managed identity needs "Monitoring Metrics Publisher" on the component.
   */
  credential?: TokenCredential;
  /**
   * Keep batches that failed with a retriable status on disk and resend them later (the exporter's
   * offline storage). Default true. A confirmed emit never counts a batch parked on disk as delivered.
   */
  offlineStorage?: boolean;
  /** How long `emitAndConfirm` waits for the ingestion answer. Default 30 s. */
  confirmTimeoutMs?: number;
}

/** What the ingestion endpoint said about one event. */
interface IngestionAnswer {
  accepted: boolean;
  detail: string;
}

/** The body the ingestion endpoint answers with. */
interface TrackResponse {
  itemsReceived?: number;
  itemsAccepted?: number;
  errors?: { index?: number; statusCode?: number; message?: string }[];
}

/** Pulls our eventId out of each envelope of a `/v2.1/track` request body, in batch order. */
export function eventIdsOfBatch(body: unknown): (string | undefined)[] {
  if (typeof body !== 'string') return [];
  try {
    const envelopes = JSON.parse(body) as unknown;
    if (!Array.isArray(envelopes)) return [];
    return envelopes.map((e: { data?: { baseData?: { properties?: Record<string, unknown> } } }) => {
      const id = e?.data?.baseData?.properties?.eventId;
      return typeof id === 'string' ? id : undefined;
    });
  } catch {
    return [];
  }
}

/**
 * Reads one ingestion answer into a verdict per event of the batch (pure; exported for tests).
 * 200 with no errors: all accepted. 206: all but the indexes in `errors`. Anything else: none.
 */
export function answersOf(
  ids: readonly (string | undefined)[],
  status: number,
  bodyText: string | undefined,
): Map<string, IngestionAnswer> {
  let body: TrackResponse = {};
  try {
    body = bodyText ? (JSON.parse(bodyText) as TrackResponse) : {};
  } catch {
    // A non-JSON answer (a proxy's HTML error page) carries no per-item detail; the status decides.
  }
  const rejected = new Map<number, string>();
  for (const e of body.errors ?? []) {
    if (typeof e.index === 'number')
      rejected.set(e.index, `${e.statusCode ?? status} ${e.message ?? ''}`.trim());
  }
  const answers = new Map<string, IngestionAnswer>();
  ids.forEach((id, index) => {
    if (id === undefined) return;
    const ok = (status === 200 || status === 206) && !rejected.has(index);
    const detail = ok
      ? `accepted (HTTP ${status})`
      : rejected.has(index)
        ? `rejected by ingestion: ${rejected.get(index)}`
        : `ingestion answered HTTP ${status}`;
    answers.set(id, { accepted: ok, detail });
  });
  return answers;
}

/**
 * The attribute that makes the exporter send a log record as a custom event named by its value
 * (`ApplicationInsightsCustomEventName` in the exporter's `utils/constants/applicationinsights`).
 */
export const CUSTOM_EVENT_NAME_ATTRIBUTE = 'microsoft.custom_event.name';

export class AppInsightsAuditSink implements ConfirmingAuditSink {
  readonly name = 'app-insights';
  private readonly provider: LoggerProvider;
  private readonly logger: Logger;
  /** Events whose confirmation someone awaits, and the answer once it came. */
  private readonly awaited = new Map<string, IngestionAnswer | undefined>();
  private readonly confirmTimeoutMs: number;
  private closed = false;

  constructor(options: AppInsightsSinkOptions) {
    if (!/InstrumentationKey=/i.test(options.connectionString)) {
      throw new AuditWriteError(
        'Application Insights connection string has no InstrumentationKey (expected "InstrumentationKey=...;IngestionEndpoint=...").',
        'app-insights',
      );
    }
    // The exporter reads these only from the environment; without them it reports its own statistics
    // to a Microsoft host of its choosing, which is not the endpoint the user configured.
    process.env.APPLICATIONINSIGHTS_SDKSTATS_DISABLED ??= 'true';
    process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED ??= 'true';
    // Without this legacy switch the exporter still starts network statistics, whose first step asks the
    // Azure VM metadata service (169.254.169.254) where it runs.
    process.env.APPLICATION_INSIGHTS_NO_STATSBEAT ??= 'true';
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? 30_000;
    const exporter = new AzureMonitorLogExporter({
      connectionString: options.connectionString,
      disableOfflineStorage: options.offlineStorage === false,
      ...(options.credential ? { credential: options.credential } : {}),
      additionalPolicies: [{ policy: this.answerPolicy(), position: 'perCall' }],
    });
    this.provider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter })] });
    this.logger = this.provider.getLogger('probe-doctor-audit');
  }

  /** Validates and queues the event in the batch processor (not yet sent: see the file comment). */
  emit(event: AuditEvent): Promise<void> {
    return Promise.resolve().then(() => {
      this.track(event);
    });
  }

  /** Queues, flushes, and resolves only when ingestion accepted this event. */
  async emitAndConfirm(event: AuditEvent): Promise<void> {
    const valid = parseAuditEvent(event);
    this.awaited.set(valid.eventId, undefined);
    try {
      this.track(valid);
      const answer = await this.waitForAnswer(valid);
      if (!answer.accepted) {
        throw new AuditWriteError(
          `Application Insights did not accept audit event ${valid.name}: ${answer.detail}`,
          this.name,
        );
      }
    } finally {
      this.awaited.delete(valid.eventId);
    }
  }

  /** Exports the queue now. Resolves even when ingestion refused the batch (the exporter does not say). */
  async flush(): Promise<void> {
    if (this.closed) return;
    await this.provider.forceFlush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.provider.forceFlush();
    this.closed = true;
    await this.provider.shutdown();
  }

  private track(event: AuditEvent): void {
    const valid = parseAuditEvent(event);
    if (this.closed) {
      throw new AuditWriteError(
        `Cannot write audit event ${valid.name}: the Application Insights sink is closed.`,
        this.name,
      );
    }
    this.logger.emit({
      attributes: { ...toDimensions(valid), [CUSTOM_EVENT_NAME_ATTRIBUTE]: valid.name },
    });
  }

  private async waitForAnswer(event: AuditEvent): Promise<IngestionAnswer> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new AuditWriteError(
              `No answer from Application Insights ingestion for audit event ${event.name} within ${this.confirmTimeoutMs} ms.`,
              this.name,
            ),
          ),
        this.confirmTimeoutMs,
      );
    });
    try {
      await Promise.race([this.provider.forceFlush(), timeout]);
    } finally {
      clearTimeout(timer);
    }
    const answer = this.awaited.get(event.eventId);
    if (!answer) {
      // forceFlush() resolved but no answer came through the pipeline: the export failed before any
      // HTTP exchange (e.g. the exporter was shut down), or the record was dropped before export.
      throw new AuditWriteError(
        `Application Insights sent no ingestion answer for audit event ${event.name}; treat it as not delivered.`,
        this.name,
      );
    }
    return answer;
  }

  /** The pipeline policy that reads ingestion answers for the events someone awaits. */
  private answerPolicy(): PipelinePolicy {
    return {
      name: 'probeDoctorIngestionAnswer',
      sendRequest: async (request: PipelineRequest, next) => {
        const ids = eventIdsOfBatch(request.body);
        const watched = ids.some((id) => id !== undefined && this.awaited.has(id));
        try {
          const response = await next(request);
          if (watched) this.record(answersOf(ids, response.status, response.bodyAsText ?? undefined));
          return response;
        } catch (err) {
          if (watched) {
            const detail = `not delivered: ${messageOf(err)}`;
            this.record(
              new Map(ids.flatMap((id) => (id ? [[id, { accepted: false, detail }] as const] : []))),
            );
          }
          throw err;
        }
      },
    };
  }

  private record(answers: Map<string, IngestionAnswer>): void {
    for (const [id, answer] of answers) if (this.awaited.has(id)) this.awaited.set(id, answer);
  }
}
