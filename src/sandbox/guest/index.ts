/**
 * The sandbox's answer to `POST .../runCommand`: renders the scenario's guest state as the real commands
 * print it, inside the sections of the script probe-doctor sent, so the real parsers read it. Returns
 * ARM's RunCommandResult body in the Linux or Windows shape, cut to the last 4096 bytes as Azure does.
 */
import { endpointByIp, endpointOf, vmNicIds } from '../derive/arm';
import { deviceName, windowsFirewall } from '../derive/guest';
import { tcpReachability as defaultTcpReachability } from '../derive/reachability';
import { ipConfigurations } from '../derive/vmFacts';
import { runCommandInProgress } from '../armErrors';
import { SandboxHttpError } from '../httpError';
import { findGuest, findResource, recordChange, type SandboxState } from '../state';
import {
  renderCurl,
  renderInvokeWebRequest,
  renderFirewalld,
  renderIptables,
  renderLinuxAddr,
  renderLinuxRoute,
  renderNft,
  renderSs,
  renderUfw,
  routeToWire,
  type RenderContext,
} from './render';
import { applyFirewallAllow, FIREWALL_ALLOW_MARKER } from './firewallAllow';
import { parseScriptVariables } from './scriptVariables';

export { parseScriptVariables } from './scriptVariables';

export interface RunCommandInput {
  commandId: string;
  script?: string[];
  parameters?: { name: string; value: string }[];
}

/** The peer reachability model; injectable so tests can pin it. */
export type TcpReachability = (
  state: SandboxState,
  fromVmId: string,
  toIp: string,
  port: number,
) => { reachable: boolean; reason: string };

/**
 * Azure keeps the last 4096 bytes of a Run Command's output (run-command.md, "Restrictions": "The
 * output is limited to the last 4,096 bytes").
 */
export const RUN_COMMAND_OUTPUT_LIMIT = 4096;

/**
 * What the commands of each section print, by the name the script gives the section. The names are the
 * script's (read from its marker lines, see {@link scriptMarkers}); the bodies are the sandbox's, rendered
 * from the real captures in the shared guest-output folder.
 */
const SECTIONS = {
  iptables: 'iptables',
  nft: 'nft',
  firewalld: 'firewalld',
  ufw: 'ufw',
  winfwProfile: 'winfw-profile',
  winfwRules: 'winfw-rules',
  addr: 'ip-addr',
  route: 'route',
  sysctl: 'sysctl',
  listen: 'listen',
  http: 'http',
  peerTest: 'peer-test',
} as const;

/** One section's name and what its commands print. */
type Printed = [name: string, body: string];

/**
 * The marker lines a script prints, in order: `echo '=== name ==='` in bash, `'=== name ==='` in
 * PowerShell. The VM runs the script, so the script decides which sections appear and in which order.
 */
export function scriptMarkers(script: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of script) {
    const m = /'=== ([a-z0-9-]+) ==='/.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}

/**
 * Prints the sections as the script would: in the script's order, each between its start marker and
 * the script's end marker, then the script's closing marker. A section the sandbox has nothing for
 * prints nothing between its markers; with no markers in the script, the sections print in their own
 * order.
 */
function emit(script: readonly string[], printed: Printed[]): string {
  const markers = scriptMarkers(script);
  const closing = markers.includes('done') ? '=== done ===\n' : '';
  const bodies = new Map(printed);
  const order =
    markers.length > 0 ? markers.filter((m) => m !== 'end' && m !== 'done') : printed.map((p) => p[0]);
  const sections = order.map((name) => `=== ${name} ===\n${bodies.get(name) ?? ''}\n=== end ===`);
  return sections.join('\n') + '\n' + closing;
}

/** Keeps the last `limit` bytes of UTF-8 text, as Azure does with Run Command output. */
export function lastBytes(text: string, limit = RUN_COMMAND_OUTPUT_LIMIT): string {
  const buf = Buffer.from(text, 'utf8');
  return buf.length <= limit ? text : buf.subarray(buf.length - limit).toString('utf8');
}

const section = (name: string, body: string): Printed => [name, body];

