/**
 * The local HTTP(S) GET of the probe path: curl's `%{http_code}` (000 and its error line when nothing
 * answered) followed by ` exit=N`, the wget fallback, and the PowerShell `status=` / `error=` lines.
 */
import type { LocalHttpCheck } from '../../model/evidence';

/** curl exit codes that mean "nothing answered", in the words DESIGN.md uses. */
const CURL_ERRORS: Record<number, string> = {
  7: 'refused',
  28: 'timeout',
  52: 'empty reply',
  56: 'connection reset',
};

/**
 * Parses one local GET's section. A `body=` line (the answer's first bytes, non-printables as spaces)
 * is kept as `body`; it never counts as the status line.
 */
export function parseHttpCheck(text: string, url: string): LocalHttpCheck {
  const bodyLine = /^body=(.*)$/m.exec(text);
  const body = bodyLine?.[1]?.trim();
  const check = parseStatus(bodyLine ? text.replace(/^body=.*$/m, '') : text, url);
  return body ? { ...check, body } : check;
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
