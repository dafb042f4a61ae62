/**
 * What is wrong with a probe's own configuration, whatever the backends do. From the custom probe
 * overview: HTTP probes cannot use some well-known ports, Basic load balancers have no HTTPS probes,
 * HTTP(S) probes need an absolute request path, and ports run from 1 to 65535.
 */
import { isUnsafeScriptValueError } from '../errors';
import { validateRequestPath } from '../guest/scripts/values';
import type { LoadBalancerInfo, ProbeInfo } from '../model/topology';

/** Ports an HTTP probe cannot use (load-balancer-custom-probe-overview). */
export const HTTP_PROBE_BLOCKED_PORTS: readonly number[] = [19, 21, 25, 70, 110, 119, 143, 220, 993];

/** One problem of a probe, with a sentence that names the probe and the load balancer. */
export interface ProbeProblem {
  problem:
    | 'port-out-of-range'
    | 'http-port-blocked'
    | 'https-on-basic'
    | 'request-path-missing'
    | 'request-path-relative'
    | 'request-path-invalid';
  summary: string;
}

/** Every problem of one probe; empty when the probe can work. */
export function probeProblems(probe: ProbeInfo, loadBalancer: LoadBalancerInfo): ProbeProblem[] {
  const problems: ProbeProblem[] = [];
  const label = `${probe.protocol.toUpperCase()} probe ${probe.name} on ${loadBalancer.name}`;
  if (!Number.isInteger(probe.port) || probe.port < 1 || probe.port > 65535) {
    problems.push({
      problem: 'port-out-of-range',
      summary: `${label} uses port ${probe.port}, outside the valid range 1-65535.`,
    });
  }
  if (probe.protocol === 'Http' && HTTP_PROBE_BLOCKED_PORTS.includes(probe.port)) {
    problems.push({
      problem: 'http-port-blocked',
      summary: `${label} uses port ${probe.port}, which HTTP probes cannot use (${HTTP_PROBE_BLOCKED_PORTS.join(', ')}): use a TCP probe or another port.`,
    });
  }
  if (probe.protocol === 'Https' && loadBalancer.sku === 'Basic') {
    problems.push({
      problem: 'https-on-basic',
      summary: `${label} cannot work: Basic load balancers have no HTTPS probes; use HTTP or TCP, or upgrade to Standard.`,
    });
  }
  if (probe.protocol !== 'Tcp') {
    if (probe.requestPath === undefined || probe.requestPath.trim() === '') {
      problems.push({
        problem: 'request-path-missing',
        summary: `${label} has no request path; HTTP(S) probes need an absolute path such as /.`,
      });
    } else if (!probe.requestPath.startsWith('/')) {
      problems.push({
        problem: 'request-path-relative',
        summary: `${label} has request path "${probe.requestPath}", which is not absolute: it must start with /.`,
      });
    } else {
      // The same rule that keeps the path out of a Run Command script (src/guest/scripts/values.ts):
      // a path it refuses is not a valid URI path, so no backend's guest is checked with it.
      try {
        validateRequestPath(probe.requestPath);
      } catch (err) {
        if (!isUnsafeScriptValueError(err)) throw err;
        problems.push({
          problem: 'request-path-invalid',
          summary: `${label} has request path ${JSON.stringify(probe.requestPath)}, which is not a valid URI path (RFC 3986; ${err.message}): a web server may refuse the probe's request for it, and probe-doctor will not pass it to a Run Command script, so no guest was checked. Set the probe's request path to a plain path such as /healthz, percent-encoding any other character.`,
        });
      }
    }
  }
  return problems;
}
