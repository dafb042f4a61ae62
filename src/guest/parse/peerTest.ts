/**
 * The peer test's output (scripts/linux.ts `linuxPeerTestScript`, scripts/windows.ts
 * `windowsPeerTestScript`): one line per target,
 *
 *   peer n=<n> address=<ip> port=<port> tool=<tool> exit=<status>|status=<TaskStatus> elapsed_ms=<ms> output=<text>
 *
 * where `output` is the first line the tool printed: bash's `bash: connect: Connection refused`, nc's
 * `Connection to ... succeeded!` / `nc: connect to ... failed: ...`, or the SocketException message of
 * .NET's TcpClient (`No connection could be made because the target machine actively refused it
 * 10.0.0.5:80` on Windows PowerShell 5.1). Each target's result comes from its own line only; a
 * target answered twice with different answers (output garbled or two runs interleaved) is unknown,
 * since neither line can be trusted over the other.
 */

/** One target's answer: reachable or not, how long it took, which tool said so, and what it said. */
export interface TcpTestResult {
  reachable: boolean;
  /** Milliseconds from the start of the test until its answer was seen. */
  latencyMs?: number;
  /** `bash-dev-tcp`, `nc`, `TcpClient`, or `unknown` when the output has no answer for the target. */
  tool: string;
  detail: string;
}

/** What the parser needs to know of a target: where the script was told to connect. */
export interface PeerTestTarget {
  address: string;
  port: number;
}

const LINE =
  /^peer n=(\d+) address=(\S+) port=(\d+) tool=(\S+) (exit|status)=(\S+) elapsed_ms=(\d+) output=(.*)$/;

interface PeerLine {
  address: string;
  port: number;
  tool: string;
  status: string;
  elapsedMs: number;
  output: string;
}

/** bash /dev/tcp under `timeout`, or `nc -zv`, by exit status and first line. */
function linuxResult(line: PeerLine): Omit<TcpTestResult, 'latencyMs'> {
  const { tool, status, output } = line;
  if (tool === 'none') {
    return { reachable: false, tool: 'unknown', detail: `no TCP test tool on the peer (${output})` };
  }
  if (tool === 'nc') {
    const failed = /^nc: connect to .* (failed|timed out): (.*)$/.exec(output);
    if (status === '0') return { reachable: true, tool, detail: output || 'succeeded' };
    return {
      reachable: false,
      tool,
      detail: failed ? (failed[1] === 'timed out' ? 'timed out' : (failed[2] as string)) : `exit ${status}`,
    };
  }
  if (status === '0') return { reachable: true, tool, detail: 'open' };
  // coreutils timeout exits 124 when the command timed out.
  if (status === '124') return { reachable: false, tool, detail: 'timed out' };
  const connect = /^bash: connect: (.*)$/.exec(output)?.[1];
  return { reachable: false, tool, detail: connect ?? `exit ${status}${output ? `: ${output}` : ''}` };
}

/** .NET TcpClient.ConnectAsync, by the task's status when the script stopped waiting. */
function windowsResult(line: PeerLine): Omit<TcpTestResult, 'latencyMs'> {
  const { tool, status, output } = line;
  if (status === 'RanToCompletion') return { reachable: true, tool, detail: 'connected' };
  if (status === 'Faulted') return { reachable: false, tool, detail: output || 'the connection failed' };
  if (status === 'Canceled') return { reachable: false, tool, detail: 'canceled' };
  // Created, WaitingForActivation, WaitingToRun, Running: no answer before the script's timeout.
  return { reachable: false, tool, detail: 'timed out' };
}

/** A target the output says nothing about (cut by Azure's 4096 bytes, or the script stopped). */
const unknownResult = (target: PeerTestTarget, why: string): TcpTestResult => ({
  reachable: false,
  tool: 'unknown',
  detail: `no result for ${target.address}:${target.port} in the peer test output (${why})`,
});

/**
 * One result per target, in the targets' order: line `n` answers `targets[n - 1]`, and only when it
 * names that target's address and port. A target without such a line is `tool: 'unknown'`, never
 * reachable. `stdout` is the Run Command's stdout (CRLF or LF).
 */
export function parsePeerTest(
  os: 'linux' | 'windows',
  stdout: string,
  targets: readonly PeerTestTarget[],
): TcpTestResult[] {
  const lines = new Map<number, PeerLine[]>();
  for (const raw of stdout.replace(/\r\n/g, '\n').split('\n')) {
    const m = LINE.exec(raw);
    if (!m) continue;
    const n = Number(m[1]);
    lines.set(n, [
      ...(lines.get(n) ?? []),
      {
        address: m[2] as string,
        port: Number(m[3]),
        tool: m[4] as string,
        status: m[6] as string,
        elapsedMs: Number(m[7]),
        output: (m[8] as string).trim(),
      },
    ]);
  }
  const resultOf = (line: PeerLine) =>
    os === 'windows' || line.tool === 'TcpClient' ? windowsResult(line) : linuxResult(line);
  return targets.map((target, i) => {
    const answers = lines.get(i + 1) ?? [];
    const [line] = answers;
    if (!line) return unknownResult(target, 'the line was cut off or never printed');
    const other = answers.find((a) => a.address !== target.address || a.port !== target.port);
    if (other) return unknownResult(target, `line ${i + 1} names ${other.address}:${other.port}`);
    const result = resultOf(line);
    const differs = answers
      .map(resultOf)
      .some((r) => r.reachable !== result.reachable || r.tool !== result.tool || r.detail !== result.detail);
    if (differs) {
      return unknownResult(
        target,
        `line ${i + 1} appears ${answers.length} times with different answers: ${answers
          .map((a) => `${a.status}${a.output ? ` (${a.output})` : ''}`)
          .join(' vs ')}`,
      );
    }
    return { ...result, latencyMs: line.elapsedMs };
  });
}
