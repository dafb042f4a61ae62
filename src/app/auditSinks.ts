/**
 * The audit destinations of a process, from configuration: Application Insights (the product's review
 * surface), a JSON-lines file, or both. A process that may change networks must have one.
 */
import type { TokenCredential } from '@azure/core-auth';
import { DiscardAuditSink } from '../audit/discardSink';
import { FanOutAuditSink } from '../audit/fanOutSink';
import { JsonLinesAuditSink } from '../audit/jsonLinesSink';
import type { AuditSink } from '../audit/sink';
import { SETTING_PREFIX, type ProbeDoctorConfig } from '../config';
import { ConfigurationError } from '../errors';

/**
 * Builds the sink the configuration names. In fix mode a run without an audit destination would
 * change networks unrecorded, so that is refused with the settings to set.
 *
 * @param credential Entra credential for App Insights ingestion (local auth is disabled by the infra).
 */
export async function createConfiguredAuditSink(
  config: ProbeDoctorConfig,
  credential?: TokenCredential,
): Promise<AuditSink> {
  const sinks: AuditSink[] = [];
  if (config.applicationInsightsConnectionString) {
    // Loaded on first use: the Application Insights SDK (and the OpenTelemetry stack under it) takes
    // long to load and is needed only where a connection string is configured.
    const { AppInsightsAuditSink } = await import('../audit/appInsightsSink');
    sinks.push(
      new AppInsightsAuditSink({
        connectionString: config.applicationInsightsConnectionString,
        ...(credential ? { credential } : {}),
      }),
    );
  }
  if (config.auditLogFile) sinks.push(await JsonLinesAuditSink.toFile(config.auditLogFile));
  if (sinks.length === 0) {
    if (config.mode === 'fix') {
      throw new ConfigurationError(
        'APPLICATIONINSIGHTS_CONNECTION_STRING',
        `Setting APPLICATIONINSIGHTS_CONNECTION_STRING or ${SETTING_PREFIX}AUDIT_LOG_FILE is required when ${SETTING_PREFIX}MODE is fix: every change must be audited.`,
      );
    }
    return new DiscardAuditSink();
  }
  return sinks.length === 1 && sinks[0] ? sinks[0] : new FanOutAuditSink(sinks);
}
