/**
 * The local HTTP(S) GET of the probe path: curl's `%{http_code}` (000 and its error line when nothing
 * answered) followed by ` exit=N`, the wget fallback, and the PowerShell `status=` / `error=` lines;
 * for HTTPS the certificate chain as `openssl s_client` prints it (after an `openssl s_client:` line);
 * and the contrasting GETs (`host=<name>` or `tls=1.3`, each followed by curl's line).
 */
import type { LocalHttpCheck, LocalHttpContrast, LocalTlsFacts, TlsFailure } from '../../model/evidence';

/** curl exit codes that mean "nothing answered", in the words DESIGN.md uses. */
const CURL_ERRORS: Record<number, string> = {
  7: 'refused',
  28: 'timeout',
  52: 'empty reply',
  56: 'connection reset',
};

/** A line that starts a part of the section after the probe-like GET. */
const PART = /^(openssl s_client:|host=(\S+)|tls=(1\.3))\s*$/;

/**
 * Parses one local GET's section. A `body=` line (the answer's first bytes, non-printables as spaces)
 * is kept as `body`; it never counts as the status line.
 */
export function parseHttpCheck(text: string, url: string): LocalHttpCheck {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const parts: { head: RegExpExecArray | null; lines: string[] }[] = [{ head: null, lines: [] }];
  for (const line of lines) {
    const head = PART.exec(line);
    if (head) parts.push({ head, lines: [] });
    else parts[parts.length - 1]!.lines.push(line);
  }
  const main = parts[0]!.lines.join('\n');
  const bodyLine = /^body=(.*)$/m.exec(main);
  const body = bodyLine?.[1]?.trim();
  const check: LocalHttpCheck = parseStatus(bodyLine ? main.replace(/^body=.*$/m, '') : main, url);
  if (body) check.body = body;
  const contrasts: LocalHttpContrast[] = [];
  let chain: string | undefined;
  for (const part of parts.slice(1)) {
    const [, , host, tlsVersion] = part.head!;
    const textOf = part.lines.join('\n');
    if (host === undefined && tlsVersion === undefined) {
      chain = textOf;
      continue;
    }
    const seen = parseStatus(textOf, url);
    contrasts.push({
      ...(host !== undefined ? { host } : { tlsVersion: '1.3' as const }),
      ...(seen.status !== undefined ? { status: seen.status } : {}),
      ...(seen.error !== undefined ? { error: seen.error } : {}),
    });
  }
  const tls = url.startsWith('https:') ? tlsFacts(main, chain, check) : undefined;
  if (tls && Object.keys(tls).length > 0) check.tls = tls;
  if (contrasts.length > 0) check.contrasts = contrasts;
  return check;
}

/** Hash algorithms below the SHA256 minimum HTTPS probes require of the whole chain. */
const WEAK_HASH = /-(SHA1|MD5)$/i;

/**
 * The TLS side, from the GET's own error (curl 35 names the TLS alert) and the chain `openssl
 * s_client` printed: each certificate's `a:` line ends in `sigalg: RSA-SHA256`; `Client Certificate
 * Types:` appears only when the listener sent a CertificateRequest.
 */
function tlsFacts(main: string, chain: string | undefined, check: LocalHttpCheck): LocalTlsFacts {
  const facts: LocalTlsFacts = {};
  const signatures = [...(chain ?? '').matchAll(/^\s+a:.*sigalg: (\S+)\s*$/gm)].map((m) => m[1]!);
  if (signatures.length > 0) facts.chainSignatures = signatures;
  const subject = /^\s*0 s:(.*)$/m.exec(chain ?? '')?.[1]?.trim();
  if (subject) facts.subject = subject;
  if (/^Client Certificate Types:/m.test(chain ?? '')) facts.clientCertificateRequested = true;
  // curl: (35) OpenSSL/3.0.19: error:0A00042E:SSL routines::tlsv1 alert protocol version
  const curlTls = /^curl: \(35\) .*?SSL routines:[^:]*:(.*)$/m.exec(main)?.[1]?.trim();
  // Windows PowerShell's message for a handshake that fails on the TLS 1.2 the check allows.
  const psTls = /^error=(.*(?:SSL\/TLS secure channel|unexpected error occurred on a send).*)$/m.exec(
    main,
  )?.[1];
  const alert = curlTls ?? psTls?.trim();
  if (alert) facts.alert = alert;
  let failure: TlsFailure | undefined;
  if (curlTls !== undefined || psTls !== undefined || /^curl: \(35\)/m.test(main)) {
    const text = alert ?? '';
    if (/protocol version|unsupported protocol|wrong version number/i.test(text))
      failure = 'protocol-version';
    else if (/unrecognized name/i.test(text)) failure = 'sni-required';
    else if (/certificate required/i.test(text) || facts.clientCertificateRequested)
      failure = 'client-certificate';
    else failure = 'handshake-failure';
  } else if (check.status !== undefined && signatures.some((s) => WEAK_HASH.test(s))) {
    failure = 'certificate-hash';
  }
  if (failure) facts.failure = failure;
  return facts;
}

function parseStatus(text: string, url: string): LocalHttpCheck {
  const curlErr = /^curl: \((\d+)\) (.*)$/m.exec(text);
  const code = /^(?:wget status=|status=)?(\d{3})(?: exit=(\d+))?\s*$/m.exec(text);
  const psError = /^error=(.*)$/m.exec(text)?.[1];
  const status = code && code[1] !== '000' ? Number(code[1]) : undefined;
  if (status !== undefined) return { url, status };
  if (curlErr) {
    const n = Number(curlErr[1]);
    return { url, error: CURL_ERRORS[n] ?? `curl (${n}) ${curlErr[2] ?? ''}`.trim() };
  }
  if (code?.[2] !== undefined) {
    const n = Number(code[2]);
    return { url, error: CURL_ERRORS[n] ?? `curl exit ${n}` };
  }
  if (code) return { url, error: 'no answer (000)' };
  if (psError !== undefined) {
    if (/actively refused|Unable to connect/i.test(psError)) return { url, error: 'refused' };
    if (/timed out/i.test(psError)) return { url, error: 'timeout' };
    return { url, error: psError.trim() };
  }
  return { url, error: text.trim() === '' ? 'no output' : text.trim().split('\n')[0] };
}
