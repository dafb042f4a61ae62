/**
 * The scenario file: the sandbox's input and a user's offline snapshot (DESIGN.md, "Scenario files").
 * `resources` are ARM resources exactly as ARM GET returns them; `guests` is what only the inside of a
 * VM knows; `faults` makes the sandbox misbehave the way ARM does, reproducibly.
 *
 * Unknown fields are ignored (a real export carries many); a malformed file is rejected with the JSON
 * path of the bad field.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { checkArmAnswer } from '../azure/armAnswer';
import { InvalidInputError } from '../errors';

const port = z.number().int().min(1).max(65535);

const listenerSchema = z.strictObject({
  protocol: z.enum(['tcp', 'udp']).default('tcp'),
  /** `0.0.0.0`, `::`, `127.0.0.1`, a NIC address, or `*`. */
  address: z.string().min(1),
  port,
  /** Process name, shown as ss/netstat would. */
  process: z.string().optional(),
});

const firewallEntrySchema = z.strictObject({
  action: z.enum(['allow', 'deny', 'reject']),
  protocol: z.enum(['tcp', 'udp', 'any']).default('tcp'),
  /** Omitted: every port. */
  port: port.optional(),
  /** CIDR or address; omitted: any source. */
  source: z.string().optional(),
});

const httpStatus = z.number().int().min(100).max(599);

/**
 * A host name a site is bound to (an IIS host-header binding, an nginx `server_name`, a certificate's
 * name): letters, digits, hyphens and dots. Not an IP address: an entry's `status` is what the IP (and
 * any other unnamed Host) gets. No wildcard: the guest check only tries plain names.
 */
const hostName = z
  .string()
  .max(253)
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    {
      message: 'must be a DNS host name (letters, digits, hyphens and dots; no wildcard)',
    },
  )
  .refine((h) => !/^\d+(\.\d+){3}$/.test(h), {
    message: "must be a host name, not an IP address (the entry's status is what the IP gets)",
  });

/** What the site answers for requests whose Host is `host`. */
const hostBindingSchema = z.strictObject({
  host: hostName,
  status: httpStatus,
  body: z.string().max(65536).optional(),
});

/**
 * The TLS side of an HTTPS listener (one per port: every entry of a port must agree). What HTTPS
 * probes depend on (docs/probe-facts.md): the versions offered (probes negotiate TLS 1.2), whether the
 * listener refuses a Client Hello without SNI (probes send none) and which names it has certificates
 * for, the chain's signature hash (SHA256 or stronger), and whether it requires a client certificate
 * (probes have none). Strict: a misspelt field would silently test something else.
 */
const tlsSchema = z
  .strictObject({
    versions: z.array(z.enum(['1.0', '1.1', '1.2', '1.3'])).min(1),
    requiresSni: z.boolean().default(false),
    serverNames: z.array(hostName).default([]),
    signatureHash: z.enum(['md5', 'sha1', 'sha256', 'sha384', 'sha512']).default('sha256'),
    clientCertificate: z.enum(['none', 'optional', 'required']).default('none'),
  })
  .superRefine((tls, ctx) => {
    if (new Set(tls.versions).size !== tls.versions.length) {
      ctx.addIssue({ code: 'custom', path: ['versions'], message: 'lists a TLS version twice' });
    }
    if (tls.requiresSni && tls.serverNames.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['serverNames'],
        message: 'requiresSni needs the serverNames the listener has certificates for',
      });
    }
  });

const httpEndpointSchema = z
  .strictObject({
    port,
    path: z.string().startsWith('/'),
    /** The answer to any Host `hostBindings` does not name: the backend's IP (what probes send) included. */
    status: httpStatus,
    /**
     * The answer's body, as the app sends it (kube-proxy's health check node port answers 503 with
     * `{"service": {...}, "localEndpoints": 0, ...}` on a node without a local endpoint). The local GET
     * in the guest check prints its first 512 bytes. Omitted: no body.
     */
    body: z.string().max(65536).optional(),
    /**
     * Sites bound to host names: the answer for a request with that Host (IIS host-header bindings,
     * nginx `server_name`, ingress rules that name a host). The guest's web server configuration names
     * them, so the guest check tries them as a contrast.
     */
    hostBindings: z.array(hostBindingSchema).optional(),
    /** The port speaks HTTPS with these TLS facts; omitted: any handshake completes (TLS 1.2, SHA256). */
    tls: tlsSchema.optional(),
  })
  .superRefine((entry, ctx) => {
    const seen = new Map<string, number>();
    (entry.hostBindings ?? []).forEach((b, i) => {
      const key = b.host.toLowerCase();
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['hostBindings', i, 'host'],
          message: `duplicate host (also at hostBindings[${earlier}]): ${b.host}`,
        });
      }
      seen.set(key, i);
    });
  });

