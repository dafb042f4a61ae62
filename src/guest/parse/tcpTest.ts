/**
 * The peer TCP test's output: bash /dev/tcp (`open`, `bash: connect: ...`, `exit=124`), `nc -zv`,
 * PsPing and Test-NetConnection, with or without the script's `tool=` and `elapsed_ms=` lines.
 */
export interface TcpTestResult {
  reachable: boolean;
  latencyMs?: number;
  tool: string;
  detail: string;
}

export function parseTcpTest(os: 'linux' | 'windows', stdout: string): TcpTestResult {
  const text = stdout.replace(/\r\n/g, '\n');
  const elapsed = /^elapsed_ms=(\d+)/m.exec(text);
  const withLatency = (r: TcpTestResult): TcpTestResult =>
    r.latencyMs === undefined && elapsed ? { ...r, latencyMs: Number(elapsed[1]) } : r;
  const declared = /^tool=(\S+)/m.exec(text)?.[1];

  if (/PsPing|TCP connect statistics|^Connecting to /m.test(text) || declared === 'psping') {
    const stats = /Sent = (\d+), Received = (\d+), Lost = (\d+)/.exec(text);
    const avg = /Average = ([\d.]+)ms/.exec(text);
    const received = stats ? Number(stats[2]) : 0;
    const r: TcpTestResult = {
      reachable: received > 0,
      tool: 'psping',
      detail: stats ? stats[0] : (text.trim().split('\n').pop() ?? ''),
    };
    return withLatency(avg ? { ...r, latencyMs: Number(avg[1]) } : r);
  }
  const tnc = /^TcpTestSucceeded\s*:\s*(True|False)/m.exec(text);
  if (tnc || declared === 'Test-NetConnection') {
    const warning = /^WARNING: (.*)$/m.exec(text)?.[1];
    return withLatency({
      reachable: tnc?.[1] === 'True',
      tool: 'Test-NetConnection',
      detail: warning ?? (tnc ? `TcpTestSucceeded : ${tnc[1]}` : 'no TcpTestSucceeded in output'),
    });
  }
  const ncOk = /^Connection to (\S+) (\d+) port \[[^\]]*\] succeeded!/m.exec(text);
  const ncFail = /^nc: connect to .* (failed|timed out): (.*)$/m.exec(text);
  if (ncOk || ncFail || declared === 'nc') {
    if (ncOk) return withLatency({ reachable: true, tool: 'nc', detail: ncOk[0] });
    return withLatency({
      reachable: false,
      tool: 'nc',
      detail: ncFail ? (ncFail[1] === 'timed out' ? 'timed out' : (ncFail[2] as string)) : 'no nc result',
    });
  }
  // bash /dev/tcp under timeout (the default on Linux).
  if (/^open$/m.test(text)) return withLatency({ reachable: true, tool: 'bash-dev-tcp', detail: 'open' });
  const connectErr = /^bash: connect: (.*)$/m.exec(text)?.[1];
  const exit = /^exit=(\d+)/m.exec(text)?.[1];
  if (connectErr !== undefined || exit !== undefined) {
    return withLatency({
      reachable: false,
      tool: 'bash-dev-tcp',
      detail: connectErr ?? (exit === '124' ? 'timed out' : `exit ${exit ?? ''}`),
    });
  }
  return withLatency({
    reachable: false,
    tool: declared ?? (os === 'linux' ? 'unknown' : 'unknown'),
    detail: 'no recognised test output',
  });
}
