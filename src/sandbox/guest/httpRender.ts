/**
 * The guest check's local GET section, as the real commands print it (the captures in
 * test/fixtures/guest/linux/guest-http-section__*.txt: curl 7.88.1 and OpenSSL 3.0.19 on Debian 12;
 * Windows PowerShell's messages for Windows), rendered from what the scenario's listener does with
 * each request (src/sandbox/truth/httpProbe.ts). The script decides what it asks: the NIC address as
 * Host with no SNI and TLS 1.2 only; then, for HTTPS, `openssl s_client -noservername -tls1_2`; then,
 * unless that got 200, the same GET for up to two host names the web server is configured for, and
 * with TLS 1.3 after a failed TLS 1.2 handshake.
 */
import type { GuestHttpEndpoint, GuestTls } from '../scenario';
import {
  answerHttp,
  listenerTls,
  tlsRefusal,
  type HttpOutcome,
  type HttpRequestFacts,
} from '../truth/httpProbe';

/** curl's `-w '%{http_code}'` line and ` exit=N` for one outcome, with curl's own error line. */
export function curlLines(
  outcome: HttpOutcome,
  tls: GuestTls | undefined,
  tlsVersions: readonly string[],
): string {
  if (outcome.kind === 'no-http') return 'curl: (52) Empty reply from server\n000 exit=52';
  if (outcome.kind === 'answer') return `${outcome.status} exit=0`;
  if (outcome.refusal === 'client-certificate' && tlsVersions.includes('1.3')) {
    // TLS 1.3: the server's alert arrives after the client's handshake ends, on the first read.
    return 'curl: (56) OpenSSL SSL_read: OpenSSL/3.0.19: error:0A00045C:SSL routines::tlsv13 alert certificate required, errno 0\n000 exit=56';
  }
  return `curl: (35) OpenSSL/3.0.19: error:${opensslError(outcome.refusal, tls, tlsVersions).join(':SSL routines::')}\n000 exit=35`;
}

/** OpenSSL's reason code and text for a refused handshake, as the captures print them. */
function opensslError(
  refusal: Exclude<HttpOutcome, { kind: 'answer' } | { kind: 'no-http' }>['refusal'],
  tls: GuestTls | undefined,
  tlsVersions: readonly string[],
): [string, string] {
  if (refusal === 'protocol-version') {
    // A client offering TLS 1.2 at most sends a plain 1.2 Client Hello: a server whose best is lower
    // answers with its own version and the client gives up itself ("unsupported protocol"). Otherwise
    // (a TLS 1.3 client, or a server above the client) the server sends the protocol_version alert.
    const serverMax = Math.max(...(tls?.versions ?? ['1.2']).map(Number));
    const clientMin = Math.min(...tlsVersions.map(Number));
    const clientMax = Math.max(...tlsVersions.map(Number));
    return serverMax < clientMin && clientMax < 1.3
      ? ['0A000102', 'unsupported protocol']
      : ['0A00042E', 'tlsv1 alert protocol version'];
  }
  if (refusal === 'sni-required') return ['0A000458', 'tlsv1 unrecognized name'];
  return ['0A000410', 'sslv3 alert handshake failure'];
}

/** `openssl s_client` alert line as OpenSSL 3.0.19 prints it (the thread id is the capture's). */
const sslAlert = (code: string, text: string, alert: number): string =>
  `807BED8C357F0000:error:${code}:SSL routines:ssl3_read_bytes:${text}:../ssl/record/rec_layer_s3.c:1601:SSL alert number ${alert}`;

const ALERT_NUMBER: Record<string, number> = {
  'tlsv1 alert protocol version': 70,
  'tlsv1 unrecognized name': 112,
  'sslv3 alert handshake failure': 40,
};

/** The subject name the listener's (default) certificate carries. */
export function certificateName(tls: GuestTls | undefined): string {
  return tls?.serverNames[0] ?? 'localhost';
}

/**
 * What the script's `openssl s_client -noservername -tls1_2 | awk` keeps: the alert line when the
 * handshake is refused, the chain (subject, issuer, key and signature algorithm, validity), and
 * `Client Certificate Types:` when the listener asks for a client certificate.
 */
export function sClientLines(tls: GuestTls | undefined): string[] {
  const refused = tlsRefusal(tls, { tlsVersions: ['1.2'], requiresStrongChain: false });
  const lines: string[] = [];
  if (refused) {
    const [code, text] = opensslError(refused.refusal, tls, ['1.2']);
    // A server below TLS 1.2 makes the client itself give up: no alert line survives the awk.
    if (code !== '0A000102') lines.push(sslAlert(code, text, ALERT_NUMBER[text] ?? 40));
    if (refused.refusal !== 'client-certificate') return lines;
  }
  const name = certificateName(tls);
  const hash = (tls?.signatureHash ?? 'sha256').toUpperCase();
  lines.push(
    ` 0 s:CN = ${name}`,
    `   i:CN = ${name}`,
    `   a:PKEY: rsaEncryption, 2048 (bit); sigalg: RSA-${hash}`,
    '   v:NotBefore: Nov 30 16:16:35 2026 GMT; NotAfter: Dec 30 16:16:35 2026 GMT',
  );
  if (tls && tls.clientCertificate !== 'none')
    lines.push('Client Certificate Types: RSA sign, DSA sign, ECDSA sign');
  return lines;
}

