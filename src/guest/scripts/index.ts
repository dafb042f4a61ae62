/**
 * The Run Command scripts probe-doctor sends to a backend VM: one guest check per VM and probe, and the
 * peer TCP test used to validate a fix. Every value is validated before it reaches a script.
 */
import { linuxGuestScript, linuxTcpTestScript } from './linux';
import {
  validateIPv4,
  validateOtherProbes,
  validatePort,
  validateScriptValues,
  type ScriptProbe,
} from './values';
import { windowsGuestScript, windowsTcpTestScript } from './windows';

export type { ScriptProbe } from './values';
export { bashQuote, IPv6AddressError, isIPv6AddressError, powershellQuote } from './values';

export type GuestOs = 'linux' | 'windows';

/** The body of a `runCommand` POST. */
export interface RunCommandScript {
  commandId: 'RunShellScript' | 'RunPowerShellScript';
  script: string[];
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

/** The peer TCP test: can this VM open `targetIp:port`? Throws `UnsafeScriptValueError` on bad values. */
export function buildTcpTestScript(os: GuestOs, targetIp: string, port: number): RunCommandScript {
  const ip = validateIPv4(targetIp, 'targetIp');
  const p = validatePort(port);
  return {
    commandId: commandIdFor(os),
    script: os === 'linux' ? linuxTcpTestScript(ip, p) : windowsTcpTestScript(ip, p),
  };
}
