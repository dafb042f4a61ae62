/**
 * The Run Command scripts probe-doctor sends to a backend VM: one guest check per VM and probe, and the
 * peer test used to validate a fix (every target of one peer in one script). Every value is validated before it reaches a script.
 */
import { createHash } from 'node:crypto';
import { linuxGuestScript, linuxPeerTestScript } from './linux';
import {
  validateOtherProbes,
  validatePeerTargets,
  validateScriptValues,
  type PeerTarget,
  type ScriptProbe,
} from './values';
import { windowsGuestScript, windowsPeerTestScript } from './windows';

export type { PeerTarget, ScriptProbe } from './values';
export { MAX_PEER_TARGETS } from './values';
export { PEER_TEST_TIMEOUT_SECONDS } from './linux';
export { bashQuote, IPv6AddressError, isIPv6AddressError, powershellQuote } from './values';

export type GuestOs = 'linux' | 'windows';

/** The body of a `runCommand` POST. */
export interface RunCommandScript {
  commandId: 'RunShellScript' | 'RunPowerShellScript';
  script: string[];
}

/**
 * The SHA-256 (hex) of a script as Run Command is sent it: its `script` lines joined with `\n`. What the
 * audit trail names a script by, so a reviewer can hash the script a version of probe-doctor builds and
 * match it (docs/audit.md).
 */
export function scriptSha256(script: Pick<RunCommandScript, 'script'>): string {
  return createHash('sha256').update(script.script.join('\n'), 'utf8').digest('hex');
}

const commandIdFor = (os: GuestOs): RunCommandScript['commandId'] =>
  os === 'linux' ? 'RunShellScript' : 'RunPowerShellScript';

/**
 * The guest check for one probe as seen from the NIC address it targets, and for `others`: the other
 * distinct probes (protocol, port, path) the same backend answers, in the same Run Command (Azure runs
 * one at a time per VM). Throws `UnsafeScriptValueError` naming the parameter when a value could not be
 * a real probe's, and its subclass `IPv6AddressError` (parameter `nicAddress`) for an IPv6 backend,
 * which the check does not cover.
 */
export function buildGuestScript(
  os: GuestOs,
  probe: ScriptProbe,
  nicAddress: string,
  others: readonly ScriptProbe[] = [],
): RunCommandScript {
  const values = { ...validateScriptValues(probe, nicAddress), others: validateOtherProbes(others) };
  return {
    commandId: commandIdFor(os),
    script: os === 'linux' ? linuxGuestScript(values) : windowsGuestScript(values),
  };
}

/**
 * The peer test of validation: can this VM open each target's `address:port`? All targets in one Run
 * Command (Azure runs one at a time per VM), tested at once, each bounded by
 * `PEER_TEST_TIMEOUT_SECONDS`; one output line per target (parsed by `parsePeerTest`). One target is
 * the same test as before, with a one-line answer. Throws `UnsafeScriptValueError` naming the first
 * bad value (`targets[<n>].address` or `.port`): no script is built from any of them.
 */
export function buildPeerTestScript(os: GuestOs, targets: readonly PeerTarget[]): RunCommandScript {
  const valid = validatePeerTargets(targets);
  return {
    commandId: commandIdFor(os),
    script: os === 'linux' ? linuxPeerTestScript(valid) : windowsPeerTestScript(valid),
  };
}