/**
 * Entries of one port share one listener: their `tls` must agree (an entry without `tls` takes its
 * port's), and one (port, path) is one entry.
 */
function checkHttpListeners(http: readonly z.infer<typeof httpEndpointSchema>[], ctx: z.RefinementCtx): void {
  const tlsOf = new Map<number, { index: number; json: string }>();
  const paths = new Map<string, number>();
  http.forEach((entry, i) => {
    const key = `${entry.port} ${entry.path}`;
    const earlier = paths.get(key);
    if (earlier !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['http', i, 'path'],
        message: `port ${entry.port} path ${entry.path} is already at http[${earlier}]`,
      });
    }
    paths.set(key, i);
    if (!entry.tls) return;
    const json = JSON.stringify(entry.tls);
    const first = tlsOf.get(entry.port);
    if (first && first.json !== json) {
      ctx.addIssue({
        code: 'custom',
        path: ['http', i, 'tls'],
        message: `port ${entry.port} is one listener: its tls differs from http[${first.index}].tls`,
      });
    }
    if (!first) tlsOf.set(entry.port, { index: i, json });
  });
}

const guestRouteSchema = z.strictObject({
  destination: z.string().min(1),
  gateway: z.string().optional(),
  device: z.string().min(1),
});

/**
 * What runs inside a VM. Its keys and those of its lists are checked like the scenario's own: a misspelt
 * `powerSate` would otherwise be dropped and the guest would run with the default (`running`), and the
 * run would answer for another VM (HEALTHY for a stopped one). `$comment` is the file's documentation.
 */
export const guestSchema = z
  .strictObject({
    $comment: z.unknown().optional(),
    os: z.enum(['linux', 'windows']),
    powerState: z.enum(['running', 'stopped', 'deallocated', 'starting']).default('running'),
    agentReady: z.boolean().default(true),
    /** Resource Health availability of the VM, where the platform reports it. */
    resourceHealth: z.enum(['Available', 'Unavailable', 'Degraded', 'Unknown']).optional(),
    listening: z.array(listenerSchema).default([]),
    firewall: z.array(firewallEntrySchema).default([]),
    /**
     * Windows: the active profile's default inbound action (`Get-NetFirewallProfile`
     * DefaultInboundAction). Omitted: `Block` when the list ends in a catch-all deny (the way a
     * first-match list says "deny the rest"), else `Allow`.
     */
    defaultInboundAction: z.enum(['Allow', 'Block']).optional(),
    /**
     * Linux: `net.ipv4.tcp_timestamps` is on (Microsoft warns it can make probes fail). Omitted: off, and
     * the Run Command output says 0.
     */
    tcpTimestamps: z.boolean().optional(),
    /** Which firewall tool the guest uses; decides how Run Command output renders it. */
    firewallTool: z.enum(['iptables', 'nftables', 'ufw', 'firewalld', 'windows']).optional(),
    /**
     * A firewalld guest only: rules someone added with the `iptables` command beside firewalld
     * (iptables-nft's `filter` table, chain INPUT), first match wins, default accept. With firewalld's
     * nftables backend "iptables rule executions always occur before firewalld rules. DROP in iptables
     * means a packet is never seen by firewalld. ACCEPT in iptables means a packet is still subject to
     * firewalld rules" (Fedora 32 release notes, Security; firewalld.org/2018/07/nftables-backend):
     * the probe must pass both. `iptables -S` shows these; `firewall-cmd --list-all` does not.
     */
    iptablesRules: z.array(firewallEntrySchema).optional(),
    http: z.array(httpEndpointSchema).default([]),
    /**
     * Guest routing table. Devices are named after the VM's NICs in `networkProfile` order: `eth0`,
     * `eth1`, ... on Linux, `Ethernet`, `Ethernet 2`, ... on Windows. The probe's reply to 168.63.129.16
     * leaves by the device of the longest matching route; if that is not the device of the NIC the
     * probe arrived on, the reply is dropped and the probe times out. Omitted: every reply leaves by the
     * NIC it arrived on.
     */
    routes: z.array(guestRouteSchema).optional(),
    /**
     * Commands the guest has that a TCP connectivity test can use, as `command -v` would find them:
     * on Linux `timeout` (coreutils, runs bash's /dev/tcp with a time limit) and `nc`; bash itself is
     * the shell Run Command runs the script with, so it is always there. Omitted: both present.
     * Windows ignores it: the test uses .NET's System.Net.Sockets.TcpClient, part of the .NET
     * Framework every Windows PowerShell 5.1 runs on, so no tool can be missing there.
     */
    tools: z.array(z.string()).optional(),
    /** Run Command answers 409 "execution is in progress" this many times before it runs. */
    runCommandBusyTimes: z.number().int().min(0).default(0),
    /**
     * The probe fails for a reason no check can see (a platform-side fault). Lets a scenario exercise
     * the `unknown` path honestly: the sandbox knows, probe-doctor must not.
     */
    hiddenProbeFailure: z.boolean().default(false),
  })
  .superRefine((guest, ctx) => {
    checkHttpListeners(guest.http, ctx);
    if (guest.iptablesRules !== undefined && guest.firewallTool !== 'firewalld') {
      ctx.addIssue({
        code: 'custom',
        path: ['iptablesRules'],
        message:
          "is for rules beside firewalld: set firewallTool to 'firewalld' (the other tools' rules are 'firewall')",
      });
    }
  });

