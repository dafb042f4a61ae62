/**
 * Renders guest state as the real commands print it, section by section, in the formats of the real
 * captures kept with the tests (iptables-save, nft, ufw, firewall-cmd, ss, curl, ip). Only what the
 * script's trimming would keep is rendered: rules for the probe port or for every port.
 */
import { contains } from '../truth/address';
import type { GuestFirewallEntry, GuestState } from '../scenario';
import { renderLinuxHttp, renderWindowsHttp } from './httpRender';

export interface RenderContext {
  guest: GuestState;
  port: number;
  protocol: string;
  path: string;
  address: string;
  /** Devices (eth0, Ethernet 2 ...) with their IPv4 address and prefix length, in NIC order. */
  interfaces: { device: string; address: string; prefixLength: number }[];
  /** The device of the probed NIC. */
  device: string;
  /** The script's variables, for the other probes it checks (`PD_PORT_<n>`...). */
  vars?: Record<string, string>;
}

const WIRE = '168.63.129.16';

/** Entries the script's trimming keeps: TCP (or any), for the probe port or every port. */
const relevant = (e: GuestFirewallEntry, port: number) =>
  e.protocol !== 'udp' && (e.port === undefined || e.port === port);
const cidr = (s: string) => (s.includes('/') ? s : `${s}/32`);

function iptablesRule(chain: string, e: GuestFirewallEntry): string {
  const parts = [`-A ${chain}`];
  if (e.source !== undefined) parts.push(`-s ${cidr(e.source)}`);
  if (e.port !== undefined) parts.push(`-p tcp -m tcp --dport ${e.port}`);
  else if (e.protocol === 'tcp') parts.push('-p tcp');
  parts.push(
    e.action === 'allow'
      ? '-j ACCEPT'
      : e.action === 'deny'
        ? '-j DROP'
        : '-j REJECT --reject-with icmp-port-unreachable',
  );
  return parts.join(' ');
}

export function renderIptables(ctx: RenderContext, tool: string): string {
  const rules = ctx.guest.firewall.filter((e) => relevant(e, ctx.port));
  const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
  if (tool === 'iptables') lines.push(...rules.map((e) => iptablesRule('INPUT', e)));
  // Beside firewalld (nftables backend), iptables-nft shows only the rules added with iptables itself.
  if (tool === 'firewalld') {
    const beside = (ctx.guest.iptablesRules ?? []).filter((e) => relevant(e, ctx.port));
    lines.push(...beside.map((e) => iptablesRule('INPUT', e)));
  }
  if (tool === 'ufw') {
    lines.push(
      '-A INPUT -j ufw-before-input',
      '-A ufw-before-input -i lo -j ACCEPT',
      '-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A ufw-before-input -j ufw-user-input',
      ...rules.map((e) => iptablesRule('ufw-user-input', e)),
    );
  }
  lines.push('COMMIT');
  return lines.join('\n');
}

export function renderNft(ctx: RenderContext): string {
  const rules = ctx.guest.firewall
    .filter((e) => relevant(e, ctx.port))
    .map((e) => {
      const parts: string[] = [];
      if (e.source !== undefined) parts.push(`ip saddr ${e.source}`);
      if (e.port !== undefined) parts.push(`tcp dport ${e.port}`);
      else if (e.protocol === 'tcp') parts.push('meta l4proto tcp');
      parts.push(e.action === 'allow' ? 'accept' : e.action === 'deny' ? 'drop' : 'reject');
      return `\t\t${parts.join(' ')}`;
    });
  return [
    'table inet filter {',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy accept;',
    ...rules,
    '\t}',
    '}',
  ].join('\n');
}

/** `ufw status verbose`; the scenario's default is allow. */
export function renderUfw(ctx: RenderContext): string {
  const rows = ctx.guest.firewall
    .filter((e) => relevant(e, ctx.port))
    .map((e) => {
      const to = e.port === undefined ? 'Anywhere' : e.protocol === 'any' ? `${e.port}` : `${e.port}/tcp`;
      const action = `${e.action === 'allow' ? 'ALLOW' : e.action === 'deny' ? 'DENY' : 'REJECT'} IN`;
      return `${to.padEnd(27)}${action.padEnd(12)}${(e.source ?? 'Anywhere').padEnd(26)}`;
    });
  return [
    'Status: active',
    'Logging: on (low)',
    'Default: allow (incoming), allow (outgoing), disabled (routed)',
    'New profiles: skip',
    '',
    'To                         Action      From',
    '--                         ------      ----',
    ...rows,
    '',
  ].join('\n');
}

/**
 * `firewall-cmd --list-all`: allows become ports or accept rich rules, denies reject/drop rich rules.
 * firewalld applies deny rich rules before allows whatever their order (the parser knows this); the
 * zone target is ACCEPT to keep the scenario's default allow.
 */
export function renderFirewalld(ctx: RenderContext): string {
  const entries = ctx.guest.firewall.filter((e) => relevant(e, ctx.port));
  const ports = entries
    .filter((e) => e.action === 'allow' && e.source === undefined && e.port !== undefined)
    .map((e) => `${e.port}/tcp`);
  const rich = entries
    .filter((e) => !(e.action === 'allow' && e.source === undefined && e.port !== undefined))
    .map((e) => {
      const src = e.source === undefined ? '' : ` source address="${e.source}"`;
      const port = e.port === undefined ? '' : ` port port="${e.port}" protocol="tcp"`;
      const action = e.action === 'allow' ? 'accept' : e.action === 'deny' ? 'drop' : 'reject';
      return `\trule family="ipv4"${src}${port} ${action}`;
    });
  return [
    `public (active)`,
    '  target: ACCEPT',
    '  icmp-block-inversion: no',
    `  interfaces: ${ctx.device}`,
    '  sources: ',
    '  services: dhcpv6-client ssh',
    `  ports: ${ports.join(' ')}`,
    '  protocols: ',
    '  forward: yes',
    '  masquerade: no',
    '  forward-ports: ',
    '  source-ports: ',
    '  icmp-blocks: ',
    '  rich rules: ',
    ...rich,
  ].join('\n');
}

