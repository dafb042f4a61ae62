/**
 * Every value that reaches a Run Command script passes through here first. The probe's request path is
 * attacker-controlled text (anyone who can edit the load balancer sets it), and the script runs as
 * root / SYSTEM, so values are both validated (reject what a probe could never use) and quoted (so that
 * whatever passes validation is still inert).
 */
import ipaddr from 'ipaddr.js';
import { UnsafeScriptValueError } from '../../errors';

/** The probe as the scripts need it. */
export interface ScriptProbe {
  protocol: 'Tcp' | 'Http' | 'Https';
  port: number;
  requestPath?: string;
}

/** Longest request path accepted; ARM's own limit on `requestPath` is far below any shell limit. */
export const MAX_PATH_LENGTH = 2048;

/** RFC 3986 `pchar` plus `/` and `?` (path and query), excluding `%`, which is checked as `%HH`. */
const PATH_CHAR = /[A-Za-z0-9\-._~!$&'()*+,;=:@/?]/;

/** Throws unless `value` is an integer port 1..65535. */
export function validatePort(value: unknown, parameter = 'port'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new UnsafeScriptValueError(
      parameter,
      `${parameter} must be an integer from 1 to 65535, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return value;
}

/**
 * An IPv6 address where the guest scripts need IPv4. Not unsafe text, but the checks do not apply: they
 * model the IPv4 probe from 168.63.129.16 (firewall rules for that source, the reply route to it), while
 * IPv6 probes come from a link-local source. Callers branch on {@link isIPv6AddressError} to report the
 * backend as not checked rather than as a failed Run Command.
 */
export class IPv6AddressError extends UnsafeScriptValueError {
  constructor(
    parameter: string,
    readonly address: string,
  ) {
    super(
      parameter,
      `${parameter} is an IPv6 address (${JSON.stringify(address)}): the guest check covers IPv4 backends only, whose probes come from 168.63.129.16`,
    );
  }
}

export const isIPv6AddressError = (e: unknown): e is IPv6AddressError => e instanceof IPv6AddressError;

/**
 * Throws unless `value` is a dotted-quad IPv4 address; returns it normalised (no leading zeros). An IPv6
 * address throws {@link IPv6AddressError}, anything else {@link UnsafeScriptValueError}.
 */
export function validateIPv4(value: unknown, parameter = 'nicAddress'): string {
  if (typeof value === 'string' && ipaddr.IPv6.isValid(value)) {
    throw new IPv6AddressError(parameter, value);
  }
  if (typeof value !== 'string' || !ipaddr.IPv4.isValidFourPartDecimal(value)) {
    throw new UnsafeScriptValueError(
      parameter,
      `${parameter} must be an IPv4 address in dotted-quad form, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return ipaddr.IPv4.parse(value).toString();
}

/**
 * Throws unless `value` is a request path a probe could use: starts with `/`, at most
 * {@link MAX_PATH_LENGTH} characters, only RFC 3986 path and query characters, `%` only as `%HH`.
 * Characters are not echoed raw in the message: a newline or escape sequence would garble logs.
 */
export function validateRequestPath(value: unknown, parameter = 'requestPath'): string {
  if (typeof value !== 'string') {
    throw new UnsafeScriptValueError(parameter, `${parameter} must be a string`);
  }
  if (!value.startsWith('/')) {
    throw new UnsafeScriptValueError(parameter, `${parameter} must start with "/"`);
  }
  if (value.length > MAX_PATH_LENGTH) {
    throw new UnsafeScriptValueError(
      parameter,
      `${parameter} must be at most ${MAX_PATH_LENGTH} characters, got ${value.length}`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '%') {
      if (!/^%[0-9A-Fa-f]{2}/.test(value.slice(i, i + 3))) {
        throw new UnsafeScriptValueError(
          parameter,
          `${parameter} has a malformed percent-encoding at index ${i}`,
        );
      }
      continue;
    }
    if (!PATH_CHAR.test(ch)) {
      const code = ch.codePointAt(0) ?? 0;
      throw new UnsafeScriptValueError(
        parameter,
        `${parameter} contains a character outside RFC 3986 path and query characters at index ${i} (U+${code
          .toString(16)
          .toUpperCase()
          .padStart(4, '0')})`,
      );
    }
  }
  return value;
}

/**
 * Quotes a string for bash: one single-quoted word, each `'` written as `'\''`. Inside single quotes
 * bash expands nothing, so `$(...)`, backticks and `;` are plain characters.
 */
export function bashQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Quotes a string for PowerShell: one single-quoted (verbatim) string, each quote doubled. PowerShell
 * also treats the typographic quotes U+2018..U+201B as single quotes, so those are doubled too.
 */
export function powershellQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
}

/** The validated values a guest script is built from. */
export interface ScriptValues {
  port: number;
  address: string;
  protocol: ScriptProbe['protocol'];
  /** Only for HTTP(S) probes; `/` when the probe has none. */
  path?: string;
  /**
   * The other probes the same backend answers (other rules, other ports or paths), checked in the same
   * Run Command: firewall rows for their ports are kept, and each HTTP(S) one gets its own local GET
   * (section `http-<n>`, n from 2).
   */
  others?: Omit<ScriptValues, 'address' | 'others'>[];
}

/** Validates the other probes of {@link ScriptValues.others}; parameters are named `probes[<n>].<field>`. */
export function validateOtherProbes(probes: readonly ScriptProbe[]): NonNullable<ScriptValues['others']> {
  return probes.map((probe, i) => {
    const n = i + 2;
    const protocol = probe.protocol as unknown;
    if (protocol !== 'Tcp' && protocol !== 'Http' && protocol !== 'Https') {
      throw new UnsafeScriptValueError(
        `probes[${n}].protocol`,
        `probes[${n}].protocol must be Tcp, Http or Https, got ${JSON.stringify(protocol)}`,
      );
    }
    const port = validatePort(probe.port, `probes[${n}].port`);
    if (protocol === 'Tcp') return { port, protocol };
    return {
      port,
      protocol,
      path: validateRequestPath(probe.requestPath ?? '/', `probes[${n}].requestPath`),
    };
  });
}

/** Every port the script checks, comma-joined (validated integers only). */
export function portList(values: ScriptValues): string {
  return [...new Set([values.port, ...(values.others ?? []).map((o) => o.port)])].join(',');
}

/** Validates everything {@link buildGuestScript} puts in a script. */
export function validateScriptValues(probe: ScriptProbe, nicAddress: string): ScriptValues {
  const protocol = probe.protocol as unknown;
  if (protocol !== 'Tcp' && protocol !== 'Http' && protocol !== 'Https') {
    throw new UnsafeScriptValueError(
      'protocol',
      `protocol must be Tcp, Http or Https, got ${JSON.stringify(protocol)}`,
    );
  }
  const port = validatePort(probe.port);
  const address = validateIPv4(nicAddress);
  if (protocol === 'Tcp') return { port, address, protocol };
  return { port, address, protocol, path: validateRequestPath(probe.requestPath ?? '/') };
}

/** One target of the peer test: the backend's address and the port its probe uses. */
export interface PeerTarget {
  address: string;
  port: number;
}

/**
 * Most targets one peer test script takes. Each prints one line of at most about 220 bytes (about 100
 * of fields, the tool's message cut to 120), and Azure keeps only the last 4096 bytes of a Run
 * Command's output, so 16 fit with room to spare and more targets go to another script.
 */
export const MAX_PEER_TARGETS = 16;

/**
 * Validates the targets of one peer test: 1 to {@link MAX_PEER_TARGETS} of them, each an IPv4 address
 * ({@link validateIPv4}) and a port ({@link validatePort}); parameters are named `targets[<n>].address`
 * and `targets[<n>].port`, n from 1. Throws `UnsafeScriptValueError` (`IPv6AddressError` for an IPv6
 * address) on the first bad value, so no script is built from any of them.
 */
export function validatePeerTargets(targets: readonly PeerTarget[]): PeerTarget[] {
  if (targets.length === 0 || targets.length > MAX_PEER_TARGETS) {
    throw new UnsafeScriptValueError(
      'targets',
      `targets must hold 1 to ${MAX_PEER_TARGETS} entries, got ${targets.length}`,
    );
  }
  return targets.map((t, i) => ({
    address: validateIPv4(t.address, `targets[${i + 1}].address`),
    port: validatePort(t.port, `targets[${i + 1}].port`),
  }));
}