function contextFor(state: SandboxState, vmId: string, vars: Record<string, string>): RenderContext {
  const guest = findGuest(state, vmId);
  if (!guest) throw new SandboxHttpError(404, 'NotFound', `no guest facts for ${vmId}`);
  const vm = findResource(state, vmId);
  const interfaces = vmNicIds(vm).flatMap((nicId, index) => {
    const nic = findResource(state, nicId);
    const ipConfig = nic ? ipConfigurations(nic)[0] : undefined;
    if (!nic || !ipConfig) return [];
    const ep = endpointOf(state, nic, ipConfig);
    const rawPrefix = (ep.subnet?.properties as Record<string, unknown> | undefined)?.addressPrefix;
    const prefix = typeof rawPrefix === 'string' ? rawPrefix : '/24';
    return ep.ipAddress === undefined
      ? []
      : [
          {
            device: deviceName(guest.os, index),
            address: ep.ipAddress,
            prefixLength: Number(prefix.split('/')[1] ?? 24),
          },
        ];
  });
  const address = vars.PD_ADDR ?? interfaces[0]?.address ?? '';
  const ep = endpointByIp(state, address);
  return {
    guest,
    port: Number(vars.PD_PORT ?? '0'),
    protocol: vars.PD_PROTO ?? 'Tcp',
    path: vars.PD_PATH ?? '/',
    vars,
    address,
    interfaces,
    device: deviceName(guest.os, ep?.nicIndex ?? 0),
  };
}

function renderLinuxCheck(ctx: RenderContext): Printed[] {
  const tool = ctx.guest.firewallTool ?? 'iptables';
  const parts = [
    section(SECTIONS.iptables, renderIptables(ctx, tool)),
    section(
      SECTIONS.nft,
      tool === 'nftables' ? renderNft(ctx) : tool === 'firewalld' ? 'skipped: firewalld' : 'not installed',
    ),
    section(SECTIONS.firewalld, tool === 'firewalld' ? renderFirewalld(ctx) : 'not running'),
    section(SECTIONS.ufw, tool === 'ufw' ? renderUfw(ctx) : 'not installed'),
    section(SECTIONS.addr, renderLinuxAddr(ctx)),
    section(SECTIONS.route, renderLinuxRoute(ctx)),
    // A guest field: on only when the scenario says so.
    section(SECTIONS.sysctl, `net.ipv4.tcp_timestamps = ${ctx.guest.tcpTimestamps ? 1 : 0}`),
    section(SECTIONS.listen, renderSs(ctx.guest)),
  ];
  if (ctx.protocol !== 'Tcp') parts.push(section(SECTIONS.http, renderCurl(ctx)));
  for (const { n, other } of otherProbes(ctx))
    parts.push(section(`${SECTIONS.http}-${n}`, renderCurl(other)));
  return parts;
}

/**
 * The other probes a guest script checks in the same run (`PD_PORT_<n>`, `PD_PROTO_<n>`,
 * `PD_PATH_<n>`, n from 2), each as a render context of its own; TCP ones have no local GET.
 */
function otherProbes(ctx: RenderContext): { n: number; other: RenderContext }[] {
  const out: { n: number; other: RenderContext }[] = [];
  for (let n = 2; ctx.vars?.[`PD_PORT_${n}`] !== undefined; n++) {
    const protocol = ctx.vars[`PD_PROTO_${n}`] ?? 'Tcp';
    if (protocol === 'Tcp') continue;
    out.push({
      n,
      other: {
        ...ctx,
        port: Number(ctx.vars[`PD_PORT_${n}`]),
        protocol,
        path: ctx.vars[`PD_PATH_${n}`] ?? '/',
      },
    });
  }
  return out;
}

