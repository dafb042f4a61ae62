/**
 * One HTTPS agent per sandbox target, whose TLS context trusts the sandbox's own CA.
 *
 * Why not the SDK's `tlsOptions: { ca }`: the SDK's HTTP client makes a keep-alive agent with those
 * options, and Node's `tls.connect` then builds a new secure context from them for every connection
 * (`tls.createSecureContext(options)` when no `secureContext` is given), parsing the CA's PEM each
 * time. A run opens a dozen or more connections at once (the checks of five backends, each with a
 * Run Command, effective NSGs and routes in flight): in the benchmark that parsing was ~10 ms of the
 * product's thread per run, a cost a public-CA endpoint does not have (Node keeps one root store).
 * Here the context is built once, from the same CA, and every connection of the target reuses it;
 * nothing else about TLS changes (same CA, same server name checks, keep-alive as the SDK's own agent).
 *
 * Only the sandbox target uses it: a live target with a private CA keeps the SDK's `tlsOptions`,
 * because the SDK's proxy policy leaves a request that carries its own agent alone, and a live
 * endpoint may be reached through a proxy.
 */
import { Agent } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

/** Agents by the target object they serve: gone with it (a run's target lives as long as its clients). */
const agents = new WeakMap<object, Agent>();

/**
 * The keep-alive HTTPS agent of `target`, trusting `caPem` only (its secure context built once).
 *
 * @param target the object that identifies the target (one agent per object)
 * @param caPem PEM of the CA the endpoint's certificate chains to
 */
export function agentTrusting(target: object, caPem: string): Agent {
  let agent = agents.get(target);
  if (!agent) {
    agent = new Agent({ keepAlive: true, secureContext: createSecureContext({ ca: caPem }) });
    agents.set(target, agent);
  }
  return agent;
}

/** Sends every request of a client through `agent`, unless the request already names one. */
export function useAgentPolicy(agent: Agent): PipelinePolicy {
  return {
    name: 'probeDoctorTrustedAgent',
    sendRequest: (request, next) => {
      request.agent ??= agent;
      return next(request);
    },
  };
}
