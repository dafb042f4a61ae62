/**
 * Listening TCP sockets from `ss -ltn[p]` / `ss -tan`, Linux `netstat -an|-ltn|-tlnp`, Windows
 * `netstat -an`, and `Get-NetTCPConnection` (Format-Table). The format is recognised from the output.
 */
import type { ListeningSocket } from '../../model/evidence';

/** Splits `addr:port` as the tools print it (`[::1]:22`, `:::22`, `*:80`, `127.0.0.53%lo:53`). */
function splitEndpoint(endpoint: string): { address: string; port: number } | undefined {
  const i = endpoint.lastIndexOf(':');
  if (i < 0) return undefined;
  const port = Number(endpoint.slice(i + 1));
  if (!Number.isInteger(port)) return undefined;
  const address = endpoint
    .slice(0, i)
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/%.*$/, '');
  return { address: address === '' ? '::' : address, port };
}

function parseSs(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const w = line.trim().split(/\s+/);
    // `ss -ltn` has State first; `ss -l` without -t adds Netid first.
    const offset = w[0] === 'tcp' || w[0] === 'udp' ? 1 : 0;
    if (w[offset] !== 'LISTEN') continue;
    const ep = splitEndpoint(w[offset + 3] ?? '');
    if (!ep) continue;
    const proc = /users:\(\("([^"]+)"/.exec(line)?.[1];
    out.push(proc === undefined ? { protocol: 'tcp', ...ep } : { protocol: 'tcp', ...ep, process: proc });
  }
  return out;
}

/**
 * A TCP socket's foreign address as netstat prints it for a listener: `0.0.0.0:0` / `[::]:0` on
 * Windows, `0.0.0.0:*` / `:::*` on Linux. Unlike the state word, which Windows translates (ABHÖREN,
 * ÉCOUTE, À L'ÉCOUTE, ESCUCHANDO, IN ASCOLTO...), it reads the same in every language.
 */
const WILDCARD_FOREIGN = /^(0\.0\.0\.0|\[::\]|::|\*):(0|\*)$/;

function parseNetstat(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n')) {
    const w = line.trim().split(/\s+/);
    const proto = w[0]?.toLowerCase();
    if (proto === 'tcp' || proto === 'tcp6') {
      // Linux: Proto Recv-Q Send-Q Local Foreign State [PID/Program]; Windows: Proto Local Foreign State.
      const linux = /^\d+$/.test(w[1] ?? '');
      const local = linux ? w[3] : w[1];
      const foreign = linux ? w[4] : w[2];
      if (!WILDCARD_FOREIGN.test(foreign ?? '')) continue;
      const ep = splitEndpoint(local ?? '');
      if (!ep) continue;
      const proc = linux ? /^\d+\/(.+)$/.exec(w[6] ?? '')?.[1] : undefined;
      out.push(proc === undefined ? { protocol: 'tcp', ...ep } : { protocol: 'tcp', ...ep, process: proc });
    }
  }
  return out;
}

/** A PowerShell Format-Table: columns sliced at the offsets of the dashes under the header. */
export function parsePsTable(text: string): Record<string, string>[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const dashIdx = lines.findIndex((l) => /^-+(\s+-+)*\s*$/.test(l));
  if (dashIdx < 1) return [];
  const header = lines[dashIdx - 1] as string;
  const dashes = lines[dashIdx] as string;
  const cols = [...dashes.matchAll(/-+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  const names = cols.map((c, i) =>
    header.slice(c.start, i + 1 < cols.length ? (cols[i + 1]?.start ?? undefined) : undefined).trim(),
  );
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(dashIdx + 1)) {
    if (line.trim() === '') continue;
    const row: Record<string, string> = {};
    cols.forEach((c, i) => {
      const next = cols[i + 1];
      row[names[i] as string] = line.slice(c.start, next ? next.start : undefined).trim();
    });
    rows.push(row);
  }
  return rows;
}

function parseGetNetTcpConnection(text: string): ListeningSocket[] {
  return parsePsTable(text)
    .filter((r) => r.State === undefined || r.State === 'Listen')
    .map((r) => ({ protocol: 'tcp' as const, address: r.LocalAddress ?? '', port: Number(r.LocalPort) }))
    .filter((s) => s.address !== '' && Number.isInteger(s.port));
}

/**
 * Parses listeners from whichever tool printed `text`; `source` names it. `undetermined` says why the
 * text does not tell what listens (empty, or no tool's format recognised): then `listening` being
 * empty proves nothing, and no cause may rest on it.
 */
export function parseListeners(text: string): {
  source: string;
  listening: ListeningSocket[];
  undetermined?: string;
} {
  if (text.trim() === '')
    return { source: 'none', listening: [], undetermined: 'the listen section is empty' };
  if (/^\s*LocalAddress\s+LocalPort/m.test(text)) {
    return { source: 'Get-NetTCPConnection', listening: parseGetNetTcpConnection(text) };
  }
  if (/^(Netid\s+)?State\s+Recv-Q\s+Send-Q/m.test(text)) return { source: 'ss', listening: parseSs(text) };
  if (/^\s*(tcp6?|TCP)\s/m.test(text) || /^Active (Internet )?[Cc]onnections/m.test(text)) {
    return { source: 'netstat', listening: parseNetstat(text) };
  }
  return {
    source: 'unknown',
    listening: [],
    undetermined: `the listen output is in no format the parser knows (${text.trim().split('\n')[0]?.slice(0, 80) ?? ''})`,
  };
}