function renderWindowsCheck(ctx: RenderContext): Printed[] {
  const fw = windowsFirewall(ctx.guest);
  const rules = fw.rules
    .filter((e) => e.protocol !== 'udp' && (e.port === undefined || e.port === ctx.port))
    .map(
      (e, i) =>
        `${e.action === 'allow' ? 'Allow' : 'Block'}|Any|${e.protocol === 'tcp' ? 'TCP' : 'Any'}|${e.port ?? 'Any'}|${e.source ?? 'Any'}|scenario rule ${i + 1}`,
    );
  const profiles = [
    'active=Public',
    ...['Domain', 'Private', 'Public'].map(
      (p) => `${p} Enabled=True DefaultInboundAction=${fw.defaultInboundAction}`,
    ),
  ];
  const listeners = ctx.guest.listening.filter((l) => l.protocol === 'tcp');
  const width = Math.max(12, ...listeners.map((l) => l.address.length));
  const table = [
    '',
    `${'LocalAddress'.padEnd(width)} LocalPort OwningProcess`,
    `${'-'.repeat(12).padEnd(width)} --------- -------------`,
    ...listeners.map(
      (l, i) => `${l.address.padEnd(width)} ${String(l.port).padStart(9)} ${String(1000 + i).padStart(13)}`,
    ),
    '',
  ].join('\n');
  const route = routeToWire(ctx);
  const src = ctx.interfaces.find((i) => i.device === route?.device)?.address ?? ctx.address;
  const parts = [
    section(SECTIONS.winfwProfile, profiles.join('\n')),
    section(SECTIONS.winfwRules, rules.join('\n')),
    section(
      SECTIONS.addr,
      ctx.interfaces.map((i) => `${i.address}/${i.prefixLength} ${i.device}`).join('\n'),
    ),
    section(
      SECTIONS.route,
      route
        ? `168.63.129.16 via ${route.gateway ?? '0.0.0.0'} src ${src} dev ${route.device}`
        : 'error=No matching MSFT_NetRoute objects found',
    ),
    section(SECTIONS.listen, table),
  ];
  if (ctx.protocol !== 'Tcp') parts.push(section(SECTIONS.http, renderInvokeWebRequest(ctx)));
  for (const { n, other } of otherProbes(ctx))
    parts.push(section(`${SECTIONS.http}-${n}`, renderInvokeWebRequest(other)));
  return parts;
}

/** The targets of a peer test script: `PD_TARGET_<n>` and `PD_PORT_<n>`, n from 1, as it set them. */
function peerTargets(vars: Record<string, string>): { ip: string; port: string }[] {
  const out: { ip: string; port: string }[] = [];
  for (let n = 1; vars[`PD_TARGET_${n}`] !== undefined; n++) {
    out.push({ ip: vars[`PD_TARGET_${n}`] ?? '', port: vars[`PD_PORT_${n}`] ?? '' });
  }
  return out;
}

/**
 * What the peer test script prints on a VM: every target connected to at once, one line per target
 * in the script's format, each from the sandbox's own model of that path (NSGs both ways, the
 * target's guest firewall and listeners). What the tools print is taken from real captures:
 * - Linux, bash's /dev/tcp under coreutils `timeout 5` (guest-output linux/bash-dev-tcp__*.txt):
 *   nothing and exit 0 when it connects; `bash: connect: Connection refused` and exit 1 on a reset;
 *   nothing and exit 124 when nothing answers, after the 5 s. Without `timeout` on the guest, OpenBSD
 *   nc (`nc -zv -w 5`, guest-output linux/nc-zv*.txt); with neither, the script tests nothing.
 * - Windows, .NET Framework's TcpClient.ConnectAsync (Windows PowerShell 5.1): the task
 *   RanToCompletion when it connects; Faulted with the SocketException message "No connection could
 *   be made because the target machine actively refused it <ip>:<port>" (as printed in
 *   secabstraction/PowerCat#2 and 0dayCTF/reverse-shell-generator#139) after Windows' SYN retries on a
 *   reset (about 1 s); still WaitingForActivation when the script stops waiting at 5 s. The script
 *   awaits the targets in order, so each elapsed time is at least the one before it.
 */
function renderPeerTest(
  os: string,
  vars: Record<string, string>,
  reach: (ip: string, port: number) => { reachable: boolean; reason: string },
  tools: readonly string[] | undefined,
): Printed[] {
  const targets = peerTargets(vars);
  const linuxTool = linuxPeerTool(tools);
  let seen = 0;
  const lines = targets.map(({ ip, port }, i) => {
    const head = `peer n=${i + 1} address=${ip} port=${port}`;
    if (os === 'linux' && linuxTool === 'none') {
      // Neither tool is there: no connection is attempted, so nothing is learnt about the path.
      return `${head} tool=none exit=127 elapsed_ms=1 output=not installed: timeout, nc`;
    }
    const result = reach(ip, Number(port));
    const refused = !result.reachable && result.reason.startsWith('refused');
    if (os === 'linux' && linuxTool === 'nc') {
      const [exit, ms, output] = result.reachable
        ? [0, 2, `Connection to ${ip} ${port} port [tcp/*] succeeded!`]
        : refused
          ? [1, 2, `nc: connect to ${ip} port ${port} (tcp) failed: Connection refused`]
          : [1, 5003, `nc: connect to ${ip} port ${port} (tcp) timed out: Operation now in progress`];
      return `${head} tool=nc exit=${exit} elapsed_ms=${ms} output=${output}`;
    }
    if (os === 'linux') {
      const [exit, ms, output] = result.reachable
        ? [0, 2, '']
        : refused
          ? [1, 2, 'bash: connect: Connection refused']
          : [124, 5002, ''];
      return `${head} tool=bash-dev-tcp exit=${exit} elapsed_ms=${ms} output=${output}`;
    }
    const [status, ms, output] = result.reachable
      ? ['RanToCompletion', 3, '']
      : refused
        ? [
            'Faulted',
            1010,
            `No connection could be made because the target machine actively refused it ${ip}:${port}`,
          ]
        : ['WaitingForActivation', 5000, ''];
    seen = Math.max(seen, ms);
    return `${head} tool=TcpClient status=${status} elapsed_ms=${seen} output=${output}`;
  });
  const tool = os === 'linux' ? linuxTool : 'TcpClient';
  return [section(SECTIONS.peerTest, [`tool=${tool} count=${targets.length}`, ...lines].join('\n'))];
}

