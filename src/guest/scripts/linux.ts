/**
 * The Linux guest check, as RunShellScript lines. Values are validated by the caller
 * ({@link validateScriptValues}) and set once, quoted, at the top; the body only ever reads them as
 * "$PD_X", so no value is ever parsed as shell code.
 */
import { SECTIONS, SECTION_END, sectionStart } from '../sections';
import { bashQuote, portList, type PeerTarget, type ScriptValues } from './values';

/** The WireServer / probe source address. */
export const WIRE_SERVER = '168.63.129.16';

/**
 * awk helper shared by the trimming filters: does a port list (`80`, `80,443`, `1000:2000`,
 * `1000-2000`) contain the probe port?
 */
const AWK_HASPORT =
  'function hasport(s,   n, i, a, r, k, m, ps) { m = split(p, ps, ","); n = split(s, a, ","); for (k = 1; k <= m; k++) for (i = 1; i <= n; i++) { if (split(a[i], r, /[-:]/) == 2) { if (ps[k] + 0 >= r[1] + 0 && ps[k] + 0 <= r[2] + 0) return 1 } else if (a[i] + 0 == ps[k] + 0) return 1 } return 0 }';

const section = (name: string, body: string[]): string[] => [
  `echo '${sectionStart(name)}'`,
  ...body,
  `echo '${SECTION_END}'`,
];

/** The variable lines at the top of the script. */
export function linuxVariables(vars: Record<string, string>): string[] {
  return Object.entries(vars).map(([k, v]) => `${k}=${bashQuote(v)}`);
}

