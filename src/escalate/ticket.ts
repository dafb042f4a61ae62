/**
 * The support ticket payload (Microsoft.Support 2024-04-01 `SupportTicketDetails`), built from
 * everything the run found and tried. Pure: the classification is looked up beforehand
 * (./classification.ts) and the contact comes from configuration.
 */
import type { EscalationContact } from '../config';
import type { FixReport } from '../model/report';
import type { Topology } from '../model/topology';
import type { Diagnosis } from '../model/diagnosis';
import type { RunContext } from '../model/run';
import type { ValidationResult } from '../model/validation';
import type { TicketClassification } from './classification';
import { describeNetworkWatcherEvidence, type NetworkWatcherEvidence } from './networkWatcher';

/**
 * Length limits. The REST spec declares none for title and description; these are the limits the
 * Azure portal's ticket form enforces, so a payload that fits them is accepted everywhere.
 */
export const MAX_TITLE_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 5000;

export type TicketSeverity = 'minimal' | 'moderate' | 'critical' | 'highestcriticalimpact';

export interface SupportTicketPayload {
  properties: {
    serviceId: string;
    title: string;
    description: string;
    problemClassificationId: string;
    severity: TicketSeverity;
    advancedDiagnosticConsent: 'Yes' | 'No';
    require24X7Response: boolean;
    contactDetails: {
      firstName: string;
      lastName: string;
      primaryEmailAddress: string;
      preferredContactMethod: 'email';
      preferredTimeZone: string;
      preferredSupportLanguage: string;
      country: string;
    };
    technicalTicketDetails: { resourceId: string };
  };
}

export interface TicketInput {
  run: RunContext;
  topology: Topology;
  diagnosis: Diagnosis;
  fixes: readonly FixReport[];
  stillDown: readonly string[];
  /** The backends Microsoft is asked to look at (default: every one in `stillDown`). */
  forMicrosoft?: readonly string[];
  validation?: ValidationResult;
  classification: TicketClassification;
  contact: EscalationContact;
  /** Network Watcher's word on the backends nothing explained (IP flow verify, connectivity check). */
  networkWatcher?: readonly NetworkWatcherEvidence[];
  /** Whether Microsoft may collect advanced diagnostics from the resources: the customer's answer (default No). */
  advancedDiagnosticConsent?: 'Yes' | 'No';
}

/**
 * Severity from how many backends stay down: every one (the load balancer serves nothing new) is
 * `critical`; some is `moderate`; none (a load-balancer cause alone) is `minimal`.
 * `highestcriticalimpact` is never chosen: it needs a Premier/Unified plan and a 24x7 contact, which
 * a person, not an automaton, should commit to.
 */
export function severityFor(backendsTotal: number, backendsDown: number): TicketSeverity {
  if (backendsDown <= 0) return 'minimal';
  return backendsDown >= backendsTotal ? 'critical' : 'moderate';
}

/** Cuts text to `max` characters, marking the cut so a reader knows something is missing. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = ' [truncated]';
  return text.slice(0, Math.max(0, max - marker.length)) + marker;
}

function describeFix(fix: FixReport): string {
  const what =
    fix.kind === 'recommendation' ? `recommendation for ${fix.target}` : `${fix.kind} on ${fix.target}`;
  const rule = typeof fix.detail.ruleName === 'string' ? ` rule ${fix.detail.ruleName}` : '';
  const priority = typeof fix.detail.priority === 'number' ? ` priority ${fix.detail.priority}` : '';
  return `- ${what}${rule}${priority}: ${fix.status}${fix.reason ? ` (${fix.reason})` : ''}`;
}

/** The report's notes, load balancer first, then each backend's, each once. */
function notesSection(diagnosis: TicketInput['diagnosis']): string[] {
  const notes = [
    ...(diagnosis.notes ?? []).map((n) => `- ${n.summary}`),
    ...diagnosis.backends.flatMap((b) =>
      (b.notes ?? []).map((n) => `- ${b.ipAddress ?? b.key}: ${n.summary}`),
    ),
  ];
  const unique = [...new Set(notes)];
  return unique.length > 0 ? ['', 'Notes:', ...unique] : [];
}