export const faultsSchema = z.object({
  seed: z.number().int().default(1),
  latencyMs: z.number().min(0).max(10_000).default(0),
  throttleRate: z.number().min(0).max(1).default(0),
  serverErrorRate: z.number().min(0).max(1).default(0),
  conflictRate: z.number().min(0).max(1).default(0),
  /** Seconds sent in Retry-After with a 429. */
  retryAfterSeconds: z.number().int().min(0).max(60).default(1),
  /**
   * Only requests of these ARM operations are faulted (e.g.
   * `Microsoft.Network/networkSecurityGroups/securityRules/write`); every request when absent. Lets a
   * test throttle one call and count its attempts.
   */
  operations: z.array(z.string().min(1)).optional(),
  /**
   * What a write conflict answers: ARM's 409 `AnotherOperationInProgress` (default), or the Network
   * resource provider's 429 `RetryableError` with the detail `RetryableErrorDueToAnotherOperation`
   * ("... The call can be retried in N seconds."), which carries no Retry-After header.
   */
  conflictAnswer: z.enum(['AnotherOperationInProgress', 'RetryableErrorDueToAnotherOperation']).optional(),
});

const factor = z.number().min(0).max(100);

/**
 * How long Azure takes, in sandbox time (src/sandbox/timeModel.ts): `scale` multiplies Azure's
 * figures (1 Azure's pace, 0.01 a hundred times faster, 0 instant); `probeScale` the probe's
 * interval x threshold (default: `scale`); `durationsMs` replaces Azure's figure per kind.
 * A sandbox start's own settings win over these.
 */
export const timeSchema = z.object({
  scale: factor.optional(),
  probeScale: factor.optional(),
  durationsMs: z
    .object({
      armRequest: z.number().min(0).optional(),
      ruleHealth: z.number().min(0).optional(),
      runCommand: z.number().min(0).optional(),
      securityRuleWrite: z.number().min(0).optional(),
      effectiveNetwork: z.number().min(0).optional(),
      networkWatcher: z.number().min(0).optional(),
      vmStart: z.number().min(0).optional(),
      supportTicket: z.number().min(0).optional(),
      scaleSetUpdate: z.number().min(0).optional(),
    })
    .optional(),
});

/**
 * An Azure Virtual Network Manager security admin rule as deployed: the fields of a
 * `Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules` resource
 * (kind `Custom`), flattened, plus where it is deployed. Admin rules are evaluated before every NSG:
 * `Deny` stops the packet whatever the NSGs say, `AlwaysAllow` delivers it without consulting the
 * NSGs, `Allow` hands it on to the NSGs (concept-security-admins.md, MicrosoftDocs/azure-docs).
 * Priority is 1..4096 as the rules API accepts it.
 */