/** Builds the RunShellScript lines for one probe on one NIC address. */
export function linuxGuestScript(values: ScriptValues): string[] {
  const vars: Record<string, string> = {
    PD_PORT: String(values.port),
    PD_ADDR: values.address,
    PD_PROTO: values.protocol,
  };
  if (values.path !== undefined) vars.PD_PATH = values.path;
  // Every probe port, for the firewall filters: a row for another probe's port decides that probe.
  vars.PD_PORTS = portList(values);
  (values.others ?? []).forEach((other, i) => {
    vars[`PD_PORT_${i + 2}`] = String(other.port);
    vars[`PD_PROTO_${i + 2}`] = other.protocol;
    if (other.path !== undefined) vars[`PD_PATH_${i + 2}`] = other.path;
  });
  vars.PD_WIRE = WIRE_SERVER;
  const lines = [
    '#!/bin/bash',
    '# probe-doctor guest check (linux) v1',
    ...linuxVariables(vars),
    'export LC_ALL=C',
    'pd_has() { command -v "$1" >/dev/null 2>&1; }',
    'PD_DEV=$(ip -o -4 addr show 2>/dev/null | awk -v a="$PD_ADDR" \'{ split($4, x, "/"); if (x[1] == a) print $2 }\')',
    // Only rows that can decide the probe survive: INPUT/OUTPUT policies, rules naming the probe port or
    // 168.63.129.16, and rules without a port (jumps, catch-all drops). FORWARD, LOG, UDP and ICMP rows
    // cannot, and Azure keeps only the last 4096 bytes.
    'pd_trim_ipt() {',
    `  awk -v p="$PD_PORTS" '${AWK_HASPORT}`,
    '    /^#/ { next }',
    '    /^\\*/ || /^COMMIT/ { print; next }',
    '    /^:/ { if ($1 == ":INPUT" || $1 == ":OUTPUT") print; next }',
    '    /^-P / { if ($2 == "INPUT" || $2 == "OUTPUT") print; next }',
    '    /^-N / { next }',
    '    /^-A (FORWARD|[^ ]*-forward) / { next }',
    '    / -j (LOG|NFLOG)( |$)/ { next }',
    '    / -p (udp|icmp|17|1) / { next }',
    '    / --dports? / && !/168\\.63\\.129\\.16/ { for (i = 1; i < NF; i++) if (($i == "--dport" || $i == "--dports") && $(i - 1) != "!" && !hasport($(i + 1))) next }',
    "    { print }'",
    '}',
    // Tables iptables-nft manages are already in the iptables section; the rest is trimmed like above.
    'pd_trim_nft() {',
    `  awk -v p="$PD_PORTS" '${AWK_HASPORT}`,
    '    /^# Warning: table .* managed by iptables-nft/ { skipnext = 1; next }',
    '    /^table / { skipping = skipnext; skipnext = 0 }',
    '    skipping { if ($0 ~ /^}/) skipping = 0; next }',
    '    /(udp dport|icmp type|icmpv6 type)/ { next }',
    '    /dport/ && !/168\\.63\\.129\\.16/ { s = $0; sub(/.*dport /, "", s); if (s !~ /^!= /) { if (s ~ /^[{]/) { sub(/^[{] */, "", s); sub(/ *[}].*/, "", s); gsub(/ /, "", s) } else sub(/ .*/, "", s); if (!hasport(s)) next } }',
    "    { print }'",
    '}',
    'pd_trim_ufw() {',
    `  awk -v p="$PD_PORTS" '${AWK_HASPORT}`,
    '    /\\(v6\\)/ { next }',
    '    { t = $1; if ($1 ~ /^\\[/) t = ($2 ~ /^[0-9]+\\]$/) ? $3 : $2 }',
    '    t ~ /^[0-9][0-9,:]*(\\/(tcp|udp))?$/ { sub(/\\/.*/, "", t); if (!hasport(t)) next }',
    "    { print }'",
    '}',
    'PD_FIREWALLD=0',
    'if pd_has firewall-cmd && firewall-cmd --state >/dev/null 2>&1; then PD_FIREWALLD=1; fi',
    ...section(SECTIONS.iptables, [
      'if pd_has iptables-save; then iptables-save -t filter 2>/dev/null | pd_trim_ipt',
      'elif pd_has iptables; then iptables -S 2>/dev/null | pd_trim_ipt',
      "else echo 'not installed'; fi",
    ]),
    ...section(SECTIONS.nft, [
      // firewalld's own nft tables are large; its --list-all says the same in a few lines.
      'if [ "$PD_FIREWALLD" = 1 ]; then echo \'skipped: firewalld\'',
      'elif pd_has nft; then nft list ruleset 2>/dev/null | pd_trim_nft',
      "else echo 'not installed'; fi",
    ]),
    ...section(SECTIONS.firewalld, [
      'if [ "$PD_FIREWALLD" = 1 ]; then',
      '  PD_ZONE=$(firewall-cmd --get-zone-of-interface="$PD_DEV" 2>/dev/null || firewall-cmd --get-default-zone)',
      '  firewall-cmd --list-all --zone="$PD_ZONE" 2>&1',
      "else echo 'not running'; fi",
    ]),
    ...section(SECTIONS.ufw, [
      "if pd_has ufw; then ufw status verbose 2>&1 | pd_trim_ufw; else echo 'not installed'; fi",
    ]),
    ...section(SECTIONS.addr, ['ip -o -4 addr show 2>&1']),
    // The reply to 168.63.129.16 must leave by the NIC the probe arrived on; `from` honours policy routing.
    ...section(SECTIONS.route, [
      'ip route get "$PD_WIRE" 2>&1',
      'ip route get "$PD_WIRE" from "$PD_ADDR" 2>&1',
    ]),
    ...section(SECTIONS.sysctl, ['sysctl net.ipv4.tcp_timestamps 2>&1']),
    ...section(SECTIONS.listen, [
      'if pd_has ss; then ss -ltn 2>&1 | head -n 60',
      'elif pd_has netstat; then netstat -ltn 2>&1 | head -n 60',
      "else echo 'not installed: ss, netstat'; fi",
    ]),
  ];
  if (values.protocol !== 'Tcp') lines.push(...linuxHttpCheck(SECTIONS.http, ''));
  (values.others ?? []).forEach((other, i) => {
    if (other.protocol !== 'Tcp') lines.push(...linuxHttpCheck(`${SECTIONS.http}-${i + 2}`, `_${i + 2}`));
  });
  lines.push("echo '=== done ==='");
  return lines;
}