/**
 * The host names the script finds in the web server's configuration (nginx `server_name`, Apache
 * `namevhost`: every site of the server, whatever its port) and the certificate's subject, in that
 * order, plain names only, at most two.
 */
export function configuredNames(entries: readonly GuestHttpEndpoint[], chainSubject?: string): string[] {
  const names = [
    ...entries.flatMap((e) => (e.hostBindings ?? []).map((b) => b.host)),
    ...entries.flatMap((e) => e.tls?.serverNames ?? []),
    ...(chainSubject ? [chainSubject] : []),
  ].filter((n) => n.toLowerCase() !== 'localhost');
  return [...new Set(names)].slice(0, 2);
}

/**
 * The body line the check prints after a GET that got an answer with a body: the first 512 bytes, less
 * the trailing newlines bash's `$(head -c 512 ...)` drops, every other non-printable byte a space.
 */
export function bodyLine(body: string | undefined, shell: 'bash' | 'powershell' = 'bash'): string {
  if (!body) return '';
  const first = Buffer.from(body, 'utf8').subarray(0, 512).toString('latin1');
  // PowerShell's `-replace '[^\x20-\x7E]', ' '` keeps trailing newlines as spaces.
  const printable = (shell === 'bash' ? first.replace(/\n+$/, '') : first).replace(/[^\x20-\x7e]/g, ' ');
  return `\nbody=${printable}`;
}

/** The Linux check's `http` section body for a listener that accepts the connection. */
export function renderLinuxHttp(
  entries: readonly GuestHttpEndpoint[],
  request: { port: number; path: string; https: boolean; address: string },
): string {
  const tls = listenerTls(entries, request.port);
  const ask = (over: Partial<HttpRequestFacts>): HttpRequestFacts => ({
    port: request.port,
    path: request.path,
    https: request.https,
    host: request.address,
    tlsVersions: ['1.2'],
    requiresStrongChain: false,
    ...over,
  });
  const main = answerHttp(entries, ask({}));
  const lines = [curlLines(main, tls, ['1.2']) + bodyLine(main.kind === 'answer' ? main.body : undefined)];
  let subject: string | undefined;
  if (request.https && entries.some((e) => e.port === request.port)) {
    const chain = sClientLines(tls);
    lines.push('openssl s_client:', ...chain);
    subject = /^ 0 s:CN = (.*)$/m.exec(chain.join('\n'))?.[1];
  } else if (request.https) {
    lines.push('openssl s_client:');
  }
  if (!(main.kind === 'answer' && main.status === 200)) {
    for (const name of configuredNames(entries, subject)) {
      const seen = answerHttp(entries, ask({ host: name, ...(request.https ? { sni: name } : {}) }));
      lines.push(`host=${name}`, curlLines(seen, tls, ['1.2']));
    }
    if (main.kind === 'tls-refused') {
      lines.push('tls=1.3', curlLines(answerHttp(entries, ask({ tlsVersions: ['1.3'] })), tls, ['1.3']));
    }
  }
  return lines.join('\n');
}

/**
 * The Windows check's `status=` / `error=` lines (Windows PowerShell 5.1 Invoke-WebRequest, TLS 1.2
 * only, any certificate accepted) for a listener that accepts the connection; unless it got 200, the
 * `host=<name>` contrasts for the port's IIS bindings (Get-WebBinding -Port), through curl.exe with its
 * stderr dropped (so only `%{http_code}` and ` exit=N`).
 */
export function renderWindowsHttp(
  entries: readonly GuestHttpEndpoint[],
  request: { port: number; path: string; https: boolean; address: string },
): string {
  const ask = (host: string, sni?: string): HttpRequestFacts => ({
    ...request,
    host,
    ...(sni !== undefined ? { sni } : {}),
    tlsVersions: ['1.2'],
    requiresStrongChain: false,
  });
  const outcome = answerHttp(entries, ask(request.address));
  const lines: string[] = [];
  if (outcome.kind === 'no-http') {
    lines.push('error=The underlying connection was closed: The connection was closed unexpectedly.');
  } else if (outcome.kind === 'tls-refused') {
    lines.push('error=The underlying connection was closed: An unexpected error occurred on a send.');
  } else {
    const body = bodyLine(outcome.body, 'powershell');
    if (outcome.status === 200) return `status=200${body}`;
    lines.push(
      `status=${outcome.status}${body}`,
      `error=The remote server returned an error: (${outcome.status}).`,
    );
  }
  const tls = listenerTls(entries, request.port);
  for (const name of configuredNames(entries.filter((e) => e.port === request.port))) {
    const seen = answerHttp(entries, ask(name, request.https ? name : undefined));
    lines.push(`host=${name}`, curlLines(seen, tls, ['1.2']).split('\n').pop()!);
  }
  return lines.join('\n');
}
