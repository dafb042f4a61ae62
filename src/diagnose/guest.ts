/**
 * Causes 2 and 3 (and 4's guest half) from one Run Command's evidence: not listening where the probe
 * arrives, an HTTP(S) probe path that does not answer 200, a guest firewall that drops the probe, and
 * a reply that leaves by the wrong interface. A Run Command that failed is not a cause: it is evidence
 * that the guest could not be checked.
 */
import ipaddr from 'ipaddr.js';
import type { GuestEvidence, TlsFailure } from '../model/evidence';
import type { Result } from '../model/result';
import type { Cause, Note } from '../model/report';
import type { BackendInfo, LoadBalancingRuleInfo, ProbeInfo, Topology } from '../model/topology';
import type { Findings } from './findings';
import { checkListening } from './listening';
import { describeBackend } from './names';
import { findReplyDiversion, PROBE_SOURCE_IP } from './replyPath';

export interface GuestDiagnosisInput {
  topology: Topology;
  backend: BackendInfo;
  probe: ProbeInfo;
  rule: LoadBalancingRuleInfo;
  guest: Result<GuestEvidence>;
}

/**
 * A part of the guest's state the evidence does not determine (a section cut or missing, output no
 * parser understands): said with the reason, never turned into a cause.
 */
export const GUEST_NOT_DETERMINED_NOTE = 'guest-not-determined';

/** True when the findings say the guest could not be inspected (the Run Command failed). */
export const GUEST_UNCHECKED_NOTE = 'guest-unchecked';

function listeningCauses(
  input: GuestDiagnosisInput,
  guest: GuestEvidence,
  who: string,
): { causes: Cause[]; listening: boolean | undefined } {
  const { backend, probe, rule } = input;
  // No socket list read: nothing can be said about listening, least of all that nothing listens.
  if (guest.listeningUndetermined !== undefined) return { causes: [], listening: undefined };
  const check = checkListening(guest.listening, probe.port, backend.ipAddress, rule.backendPort);
  if (check.listening) return { causes: [], listening: true };
  const target = backend.ipAddress ?? 'the NIC IP';
  const ports = check.alternatives.map((a) => (a.management ? `${a.port} (management)` : `${a.port}`));
  const listed =
    ports.length > 0
      ? `ports listening at ${target}: ${ports.join(', ')}`
      : `no other TCP port listens at ${target}`;
  let summary: string;
  if (check.missReason === 'loopback') {
    summary = `${who} listens on TCP port ${probe.port} only on ${check.boundTo.join(', ')}, which probe ${probe.name} (sent to ${target}) cannot reach: bind the service to 0.0.0.0 or ${target}.`;
  } else if (check.missReason === 'other-address') {
    summary = `${who} listens on TCP port ${probe.port} only on ${check.boundTo.join(', ')}, not on ${target} where probe ${probe.name} arrives.`;
  } else {
    summary = `Nothing on ${who} listens on TCP port ${probe.port}, the port probe ${probe.name} checks (${guest.listeningSource}; ${listed}).`;
  }
  return {
    listening: false,
    causes: [
      {
        id: 'not-listening',
        summary,
        evidence: {
          port: probe.port,
          nicIp: backend.ipAddress,
          boundTo: check.boundTo,
          listeningSource: guest.listeningSource,
          alternatives: check.alternatives,
        },
      },
    ],
  };
}

/** What kube-proxy's health check node port says of a Service on this node (docs/probe-facts.md). */
export interface KubeProxyHealth {
  namespace: string;
  name: string;
  localEndpoints: number;
}

/**
 * Reads kube-proxy's health check answer: `{"service": {"namespace": "...", "name": "..."},
 * "localEndpoints": N, ...}` (kubernetes/kubernetes pkg/proxy/healthcheck/service_health.go). Undefined
 * for any other body: only that shape says "no local endpoint", never a bare 503.
 */