/** The description: ids first (they must survive truncation), then findings, fixes, validation. */
export function ticketDescription(input: TicketInput): string {
  const { run, diagnosis, fixes, stillDown, topology, validation } = input;
  const asked = new Set(input.forMicrosoft ?? stillDown);
  const down = diagnosis.backends.filter((b) => asked.has(b.key));
  const customerOwned = diagnosis.backends.filter((b) => stillDown.includes(b.key) && !asked.has(b.key));
  const lines = [
    `probe-doctor run ${run.runId}${run.alertId ? ` (alert ${run.alertId})` : ''}.`,
    `Load balancer: ${topology.loadBalancer.id} (${topology.loadBalancer.sku}).`,
    `${stillDown.length} of ${diagnosis.backends.length} backend(s) still fail the health probe.`,
    '',
    'Load balancer findings:',
    ...(diagnosis.causes.length > 0 ? diagnosis.causes.map((c) => `- ${c.id}: ${c.summary}`) : ['- none']),
    '',
    'Backends still down that nothing probe-doctor checks explains:',
    ...down.flatMap((b) => [
      `- ${b.ipAddress ?? b.key}${b.vmId ? ` (${b.vmId})` : ''}: ${b.healthReason ?? 'no reason reported'}`,
      ...(b.causes.length > 0
        ? b.causes.map((c) => `  - ${c.id}: ${c.summary}`)
        : ['  - unknown: every check passed']),
    ]),
    ...(customerOwned.length > 0
      ? [
          '',
          'Also down, for a cause the customer owns (reported to the customer, not part of this request):',
          ...customerOwned.map(
            (b) => `- ${b.ipAddress ?? b.key}: ${b.causes.map((c) => c.id).join(', ') || 'no cause'}`,
          ),
        ]
      : []),
    // The report's notes: what a support engineer needs to read the causes right (floating IP, TCP
    // timestamps, a guest that could not be checked).
    ...notesSection(diagnosis),
    '',
    'What probe-doctor tried:',
    ...(fixes.length > 0 ? fixes.map(describeFix) : ['- nothing was changed']),
  ];
  if (validation) {
    lines.push('', `Validation after the fixes: ${validation.stillDown.length} backend(s) still down.`);
  }
  lines.push(...describeNetworkWatcherEvidence(input.networkWatcher ?? []));
  return truncate(lines.join('\n'), MAX_DESCRIPTION_LENGTH);
}

/** Builds the ticket payload. */
export function buildSupportTicket(input: TicketInput): SupportTicketPayload {
  const { topology, diagnosis, stillDown, contact, classification } = input;
  const total = diagnosis.backends.length;
  const title = truncate(
    `Health probe failing on load balancer ${topology.loadBalancer.name}: ${stillDown.length} of ${total} backends down`,
    MAX_TITLE_LENGTH,
  );
  return {
    properties: {
      serviceId: classification.serviceId,
      title,
      description: ticketDescription(input),
      problemClassificationId: classification.problemClassificationId,
      severity: severityFor(total, stillDown.length),
      // The customer's answer; never given on their behalf.
      advancedDiagnosticConsent: input.advancedDiagnosticConsent ?? 'No',
      require24X7Response: false,
      contactDetails: {
        firstName: contact.firstName ?? '',
        lastName: contact.lastName ?? '',
        primaryEmailAddress: contact.email ?? '',
        preferredContactMethod: 'email',
        preferredTimeZone: contact.timeZone ?? 'UTC',
        preferredSupportLanguage: contact.language ?? 'en-US',
        country: contact.country ?? '',
      },
      technicalTicketDetails: { resourceId: topology.loadBalancer.id },
    },
  };
}