/**
 * The local GET of one HTTP(S) probe, reading its `PD_*<suffix>` variables, in section `name`. It asks
 * what the probe asks (docs/probe-facts.md, "What HTTP(S) probes send"): the NIC address in the URL, so
 * curl sends it as Host and, for HTTPS, sends no SNI (curl never puts an IP literal in SNI); TLS 1.2
 * only, the version HTTPS probes negotiate; no certificate check, as the probe accepts a self-signed
 * chain. Then, for HTTPS, the certificate chain as `openssl s_client` prints it (its signature
 * algorithm is what the probe's SHA256 rule is about, and a `Client Certificate Types:` line means the
 * listener asks for a client certificate, which probes never send). When that request does not get
 * 200, contrasts that tell the cause: the same GET for up to two host names the guest's web server is
 * configured for (nginx `server_name`, Apache `namevhost`, the certificate's subject), with that name
 * as Host and, for HTTPS, as SNI (`host=<name>` then curl's line); and, when the TLS 1.2 handshake
 * fails, the same GET with TLS 1.3 (`tls=1.3`).
 */
function linuxHttpCheck(name: string, suffix: string): string[] {
  const curl = (extra: string, url: string): string =>
    `curl -sS -k -g -o "$PD_BODY" -w '%{http_code}' ${extra}--connect-timeout 3 --max-time 5 --url "${url}" 2>&1; echo " exit=$?"`;
  return [
    'PD_SCHEME=http',
    'PD_TLS=',
    `if [ "$PD_PROTO${suffix}" = Https ]; then PD_SCHEME=https; PD_TLS='--tlsv1.2 --tls-max 1.2'; fi`,
    `PD_URL="$PD_SCHEME://$PD_ADDR:$PD_PORT${suffix}$PD_PATH${suffix}"`,
    // The answer's first bytes go to a file and are printed as one `body=` line: a status alone cannot
    // tell kube-proxy's health check node port answering 503 `"localEndpoints": 0` (a node without a
    // pod of an externalTrafficPolicy: Local Service, down by design) from an application failing.
    // Builtins only around it (no tr, mktemp): non-printable bytes become spaces, 512 bytes at most.
    `PD_BODY="\${TMPDIR:-/tmp}/pd-body-$$-$RANDOM"`,
    ': > "$PD_BODY"',
    // -k: the probe accepts any chain of SHA256-or-stronger certificates and checks no host name, so a
    // certificate curl would reject is not why the probe fails. -g: no URL globbing of [] and {}.
    // $PD_TLS is unquoted on purpose: it is empty or the two fixed options above, never a value.
    ...section(name, [
      `if pd_has curl; then PD_OUT=$(${curl('$PD_TLS ', '$PD_URL')}); echo "$PD_OUT"`,
      'elif pd_has wget; then PD_OUT=; wget -S -O "$PD_BODY" --content-on-error -T 5 --no-check-certificate "$PD_URL" 2>&1 | awk \'/^  HTTP\\//{ c = $2 } END { print "wget status=" (c == "" ? "000" : c) }\'',
      "else PD_OUT=; echo 'not installed: curl, wget'; fi",
      'if [ -s "$PD_BODY" ]; then PD_B=$(head -c 512 "$PD_BODY" 2>/dev/null); echo "body=${PD_B//[^[:print:]]/ }"; fi',
      'PD_CHAIN=',
      'if [ "$PD_SCHEME" = https ] && pd_has openssl; then',
      "  echo 'openssl s_client:'",
      `  PD_CHAIN=$(timeout 5 openssl s_client -connect "$PD_ADDR:$PD_PORT${suffix}" -noservername -tls1_2 </dev/null 2>&1 | awk '/^ *[0-9]+ s:/ || /^   [iav]:/ || /^Client Certificate Types:/ || /SSL alert number/')`,
      '  if [ -n "$PD_CHAIN" ]; then echo "$PD_CHAIN"; fi',
      'fi',
      'case "$PD_OUT" in',
      "  '200 exit=0') ;;",
      "  *' exit='*)",
      // Host names from the web server's own configuration and the certificate; only plain DNS names
      // (no wildcards, regexes or `_`), at most two, each used only as a quoted argument.
      "    PD_NAMES=$( { nginx -T 2>/dev/null | awk '$1 == \"server_name\" { for (i = 2; i <= NF; i++) { n = $i; sub(/;$/, \"\", n); print n } }'; apachectl -S 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == \"namevhost\") print $(i + 1) }'; echo \"$PD_CHAIN\" | awk '/^ *0 s:/ { if (match($0, /CN ?= ?[^,\\/]+/)) { n = substr($0, RSTART, RLENGTH); sub(/CN ?= ?/, \"\", n); print n } }'; } | grep -E '^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$' | grep -vE '^[0-9.]+$' | grep -vx localhost | awk '!seen[$0]++' | head -n 2)",
      '    for PD_N in $PD_NAMES; do',
      '      echo "host=$PD_N"',
      `      if [ "$PD_SCHEME" = https ]; then ${curl('$PD_TLS --resolve "$PD_N:$PD_PORT' + suffix + ':$PD_ADDR" ', '$PD_SCHEME://$PD_N:$PD_PORT' + suffix + '$PD_PATH' + suffix)}`,
      `      else ${curl('-H "Host: $PD_N" ', '$PD_URL')}; fi`,
      '    done',
      '    case "$PD_OUT" in',
      "      *'curl: (35)'*) echo 'tls=1.3'; " + curl('--tlsv1.3 ', '$PD_URL') + ' ;;',
      '    esac',
      '    ;;',
      'esac',
    ]),
    'rm -f "$PD_BODY" 2>/dev/null',
  ];
}