function gatewayOf(address: string, prefixLength: number): string {
  const n = address.split('.').reduce((a, b) => a * 256 + Number(b), 0);
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  const gw = ((n & mask) >>> 0) + 1;
  return [24, 16, 8, 0].map((s) => (gw >>> s) & 255).join('.');
}

/** The route the guest uses toward 168.63.129.16: the longest matching guest route, or the probed NIC. */
export function routeToWire(ctx: RenderContext): { device: string; gateway?: string } | undefined {
  if (ctx.guest.routes === undefined) {
    const nic = ctx.interfaces.find((i) => i.device === ctx.device);
    return { device: ctx.device, gateway: nic ? gatewayOf(nic.address, nic.prefixLength) : undefined };
  }
  const bits = (d: string) => (d === 'default' ? 0 : Number(d.split('/')[1] ?? 32));
  const best = ctx.guest.routes
    .filter((r) => r.destination === 'default' || contains(cidr(r.destination), WIRE))
    .sort((a, b) => bits(b.destination) - bits(a.destination))[0];
  return best === undefined
    ? undefined
    : best.gateway === undefined
      ? { device: best.device }
      : { device: best.device, gateway: best.gateway };
}

export function renderLinuxRoute(ctx: RenderContext): string {
  const r = routeToWire(ctx);
  if (r === undefined)
    return 'RTNETLINK answers: Network is unreachable\nRTNETLINK answers: Network is unreachable';
  const src = ctx.interfaces.find((i) => i.device === r.device)?.address ?? ctx.address;
  const via = r.gateway === undefined ? '' : ` via ${r.gateway}`;
  return [
    `${WIRE}${via} dev ${r.device} src ${src} uid 0 `,
    '    cache ',
    `${WIRE} from ${ctx.address}${via} dev ${r.device} uid 0 `,
    '    cache ',
  ].join('\n');
}

export function renderLinuxAddr(ctx: RenderContext): string {
  return [
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    ...ctx.interfaces.map(
      (i, n) =>
        `${n + 2}: ${i.device}    inet ${i.address}/${i.prefixLength} metric 100 scope global ${i.device}\\       valid_lft forever preferred_lft forever`,
    ),
  ].join('\n');
}

/** `ss -ltn`, columns as iproute2 6.1 prints them. */
export function renderSs(guest: GuestState): string {
  const rows = guest.listening
    .filter((l) => l.protocol === 'tcp')
    .map((l) => {
      const v6 = l.address.includes(':');
      const local =
        l.address === '*' ? `*:${l.port}` : v6 ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`;
      const peer = l.address === '*' ? '*:*' : v6 ? '[::]:*' : '0.0.0.0:*';
      return `LISTEN 0      511    ${local.padStart(18)} ${peer.padStart(12)}          `;
    });
  return ['State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess', ...rows].join('\n');
}

/** What a connection from the guest to its own NIC address meets: a listener, a firewall entry. */
export function localConnect(ctx: RenderContext): 'open' | 'refused' | 'timeout' {
  const listener = ctx.guest.listening.find(
    (l) =>
      l.protocol === 'tcp' && l.port === ctx.port && ['0.0.0.0', '::', '*', ctx.address].includes(l.address),
  );
  // A local connection has the NIC address as its source: only entries covering it apply.
  const rule = ctx.guest.firewall.find(
    (e) =>
      e.protocol !== 'udp' &&
      (e.port === undefined || e.port === ctx.port) &&
      (e.source === undefined || contains(cidr(e.source), ctx.address)),
  );
  if (rule?.action === 'deny') return 'timeout';
  if (rule?.action === 'reject' || !listener) return 'refused';
  return 'open';
}

/** curl's `%{http_code}` and ` exit=N` (curl 7.88's words), then what the script adds (httpRender.ts). */
export function renderCurl(ctx: RenderContext): string {
  const conn = localConnect(ctx);
  if (conn === 'refused') {
    return `curl: (7) Failed to connect to ${ctx.address} port ${ctx.port} after 0 ms: Couldn't connect to server\n000 exit=7`;
  }
  if (conn === 'timeout') {
    return `curl: (28) Failed to connect to ${ctx.address} port ${ctx.port} after 3001 ms: Timeout was reached\n000 exit=28`;
  }
  return renderLinuxHttp(ctx.guest.http, {
    port: ctx.port,
    path: ctx.path,
    https: ctx.protocol === 'Https',
    address: ctx.address,
  });
}

/** Invoke-WebRequest's `status=` / `error=` lines for one probe's local GET (Windows PowerShell 5.1). */
export function renderInvokeWebRequest(ctx: RenderContext): string {
  const conn = localConnect(ctx);
  if (conn === 'refused') return 'error=Unable to connect to the remote server';
  if (conn === 'timeout') return 'error=The operation has timed out';
  return renderWindowsHttp(ctx.guest.http, {
    port: ctx.port,
    path: ctx.path,
    https: ctx.protocol === 'Https',
    address: ctx.address,
  });
}