const securityAdminRuleSchema = z.object({
  name: z.string().min(1),
  priority: z.number().int().min(1).max(4096),
  access: z.enum(['Allow', 'Deny', 'AlwaysAllow']),
  direction: z.enum(['Inbound', 'Outbound']),
  /** `Tcp`, `Udp`, `Icmp`, `Esp`, `Ah` or `Any`, as the admin rules API spells them. */
  protocol: z.string().min(1),
  /** CIDRs, addresses, service tags (`Internet`, `AzureLoadBalancer`, `VirtualNetwork`) or `*`. */
  sourceAddressPrefixes: z.array(z.string().min(1)).min(1),
  destinationAddressPrefixes: z.array(z.string().min(1)).min(1),
  destinationPortRanges: z.array(z.string().min(1)).min(1),
  sourcePortRanges: z.array(z.string().min(1)).default(['*']),
  /** Ids of the virtual networks the configuration is deployed to (the network group's members). */
  appliesTo: z.array(z.string().min(1)).min(1),
  /** The network manager that deploys the rule; the effective-NSG answer names it. */
  networkManagerId: z.string().min(1),
  configurationName: z.string().min(1).optional(),
});

const resourceSchema = z.looseObject({
  id: z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+/i, {
    message:
      'must be an ARM resource id (/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name})',
  }),
  name: z.string().min(1),
  type: z.string().regex(/^[A-Za-z.]+\/[A-Za-z/]+$/, {
    message: 'must be an ARM type like Microsoft.Network/loadBalancers',
  }),
});

/**
 * A resource group as `GET /subscriptions/{sub}/resourcegroups/{rg}` returns it (Resource Groups - Get,
 * Microsoft.Resources; example CreateResourceGroup.json in azure-rest-api-specs, 2024-11-01: `id`,
 * `name`, `location`, `properties.provisioningState`, and `managedBy` / `tags` when set). `managedBy` is
 * the id of the resource that manages the group: AKS sets its node resource group's to the cluster.
 * A group not listed here but holding resources of the scenario answers without `managedBy`.
 */
const resourceGroupSchema = z.looseObject({
  id: z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i, {
    message: 'must be a resource group id (/subscriptions/{sub}/resourceGroups/{rg})',
  }),
  name: z.string().min(1),
  location: z.string().min(1).optional(),
  managedBy: z.string().min(1).optional(),
  tags: z.record(z.string(), z.string()).optional(),
});

/** One `permissions` block of an Azure role definition (control plane only). */
const permissionsSchema = z
  .object({
    actions: z.array(z.string().min(1)),
    notActions: z.array(z.string().min(1)).default([]),
    // A block pasted from a role definition carries its data plane too: accepted, not used (ARM's
    // control plane is all the sandbox answers).
    dataActions: z.array(z.string().min(1)).optional(),
    notDataActions: z.array(z.string().min(1)).optional(),
  })
  .strict();

/**
 * A scenario's top-level keys are checked: a misspelt one (`permission` for `permissions`) would
 * otherwise be dropped without a word and the run would answer for a different scenario. The keys
 * below are the files' own documentation, read by the tests, never by the sandbox.
 */
const documentation = {
  /** What the run must find (test/scenarios/scenarios.test.ts). */
  expect: z.unknown().optional(),
  /** What a second run must find (a scale-out after the fix, for one). */
  alsoExpect: z.unknown().optional(),
  expectNotes: z.unknown().optional(),
  /** Where a case came from (a public report, the oracle). */
  source: z.unknown().optional(),
  /** An independent reading's verdict per backend (test/e2e/fidelity.test.ts). */
  fidelity: z.unknown().optional(),
  $schema: z.unknown().optional(),
  $comment: z.unknown().optional(),
};

