import { ensureError } from '../errors';
/**
 * Escalation (Escalate activity): look up the classification, build the ticket, and submit it through
 * @azure/arm-support only when configured to. The payload goes into the report either way.
 *
 * @azure/arm-support 2.1 (the newest published) speaks api-version 2020-04-01, whose model has no
 * `advancedDiagnosticConsent`: the SDK's serializer drops it on the wire. The payload in the report
 * and the audit trail keeps it (2024-04-01 shape), for a person who files the ticket by hand.
 */
import type { MicrosoftSupport, SupportTicketDetails } from '@azure/arm-support';
import { callAzure } from '../azure/callError';
import type { EscalationContact } from '../config';
import type { EscalateInput, EscalateOutput } from '../workflow/contracts';
import type { ValidationResult } from '../model/validation';
import { getTicketClassification, type TicketClassification } from './classification';
import type { NetworkWatcherEvidence } from './networkWatcher';
import { buildSupportTicket, type SupportTicketPayload } from './ticket';

export interface EscalateDeps {
  support: Pick<MicrosoftSupport, 'services' | 'problemClassifications' | 'supportTickets'>;
  /** PROBE_DOCTOR_ESCALATION_SUBMIT: submit the ticket, not only build it. */
  submit: boolean;
  contact: EscalationContact;
  /** PROBE_DOCTOR_ESCALATION_DIAGNOSTIC_CONSENT: the customer's answer, never assumed (default `No`). */
  advancedDiagnosticConsent?: 'Yes' | 'No';
}

/**
 * The ticket name: one per run (the run id, not the instance id, so every run on a load balancer has
 * its own ticket), and the same on a retried activity, which then finds its ticket instead of filing two.
 */
export const ticketNameFor = (runId: string): string => `probe-doctor-${runId}`.slice(0, 120);

/** Submits a built payload and returns the ticket's id. */
export async function submitSupportTicket(
  support: EscalateDeps['support'],
  name: string,
  payload: SupportTicketPayload,
): Promise<string | undefined> {
  const created = await callAzure('create support ticket', name, () =>
    support.supportTickets.beginCreateAndWait(name, payload.properties as SupportTicketDetails),
  );
  return created.supportTicketId ?? created.name;
}

/**
 * Builds (and, when configured, submits) the ticket for backends that stay down. Never throws: the
 * ticket is the last thing a run hands to a person, so a failed classification lookup or submission
 * still leaves the payload in the report, with `error` saying what to finish by hand.
 */
export async function escalate(
  deps: EscalateDeps,
  input: EscalateInput & {
    validation?: ValidationResult;
    networkWatcher?: readonly NetworkWatcherEvidence[];
  },
): Promise<EscalateOutput> {
  let classification: TicketClassification | undefined;
  let lookupError: string | undefined;
  try {
    classification = await getTicketClassification(deps.support);
  } catch (err) {
    lookupError = `classification lookup failed (${ensureError(err).message}): set serviceId and problemClassificationId before filing`;
  }
  const payload = buildSupportTicket({
    ...input,
    // Empty ids say "not known" honestly; the error below says why and what to do.
    classification: classification ?? {
      serviceId: '',
      serviceDisplayName: '',
      problemClassificationId: '',
      problemClassificationDisplayName: '',
    },
    contact: deps.contact,
    advancedDiagnosticConsent: deps.advancedDiagnosticConsent ?? 'No',
  });
  const supportTicket = payload as unknown as Record<string, unknown>;
  const evidence =
    input.networkWatcher && input.networkWatcher.length > 0
      ? { networkWatcher: [...input.networkWatcher] }
      : {};
  if (lookupError !== undefined) return { supportTicket, ...evidence, submitted: false, error: lookupError };
  // Observe mode changes nothing, and filing a case with Microsoft is a change: the ticket is built for
  // a person to file, never submitted.
  if (!deps.submit || input.run.mode !== 'fix') return { supportTicket, ...evidence, submitted: false };
  try {
    const ticketId = await submitSupportTicket(deps.support, ticketNameFor(input.run.runId), payload);
    return { supportTicket, ...evidence, submitted: true, ...(ticketId ? { ticketId } : {}) };
  } catch (err) {
    return {
      supportTicket,
      ...evidence,
      submitted: false,
      error: `submit failed: ${ensureError(err).message}`,
    };
  }
}
