/**
 * Reads a JSON lines audit trail back and renders a run's timeline as text, so a run can be reviewed
 * without Azure (`probe-doctor audit --file run.jsonl`). Pure: the CLI does the file I/O.
 */
import { InvalidInputError } from '../errors';
import { isInvalidAuditEventError } from './errors';
import { parseAuditEvent, type AuditEvent } from './events';

/**
 * Parses JSON lines text into events, skipping blank lines. A line that is not JSON or not a valid
 * event is an InvalidInputError naming `source` and the line number (1-based), but for one: a last line
 * with no line break after it that is not JSON is a write cut short (the process stopped mid-line), so
 * it is left out and `onCutShort` is told where, and the events before it still read.
 */
export function parseAuditLines(
  text: string,
  source: string,
  onCutShort?: (where: string) => void,
): AuditEvent[] {
  const events: AuditEvent[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${source} line ${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      // Every line the sink writes ends with a line break: one without is the end of a cut write.
      if (index === lines.length - 1 && onCutShort) {
        onCutShort(where);
        return;
      }
      throw new InvalidInputError(`${where}: not JSON (${(err as Error).message}).`, where, { cause: err });
    }
    try {
      events.push(parseAuditEvent(value));
    } catch (err) {
      if (isInvalidAuditEventError(err))
        throw new InvalidInputError(`${where}: ${err.message}`, where, { cause: err });
      throw err;
    }
  });
  return events;
}

/** Run ids in the order their first event appears. */
export function runIdsOf(events: readonly AuditEvent[]): string[] {
  return [...new Set(events.map((e) => e.runId))];
}

/** The last segment of a resource id (`nsg-web`), or `nic/ipconfig` for a NIC IP configuration. */
export function shortName(resourceId: string): string {
  const ipConfig = /\/networkInterfaces\/([^/]+)\/ipConfigurations\/([^/]+)$/i.exec(resourceId);
  if (ipConfig) return `${ipConfig[1]}/${ipConfig[2]}`;
  return resourceId.split('/').filter(Boolean).pop() ?? resourceId;
}

const SHORT_NAME = (name: string): string => name.replace(/^ProbeDoctor\./, '');