export function kubeProxyHealth(body: string): KubeProxyHealth | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { service, localEndpoints } = parsed as { service?: unknown; localEndpoints?: unknown };
  if (typeof localEndpoints !== 'number' || !Number.isInteger(localEndpoints) || localEndpoints < 0) {
    return undefined;
  }
  if (typeof service !== 'object' || service === null) return undefined;
  const { namespace, name } = service as { namespace?: unknown; name?: unknown };
  if (typeof namespace !== 'string' || typeof name !== 'string') return undefined;
  return { namespace, name, localEndpoints };
}

/** The Host the local GET sent, as the probe does: the URL's address (`http://10.0.1.4:80/` -> `10.0.1.4`). */
function hostOf(url: string): string {
  return /^[a-z]+:\/\/([^:/]+)/i.exec(url)?.[1] ?? url;
}

const TLS_WORDS: Record<TlsFailure, string> = {
  'protocol-version': 'the TLS 1.2 handshake the probe makes fails: the listener offers no TLS 1.2',
  'sni-required':
    'the TLS handshake without SNI, as the probe makes it, is refused (the listener requires a server name)',
  'client-certificate':
    'the TLS handshake fails: the listener asks for a client certificate, which the probe never sends',
  'certificate-hash':
    'the listener answers 200, but its certificate chain is signed with a hash weaker than the SHA256 HTTPS probes require',
  'handshake-failure': 'the TLS 1.2 handshake the probe makes fails',
};

/** `; with Host app.contoso.com it answers 200, with TLS 1.3 it gets no answer (...)`, or nothing. */
function contrastWords(http: NonNullable<GuestEvidence['http']>): string {
  const parts = (http.contrasts ?? []).map((c) => {
    const how =
      c.host !== undefined
        ? `with Host ${c.host}${http.url.startsWith('https:') ? ' (and SNI)' : ''}`
        : 'with TLS 1.3';
    const got =
      c.status !== undefined
        ? `it answers ${c.status}`
        : `it gets no answer${c.error ? ` (${c.error})` : ''}`;
    return `${how} ${got}`;
  });
  return parts.length > 0 ? `; ${parts.join(', ')}` : '';
}

function endpointCauses(input: GuestDiagnosisInput, guest: GuestEvidence, who: string): Cause[] {
  const { probe } = input;
  const http = guest.http;
  const tlsFailure = probe.protocol === 'Https' ? http?.tls?.failure : undefined;
  if (probe.protocol === 'Tcp' || !http || (http.status === 200 && tlsFailure === undefined)) return [];
  const host = hostOf(http.url);
  const tls = http.tls;
  const answer =
    tlsFailure !== undefined
      ? `showed that ${TLS_WORDS[tlsFailure]}${tls?.alert ? ` (${tls.alert})` : ''}${tls?.chainSignatures ? `; chain signatures: ${tls.chainSignatures.join(', ')}` : ''}`
      : http.status !== undefined
        ? `answered ${http.status} for Host ${host}, as the probe sends it; an HTTP(S) probe passes only on 200`
        : `got no answer${http.error ? ` (${http.error})` : ''}`;
  const kubeProxy = http.body !== undefined ? kubeProxyHealth(http.body) : undefined;
  const said = kubeProxy
    ? `; the body is kube-proxy's health check of Service ${kubeProxy.namespace}/${kubeProxy.name}, counting ${kubeProxy.localEndpoints} local endpoint(s)`
    : '';
  return [
    {
      id: 'probe-endpoint-error',
      summary: `The local GET ${http.url} on ${who} for probe ${probe.name} ${answer}${said}${contrastWords(http)}.`,
      evidence: {
        url: http.url,
        // The Host (and, for HTTPS, the absence of SNI) the local GET used: the probe's.
        host,
        status: http.status ?? null,
        ...(http.error ? { error: http.error } : {}),
        ...(http.body !== undefined ? { body: http.body } : {}),
        ...(kubeProxy ? { kubeProxy } : {}),
        ...(tls && probe.protocol === 'Https' ? { tls } : {}),
        ...(http.contrasts ? { contrasts: http.contrasts } : {}),
        requestPath: probe.requestPath,
        // Each rule's probe gets its own evidence: a backend behind two probes has two of these.
        probeId: probe.id,
        port: probe.port,
      },
    },
  ];
}

