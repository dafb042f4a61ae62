/**
 * What an HTTP(S) GET meets at a guest's listener: the answer per Host, and for HTTPS whether the TLS
 * handshake completes. Written from Microsoft's docs and testers' captures (docs/probe-facts.md, "What
 * HTTP(S) probes send"), never from probe-doctor's code:
 * - HTTP and HTTPS probes send `GET <path>` with the backend's IP address as Host and, for HTTPS, no
 *   SNI (MicrosoftDocs/azure-docs#97795); only 200 is up (load-balancer-custom-probe-overview.md).
 * - HTTPS probes negotiate TLS 1.2 (MicrosoftDocs/azure-docs#107193).
 * - "HTTPS probes don't support mutual authentication with a client certificate"; the chain needs "a
 *   minimum signature hash of SHA256" (custom probe overview). A self-signed chain is accepted (#97795).
 *
 * The same model answers the guest's own local GETs (the sandbox renders their output from it): a
 * request is described by what it sends (Host, SNI, TLS versions) and whether the client holds the
 * chain to the SHA256 rule (the probe does; curl `-k` does not).
 */
import type { GuestHttpEndpoint, GuestTls } from '../scenario';

/** The TLS versions Azure's HTTPS probe offers. */
export const PROBE_TLS_VERSIONS: readonly string[] = ['1.2'];

/** Signature hashes below the probe's SHA256 minimum. */
const WEAK_HASHES: readonly string[] = ['md5', 'sha1'];

/** What one GET sends. */
export interface HttpRequestFacts {
  port: number;
  path: string;
  https: boolean;
  /** The Host header's host part: the backend's IP for the probe, a name for a contrast. */
  host: string;
  /** The SNI server name; undefined: none (the probe, or a client connecting to an IP literal). */
  sni?: string;
  /** TLS versions the client offers (`1.2`, `1.3`). */
  tlsVersions: readonly string[];
  /** Whether the client fails a chain signed below SHA256 (the probe does; `curl -k` does not). */
  requiresStrongChain: boolean;
}

/** Why a TLS handshake (or, for the probe, the chain) fails. */
export type TlsRefusal = 'protocol-version' | 'sni-required' | 'client-certificate' | 'certificate-hash';

/** What the GET meets. */
export type HttpOutcome =
  | { kind: 'answer'; status: number; body?: string }
  /** Nothing on the port speaks HTTP (the listener closes the connection). */
  | { kind: 'no-http' }
  | { kind: 'tls-refused'; refusal: TlsRefusal; detail: string };

/** The TLS facts of the listener on `port` (every entry of one port shares its listener). */
export function listenerTls(entries: readonly GuestHttpEndpoint[], port: number): GuestTls | undefined {
  return entries.find((e) => e.port === port && e.tls !== undefined)?.tls;
}

/** The handshake's outcome, or undefined when it completes. */
export function tlsRefusal(
  tls: GuestTls | undefined,
  request: Pick<HttpRequestFacts, 'sni' | 'tlsVersions' | 'requiresStrongChain'>,
): { refusal: TlsRefusal; detail: string } | undefined {
  // A listener the scenario says nothing TLS about completes any handshake (TLS 1.2, a SHA256 chain).
  if (!tls) return undefined;
  if (!tls.versions.some((v) => request.tlsVersions.includes(v))) {
    return {
      refusal: 'protocol-version',
      detail: `the listener offers TLS ${tls.versions.join(', ')}; the client offers ${request.tlsVersions.join(', ')}`,
    };
  }
  if (tls.requiresSni) {
    const sni = request.sni?.toLowerCase();
    if (sni === undefined || !tls.serverNames.some((n) => n.toLowerCase() === sni)) {
      return {
        refusal: 'sni-required',
        detail:
          sni === undefined
            ? 'the listener refuses a Client Hello without SNI'
            : `the listener has no certificate for SNI ${sni}`,
      };
    }
  }
  // Neither the probe nor the guest check presents a client certificate.
  if (tls.clientCertificate === 'required') {
    return { refusal: 'client-certificate', detail: 'the listener requires a client certificate' };
  }
  if (request.requiresStrongChain && WEAK_HASHES.includes(tls.signatureHash)) {
    return {
      refusal: 'certificate-hash',
      detail: `the certificate chain is signed with ${tls.signatureHash.toUpperCase()}, below SHA256`,
    };
  }
  return undefined;
}

/**
 * The outcome of one GET. An entry's `status` (and `body`) answer any Host its `hostBindings` do not
 * name, the IP included; a path with no entry on a port that speaks HTTP answers 404.
 */
export function answerHttp(entries: readonly GuestHttpEndpoint[], request: HttpRequestFacts): HttpOutcome {
  const onPort = entries.filter((e) => e.port === request.port);
  if (onPort.length === 0) return { kind: 'no-http' };
  // A port that speaks TLS answers no plain HTTP request (an HTTP probe pointed at an HTTPS listener).
  if (!request.https && listenerTls(entries, request.port)) return { kind: 'no-http' };
  if (request.https) {
    const refused = tlsRefusal(listenerTls(entries, request.port), request);
    if (refused) return { kind: 'tls-refused', ...refused };
  }
  const entry = onPort.find((e) => e.path === request.path);
  if (!entry) return { kind: 'answer', status: 404 };
  const host = request.host.toLowerCase();
  const bound = entry.hostBindings?.find((b) => b.host.toLowerCase() === host);
  const answer = bound ?? entry;
  return answer.body !== undefined
    ? { kind: 'answer', status: answer.status, body: answer.body }
    : { kind: 'answer', status: answer.status };
}

/** The probe's GET to `ip:port/path`: the IP as Host, no SNI, TLS 1.2, the chain held to SHA256. */
export function probeRequest(ip: string, port: number, path: string, https: boolean): HttpRequestFacts {
  return { port, path, https, host: ip, tlsVersions: PROBE_TLS_VERSIONS, requiresStrongChain: true };
}