/**
 * Characters that would let a field's text pass for something it is not on a terminal: line breaks
 * (a fake timeline line), other C0/C1 controls (ANSI escapes that move the cursor or recolour), the
 * Unicode line and paragraph separators, and bidirectional overrides (text that reads reversed).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\\]/g;
/** {@link UNSAFE} but the backslash: text that keeps its own backslashes as they are. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** One character of {@link UNSAFE} as its escape. */
function escapeOne(c: string): string {
  switch (c) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\\':
      return '\\\\';
    default:
      return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

/**
 * A field's value as the timeline prints it: every character in {@link UNSAFE} written as an escape
 * (`\n`, `\u001b`, `\\`), so whatever an event carries prints as one visible, reversible
 * piece of one line. Applied to every field the timeline renders.
 */
export function escapeText(value: string): string {
  return value.replace(UNSAFE, escapeOne);
}

/**
 * Trail text a rebuilt report shows (src/report/fromAudit.ts): line breaks, terminal controls and
 * bidirectional overrides escaped as {@link escapeText} does, backslashes left as they were written.
 */
export function escapeControls(value: string): string {
  return value.replace(CONTROLS, escapeOne);
}

/** A value inside double quotes, its own quotes escaped so it cannot close them early. */
const quoted = (value: string): string => `"${value.replace(/"/g, '\\"')}"`;

/** The event with every string field escaped for printing ({@link escapeText}). */
function escaped(e: AuditEvent): AuditEvent {
  return Object.fromEntries(
    Object.entries(e).map(([key, value]) => [key, typeof value === 'string' ? escapeText(value) : value]),
  ) as AuditEvent;
}

/** The one-line gist of an event: what it was about, and its outcome. */
function describe(e: AuditEvent): string {
  const parts: string[] = [];
  switch (e.name) {
    case 'ProbeDoctor.RunStarted':
      parts.push(`trigger=${e.trigger}`);
      break;
    case 'ProbeDoctor.BackendChecked':
      parts.push(
        `backend=${shortName(e.backend)}${e.ipAddress ? ` (${e.ipAddress})` : ''}`,
        `probe=${e.probeState}`,
      );
      if (e.healthReason) parts.push(`reason=${e.healthReason}`);
      if (e.causeIds) parts.push(`causes=${e.causeIds}`);
      // What ran in the guest (ranOf).
      if (e.runCommand) parts.push(ranOf(e.runCommand, e.scriptSha256));
      break;
    case 'ProbeDoctor.BackendsHealthy':
      parts.push(`backends=${e.count} up${e.omitted !== '0' ? ` (${e.omitted} not listed)` : ''}`);
      break;
    case 'ProbeDoctor.CauseFound':
      if (e.backend) parts.push(`backend=${shortName(e.backend)}`);
      parts.push(`cause=${e.causeId}`, quoted(e.summary));
      break;
    case 'ProbeDoctor.FixPlanned':
    case 'ProbeDoctor.FixApplied':
    case 'ProbeDoctor.FixRolledBack':
      parts.push(`fix=${e.fixKind} on ${shortName(e.target)}`);
      if (e.causeId) parts.push(`cause=${e.causeId}`);
      if (e.backend) parts.push(`backend=${shortName(e.backend)}`);
      break;
    case 'ProbeDoctor.ValidationResult':
      parts.push(`backend=${shortName(e.backend)}`, `method=${e.method}`);
      if (e.detail) parts.push(quoted(e.detail));
      if (e.runCommand) parts.push(ranOf(e.runCommand, e.scriptSha256));
      break;
    case 'ProbeDoctor.Escalated':
      if (e.causeIds) parts.push(`causes=${e.causeIds}`);
      if (e.ticketId) parts.push(`ticket=${e.ticketId}`);
      break;
    case 'ProbeDoctor.RunFinished':
      parts.push(`fixesApplied=${e.fixesApplied}`, `backendsDown=${e.backendsDown}`);
      if (e.causeIds) parts.push(`causes=${e.causeIds}`);
      break;
    case 'ProbeDoctor.AlertRejected':
      if (e.alertRule) parts.push(`rule=${e.alertRule}`);
      break;
    case 'ProbeDoctor.SweepCompleted':
      parts.push(
        `loadBalancers=${e.loadBalancersInScope}`,
        `down=${e.down}`,
        `cannotRead=${e.cannotRead}`,
        `started=${e.remediationsStarted}`,
        `joined=${e.remediationsJoined}`,
      );
      break;
    case 'ProbeDoctor.ApprovalReceived':
      parts.push(`by=${e.by}${e.verified === 'true' ? '' : ' (unverified)'}`);
      break;
    case 'ProbeDoctor.RunCommandAccepted':
      parts.push(`vm=${shortName(e.vmId)}`, `for=${e.purpose}`, ranOf(e.runCommand, e.scriptSha256));
      break;
  }
  parts.push(`outcome=${e.outcome}`);
  if ('reason' in e && e.reason) parts.push(`reason=${quoted(e.reason)}`);
  return parts.join('  ');
}

/** `ran=RunShellScript:<first 12 hex>`: enough of the hash to match a script by eye; the event has all of it. */
const ranOf = (command: string, sha256: string | undefined): string =>
  `ran=${command}${sha256 ? `:${sha256.slice(0, 12)}` : ''}`;

/** Renders one run's events (already filtered to it) as a timeline, ordered by emit time. */
export function formatTimeline(events: readonly AuditEvent[]): string {
  const safe = events.map(escaped);
  const first = safe[0];
  if (!first) return '';
  const sorted = [...safe].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  // A sweep's event names no one load balancer; a run's events all name theirs.
  const loadBalancerId = 'loadBalancerId' in first ? first.loadBalancerId : undefined;
  const alertId = 'alertId' in first ? first.alertId : undefined;
  const width = Math.max(...sorted.map((e) => SHORT_NAME(e.name).length));
  const header = [
    `Run ${first.runId}`,
    loadBalancerId ? `load balancer ${shortName(loadBalancerId)}` : undefined,
    `mode ${first.mode}`,
    alertId ? `alert ${alertId}` : undefined,
  ]
    .filter(Boolean)
    .join('  ');
  const lines = [header];
  if (loadBalancerId) lines.push(`  ${loadBalancerId}`);
  for (const e of sorted) {
    lines.push(`${e.time}  ${SHORT_NAME(e.name).padEnd(width)}  ${describe(e)}`);
    if (
      e.name === 'ProbeDoctor.FixPlanned' ||
      e.name === 'ProbeDoctor.FixApplied' ||
      e.name === 'ProbeDoctor.FixRolledBack'
    ) {
      lines.push(`    before: ${e.before}`, `    after:  ${e.after}`);
    }
  }
  // A run's trail that stops short: said at its end, where a reader looks for how the run ended.
  // Only a run that started: an alert that started none (AlertRejected) has no end to miss.
  if (
    sorted.some((e) => e.name === 'ProbeDoctor.RunStarted') &&
    !sorted.some((e) => e.name === 'ProbeDoctor.RunFinished')
  ) {
    lines.push(
      '(no RunFinished: this run has not finished, or its end was not written; what it did after the last event is not known)',
    );
  }
  return `${lines.join('\n')}\n`;
}