function firewallCauses(
  input: GuestDiagnosisInput,
  guest: GuestEvidence,
  who: string,
): { causes: Cause[]; notes: Note[] } {
  const causes: Cause[] = [];
  const notes: Note[] = [];
  for (const verdict of guest.firewall) {
    if (!verdict.active) continue;
    if (verdict.decision === 'deny') {
      const by = verdict.rule ? `: ${verdict.rule}` : verdict.detail ? ` (${verdict.detail})` : '';
      causes.push({
        id: 'guest-firewall-blocks-probe',
        summary: `The ${verdict.tool} firewall on ${who} drops TCP from ${PROBE_SOURCE_IP} to port ${input.probe.port}${by}.`,
        evidence: {
          tool: verdict.tool,
          rule: verdict.rule ?? null,
          ...(verdict.detail ? { detail: verdict.detail } : {}),
        },
      });
    } else if (verdict.decision === 'unknown') {
      notes.push({
        id: 'guest-firewall-undecided',
        summary: `The ${verdict.tool} firewall on ${who} is active, but whether it lets the probe to port ${input.probe.port} through could not be decided${verdict.detail ? ` (${verdict.detail})` : ''}.`,
        evidence: { tool: verdict.tool, ...(verdict.rule ? { rule: verdict.rule } : {}) },
      });
    }
  }
  return { causes, notes };
}

function replyCauses(input: GuestDiagnosisInput, guest: GuestEvidence, who: string): Cause[] {
  const diversion = findReplyDiversion(input.topology, input.backend, guest);
  if (!diversion) return [];
  const via = diversion.route.gateway ? ` via ${diversion.route.gateway}` : '';
  // A `from` lookup already includes the guest's policy rules: say so, or a reader checks the main table.
  const from = diversion.route.from ? ` (looked up from ${diversion.route.from}, policy rules applied)` : '';
  return [
    {
      id: 'route-diverts-probe',
      summary: `Probe ${input.probe.name} reaches ${who} on ${diversion.arrivesOn}, but the guest route ${diversion.route.destination}${via} dev ${diversion.leavesBy}${from} sends the reply to ${PROBE_SOURCE_IP} out of ${diversion.leavesBy}, where Azure drops it.`,
      evidence: {
        arrivesOn: diversion.arrivesOn,
        leavesBy: diversion.leavesBy,
        route: diversion.route,
        nicIp: input.backend.ipAddress,
        primaryNic: input.backend.primaryNic,
      },
    },
  ];
}