/** Seconds each target of the peer test may take; all targets are tested at once. */
export const PEER_TEST_TIMEOUT_SECONDS = 5;

/**
 * The peer test (validation) of every target at once: bash's /dev/tcp under `timeout`, or `nc -zv`
 * when `timeout` is missing, one background job per target, each bounded by
 * {@link PEER_TEST_TIMEOUT_SECONDS}, so the whole script takes one timeout however many targets it
 * has. Each job prints one line, `peer n=<n> address=<ip> port=<port> tool=<tool> exit=<status>
 * elapsed_ms=<ms> output=<the tool's first line>`, to a file of its own in a private `mktemp -d`
 * folder (parallel writers to one stdout could interleave); the lines are printed in target order.
 * Every address and port is a variable set once, quoted, at the top, and reaches the inner shell as a
 * positional argument, never as code; the per-target lines are unrolled so no value is ever evaluated.
 */
export function linuxPeerTestScript(targets: readonly PeerTarget[]): string[] {
  const vars: Record<string, string> = {};
  targets.forEach((t, i) => {
    vars[`PD_TARGET_${i + 1}`] = t.address;
    vars[`PD_PORT_${i + 1}`] = String(t.port);
  });
  const seconds = PEER_TEST_TIMEOUT_SECONDS;
  return [
    '#!/bin/bash',
    '# probe-doctor peer test (linux) v2',
    ...linuxVariables(vars),
    'export LC_ALL=C',
    'if command -v timeout >/dev/null 2>&1; then PD_TOOL=bash-dev-tcp',
    'elif command -v nc >/dev/null 2>&1; then PD_TOOL=nc',
    'else PD_TOOL=none; fi',
    'pd_test() {',
    '  local start end out rc',
    '  start=$(date +%s%N)',
    '  if [ "$PD_TOOL" = bash-dev-tcp ]; then',
    `    out=$(timeout ${seconds} bash -c '</dev/tcp/$1/$2' bash "$2" "$3" 2>&1); rc=$?`,
    '  elif [ "$PD_TOOL" = nc ]; then',
    `    out=$(nc -zv -w ${seconds} "$2" "$3" 2>&1); rc=$?`,
    "  else out='not installed: timeout, nc'; rc=127; fi",
    '  end=$(date +%s%N)',
    "  out=${out%%$'\\n'*}",
    '  out=${out//[^[:print:]]/ }',
    '  echo "peer n=$1 address=$2 port=$3 tool=$PD_TOOL exit=$rc elapsed_ms=$(( (end - start) / 1000000 )) output=${out:0:120}"',
    '}',
    'PD_DIR=$(mktemp -d 2>/dev/null) || PD_DIR=',
    ...section(SECTIONS.peerTest, [
      `echo "tool=$PD_TOOL count=${targets.length}"`,
      ...targets.map((_, i) => {
        const n = i + 1;
        const call = `pd_test ${n} "$PD_TARGET_${n}" "$PD_PORT_${n}"`;
        return `if [ -n "$PD_DIR" ]; then ${call} > "$PD_DIR/${n}" & else ${call}; fi`;
      }),
      'wait',
      `if [ -n "$PD_DIR" ]; then for n in ${targets.map((_, i) => i + 1).join(' ')}; do cat "$PD_DIR/$n" 2>/dev/null; done; rm -rf "$PD_DIR"; fi`,
    ]),
  ];
}
