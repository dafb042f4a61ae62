/** Pure parsers of Run Command output. */
export { parseRunCommandResult } from './runCommand';
export { parseGuestOutput, RUN_COMMAND_OUTPUT_LIMIT } from './guestOutput';
export { parsePeerTest, type PeerTestTarget, type TcpTestResult } from './peerTest';
export { parseIptables, evaluateIptables } from './iptables';
export { parseNftRuleset, evaluateNft } from './nft';
export { parseUfwStatus, evaluateUfw } from './ufw';
export { parseFirewalldListAll, evaluateFirewalld } from './firewalld';
export { parseWindowsFirewall, evaluateWindowsFirewall } from './windowsFirewall';
export { parseListeners, parsePsTable } from './listeners';
export { parseHttpCheck } from './http';
export { parseRouteGet, parseInterfaces, parseTcpTimestamps } from './routes';