/** The guest's causes and notes, in the order the probe meets them: firewall, socket, app, reply. */
export function diagnoseGuest(input: GuestDiagnosisInput): Findings {
  const who = describeBackend(input.topology, input.backend);
  if (!input.guest.ok) {
    const error = input.guest.error;
    // The guest script refuses IPv6 NIC addresses (IPv6AddressError): not a failure, a check that does
    // not apply, since IPv6 probes come from a link-local source rather than 168.63.129.16.
    const address = input.backend.ipAddress;
    if (address !== undefined && ipaddr.IPv6.isValid(address)) {
      return {
        causes: [],
        checked: [],
        notes: [
          {
            id: GUEST_UNCHECKED_NOTE,
            summary: `The guest of ${who} was not checked: IPv6 backend; the guest check covers IPv4 backends, whose probes come from ${PROBE_SOURCE_IP}.`,
            evidence: { reason: 'ipv6-backend', nicIp: address, message: error.message },
          },
        ],
      };
    }
    return {
      causes: [],
      checked: [],
      notes: [
        {
          id: GUEST_UNCHECKED_NOTE,
          // "not checked: ..." is a check that never started (no Run Command ran): not a failure of one.
          summary: error.message.startsWith('not checked:')
            ? `The guest of ${who} was ${error.message}.`
            : `The guest of ${who} could not be checked: Run Command failed (${error.message}).`,
          evidence: {
            message: error.message,
            ...(error.code ? { code: error.code } : {}),
            ...(error.statusCode ? { statusCode: error.statusCode } : {}),
            ...(error.retryable !== undefined ? { retryable: error.retryable } : {}),
          },
        },
      ],
    };
  }
  const guest = input.guest.value;
  const firewall = firewallCauses(input, guest, who);
  const listening = listeningCauses(input, guest, who);
  // A refused local GET is a consequence of nothing listening, not a second cause. Likewise a local
  // GET that got no answer at all while the guest firewall drops the port says nothing about the app:
  // the firewall may drop the local request too (no loopback exception).
  // A TLS alert is an answer: something completed the TCP handshake and spoke TLS.
  const unanswered =
    guest.http !== undefined && guest.http.status === undefined && guest.http.tls?.failure === undefined;
  const firewallExplains = unanswered && firewall.causes.length > 0;
  // Listening not determined: an HTTP answer still proves something listens, so its status counts.
  const mayJudgeEndpoint =
    listening.listening === true || (listening.listening === undefined && guest.http?.status !== undefined);
  const endpoint = mayJudgeEndpoint && !firewallExplains ? endpointCauses(input, guest, who) : [];
  const notes = [...firewall.notes];
  if (guest.listeningUndetermined !== undefined) {
    notes.push({
      id: GUEST_NOT_DETERMINED_NOTE,
      summary: `Whether anything on ${who} listens on TCP port ${input.probe.port} is not determined: ${guest.listeningUndetermined}.`,
      evidence: { what: 'listening', reason: guest.listeningUndetermined },
    });
  }
  if (listening.listening === true && firewallExplains && guest.http) {
    notes.push({
      id: 'local-http-blocked',
      summary: `The local GET ${guest.http.url} on ${who} got no answer${guest.http.error ? ` (${guest.http.error})` : ''}, consistent with the guest firewall rule above; whether the app answers 200 is not known until that rule is fixed.`,
      evidence: { url: guest.http.url, ...(guest.http.error ? { error: guest.http.error } : {}) },
    });
  }
  // Most Linux images run with timestamps on and pass their probes: only worth saying when nothing
  // else explains the failure.
  const anyCause = firewall.causes.length + listening.causes.length + endpoint.length > 0;
  if (guest.tcpTimestamps === true && !anyCause) {
    notes.push({
      id: 'tcp-timestamps',
      summary: `TCP timestamps are on in the guest of ${who}; Microsoft warns that they can make the guest drop probe packets, so turn them off if the probe keeps failing.`,
    });
  }
  if (guest.warnings.length > 0) {
    notes.push({
      id: 'guest-partial',
      summary: `Part of the guest check on ${who} was incomplete: ${guest.warnings.join('; ')}.`,
      evidence: { warnings: guest.warnings },
    });
  }
  const checked = [
    `guest firewall (${guest.firewall.map((f) => `${f.tool}${f.active ? '' : ' inactive'}`).join(', ') || 'none found'})`,
    guest.listeningUndetermined === undefined
      ? `listening sockets (${guest.listeningSource})`
      : `listening sockets (not determined: ${guest.listeningUndetermined})`,
  ];
  if (input.probe.protocol !== 'Tcp' && guest.http) checked.push(`local GET ${guest.http.url}`);
  if (guest.routes) checked.push('guest routes for the reply to 168.63.129.16');
  return {
    causes: [...firewall.causes, ...listening.causes, ...endpoint, ...replyCauses(input, guest, who)],
    notes,
    checked,
  };
}