/**
 * Which tool the Linux peer test script runs on a guest with `tools` (scenario.ts): it looks for
 * `timeout` first (bash's /dev/tcp under it), then `nc`, with `command -v`, and runs neither when
 * both are missing (tool=none, 127, the shell's status for a command not found). Omitted: both there.
 */
function linuxPeerTool(tools: readonly string[] | undefined): 'bash-dev-tcp' | 'nc' | 'none' {
  if (tools === undefined || tools.includes('timeout')) return 'bash-dev-tcp';
  return tools.includes('nc') ? 'nc' : 'none';
}

/**
 * Answers a Run Command on `vmId`. Throws {@link SandboxHttpError}: 409 Conflict while an earlier
 * command is "still running" (`runCommandBusyTimes`), 409 OperationNotAllowed when the VM is not running.
 */
export function runCommandResult(
  state: SandboxState,
  vmId: string,
  input: RunCommandInput,
  deps: { tcpReachability?: TcpReachability } = {},
): object {
  const guest = findGuest(state, vmId);
  if (!guest) throw new SandboxHttpError(404, 'NotFound', `no guest facts for ${vmId}`);
  if (guest.runCommandBusyTimes > 0) {
    guest.runCommandBusyTimes -= 1;
    throw runCommandInProgress();
  }
  if (guest.powerState !== 'running') {
    throw new SandboxHttpError(
      409,
      'OperationNotAllowed',
      'The operation requires the VM to be running (or set to run).',
    );
  }
  const script = input.script ?? [];
  const vars = parseScriptVariables(script);
  const os = input.commandId === 'RunPowerShellScript' ? 'windows' : 'linux';
  let stdout: string;
  if (script.some((l) => l.startsWith('# probe-doctor peer test'))) {
    const reach = deps.tcpReachability ?? defaultTcpReachability;
    stdout = emit(
      script,
      renderPeerTest(os, vars, (ip, port) => reach(state, vmId, ip, port), guest.tools),
    );
  } else if (script.some((l) => l.startsWith(FIREWALL_ALLOW_MARKER))) {
    const applied = applyFirewallAllow(guest, os, vars);
    // Only this VM's guest changes (its firewall).
    if (applied.changed) recordChange(state, { guestOf: vmId });
    stdout = applied.stdout;
  } else if (script.some((l) => l.startsWith('# probe-doctor guest check'))) {
    const ctx = contextFor(state, vmId, vars);
    stdout = emit(script, os === 'linux' ? renderLinuxCheck(ctx) : renderWindowsCheck(ctx));
  } else {
    stdout = '';
  }
  stdout = lastBytes(stdout);
  if (os === 'linux') {
    return {
      value: [
        {
          code: 'ProvisioningState/succeeded',
          level: 'Info',
          displayStatus: 'Provisioning succeeded',
          message: `Enable succeeded: \n[stdout]\n${stdout}\n[stderr]\n`,
        },
      ],
    };
  }
  return {
    value: [
      {
        code: 'ComponentStatus/StdOut/succeeded',
        level: 'Info',
        displayStatus: 'Provisioning succeeded',
        message: stdout,
      },
      {
        code: 'ComponentStatus/StdErr/succeeded',
        level: 'Info',
        displayStatus: 'Provisioning succeeded',
        message: '',
      },
    ],
  };
}