export const scenarioSchema = z.strictObject({
  ...documentation,
  name: z.string().min(1),
  description: z.string().optional(),
  resources: z.array(resourceSchema).min(1),
  guests: z.record(z.string(), guestSchema).default({}),
  /**
   * What runs inside an instance a scale-out adds, per scale set id: the model's image and custom
   * data, which the resources cannot show (src/sandbox/scaleSets.ts). Without one, a new instance is
   * a running Linux VM with nothing listening.
   */
  scaleSetGuests: z.record(z.string(), guestSchema).optional(),
  faults: faultsSchema.optional(),
  /** Per-kind latencies and durations and their scale; see {@link timeSchema}. */
  time: timeSchema.optional(),
  /**
   * Resource ids the sandbox answers 403 AuthorizationFailed for (and leaves out of lists), so
   * discovery under partial permissions can be tested. Covers everything under each id.
   */
  forbidden: z.array(z.string().min(1)).optional(),
  /**
   * What the caller's role assignments allow, as Azure role definitions spell it: their `permissions`
   * blocks, each `actions` minus `notActions`, `*` matching any characters, compared without case
   * ("Understand Azure role definitions", learn.microsoft.com role-based-access-control/role-definitions;
   * the built-in Reader's one action is `*` then `/read`: every read). An ARM operation no block allows is answered
   * 403 AuthorizationFailed naming the action and the scope, as ARM answers it. Left out, every action
   * is allowed (an Owner's `*`). See src/sandbox/permissions.ts.
   */
  permissions: z.array(permissionsSchema).min(1).optional(),
  /** Azure Virtual Network Manager security admin rules deployed to VNets of the scenario. */
  securityAdminRules: z.array(securityAdminRuleSchema).optional(),
  /** Resource groups with what ARM says of them (`managedBy`, tags); see {@link resourceGroupSchema}. */
  resourceGroups: z.array(resourceGroupSchema).optional(),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type GuestState = z.infer<typeof guestSchema>;
export type GuestListener = z.infer<typeof listenerSchema>;
export type GuestFirewallEntry = z.infer<typeof firewallEntrySchema>;
export type GuestHttpEndpoint = z.infer<typeof httpEndpointSchema>;
export type GuestTls = z.infer<typeof tlsSchema>;
export type GuestHostBinding = z.infer<typeof hostBindingSchema>;
export type Faults = z.infer<typeof faultsSchema>;
export type ScenarioResource = z.infer<typeof resourceSchema>;
export type SecurityAdminRule = z.infer<typeof securityAdminRuleSchema>;
export type ScenarioResourceGroup = z.infer<typeof resourceGroupSchema>;

/** `['resources', 3, 'id']` -> `$.resources[3].id` */
export function jsonPath(path: readonly PropertyKey[]): string {
  return (
    '$' +
    path
      .map((p) =>
        typeof p === 'number'
          ? `[${p}]`
          : /^[A-Za-z_$][\w$]*$/.test(String(p))
            ? `.${String(p)}`
            : `[${JSON.stringify(String(p))}]`,
      )
      .join('')
  );
}

/**
 * Validates a parsed scenario. Throws {@link InvalidInputError} naming the JSON path of the first bad
 * field (and how many others are bad), so a person can find it in the file.
 */
export function parseScenario(value: unknown, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(value);
  if (!result.success) {
    const [first, ...rest] = result.error.issues;
    const where = jsonPath(first?.path ?? []);
    const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
    throw new InvalidInputError(`${source}: ${where}: ${first?.message ?? 'invalid'}${more}`, where);
  }
  const scenario = result.data;
  // `resources` are ARM answers: they must keep ARM's own invariants (string ids, unique child names,
  // ports ARM accepts), or the file describes no network ARM could return.
  scenario.resources.forEach((r, i) => checkArmAnswer(r, source, ['resources', i]));
  const seen = new Map<string, number>();
  scenario.resources.forEach((r, i) => {
    const key = r.id.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      const where = jsonPath(['resources', i, 'id']);
      throw new InvalidInputError(
        `${source}: ${where}: duplicate resource id (also at $.resources[${earlier}].id): ${r.id}`,
        where,
      );
    }
    seen.set(key, i);
  });
  return scenario;
}

/** Reads and validates a scenario file; JSON syntax errors and schema errors both name the file. */
export async function loadScenarioFile(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read scenario file ${file}: ${(err as Error).message}`, file, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`${file}: not valid JSON: ${(err as Error).message}`, '$', { cause: err });
  }
  return parseScenario(json, file);
}
