/**
 * Benchmark 1: evaluateProbeInbound over a subnet NSG with 200 custom rules plus a NIC NSG with the
 * defaults. The rules are built so that most of them get past the cheap checks (direction, protocol,
 * port ranges) and reach the address and ASG comparisons, which is where the evaluator spends its
 * time: CIDRs, address lists, service tags (VirtualNetwork, Internet, Storage), port ranges and ASGs.
 * A few rules name the probe's source (AzureLoadBalancer) for one ASG, so the outcomes are mixed.
 */
import { performance } from 'node:perf_hooks';
import { evaluateProbeInbound } from '../src/diagnose/nsg';
import type { BackendInfo, NsgInfo, ProbeInfo, SecurityRuleInfo, Topology } from '../src/model/topology';
import { timed, type BenchRow } from './measure';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bench/providers';
const VNET = `${SUB}/Microsoft.Network/virtualNetworks/vnet-bench`;
const SUBNET = `${VNET}/subnets/snet-app`;
const SUBNET_NSG = `${SUB}/Microsoft.Network/networkSecurityGroups/nsg-snet-app`;
const NIC_NSG = `${SUB}/Microsoft.Network/networkSecurityGroups/nsg-nic`;
const asgId = (k: number) => `${SUB}/Microsoft.Network/applicationSecurityGroups/asg-tier-${k}`;
const ASG_COUNT = 8;
const BACKENDS = 16;
const PROBE_PORT = 8080;

function rule(i: number, fields: Partial<SecurityRuleInfo>): SecurityRuleInfo {
  return {
    name: `rule-${String(i).padStart(3, '0')}`,
    priority: 100 + i * 10,
    direction: 'Inbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourceAddressPrefixes: ['*'],
    sourcePortRanges: ['*'],
    destinationAddressPrefixes: ['*'],
    destinationPortRanges: ['*'],
    sourceApplicationSecurityGroupIds: [],
    destinationApplicationSecurityGroupIds: [],
    isDefault: false,
    ...fields,
  };
}

/** The i-th of the 200 custom rules: one of ten shapes, in turn. */
function customRule(i: number): SecurityRuleInfo {
  const octet = i % 250;
  switch (i % 10) {
    case 0:
      return rule(i, { sourceAddressPrefixes: [`10.${octet}.0.0/16`], destinationPortRanges: ['8000-8999'] });
    case 1:
      return rule(i, {
        sourceAddressPrefixes: [`192.168.${octet}.10`, `192.168.${octet}.11`, `172.16.${octet}.0/24`],
        destinationPortRanges: ['80', '443', '8080'],
      });
    case 2:
      return rule(i, {
        access: 'Deny',
        sourceAddressPrefixes: ['Internet'],
        destinationPortRanges: ['1-65535'],
      });
    case 3:
      return rule(i, { sourceAddressPrefixes: ['VirtualNetwork'], destinationPortRanges: [`${PROBE_PORT}`] });
    case 4:
      return rule(i, {
        sourceAddressPrefixes: ['Storage.WestEurope'],
        destinationAddressPrefixes: [`10.20.${octet}.0/24`],
        destinationPortRanges: ['8080-8090'],
      });
    case 5:
      return rule(i, {
        access: 'Deny',
        protocol: 'Udp',
        sourceAddressPrefixes: ['*'],
        destinationPortRanges: ['53'],
      });
    case 6:
      return rule(i, {
        sourceAddressPrefixes: ['VirtualNetwork'],
        destinationAddressPrefixes: [],
        destinationApplicationSecurityGroupIds: [asgId(i % ASG_COUNT)],
        destinationPortRanges: ['8080', '8443'],
      });
    case 7:
      return rule(i, {
        protocol: '*',
        sourceAddressPrefixes: [],
        sourceApplicationSecurityGroupIds: [asgId((i + 1) % ASG_COUNT)],
        destinationPortRanges: ['*'],
      });
    case 8:
      // The probe's own source, for one tier only: those backends are decided here.
      return rule(i, {
        access: i % 20 === 8 ? 'Deny' : 'Allow',
        sourceAddressPrefixes: ['AzureLoadBalancer'],
        destinationAddressPrefixes: [],
        destinationApplicationSecurityGroupIds: [asgId(i % ASG_COUNT)],
        destinationPortRanges: [`${PROBE_PORT}`],
      });
    default:
      return rule(i, {
        sourceAddressPrefixes: [`2001:db8:${octet.toString(16)}::/48`, `100.64.${octet}.0/24`],
        sourcePortRanges: ['1024-65535'],
        destinationPortRanges: ['7000-9000'],
      });
  }
}

/** The benchmark's topology: one VNet, one subnet with the 200-rule NSG, {@link BACKENDS} NICs. */
export function nsgBenchTopology(): { topology: Topology; probe: ProbeInfo; rules: number } {
  const rules = Array.from({ length: 200 }, (_, i) => customRule(i));
  const subnetNsg: NsgInfo = {
    id: SUBNET_NSG,
    name: 'nsg-snet-app',
    securityRules: rules,
    defaultSecurityRules: [],
  };
  const nicNsg: NsgInfo = { id: NIC_NSG, name: 'nsg-nic', securityRules: [], defaultSecurityRules: [] };
  const probe: ProbeInfo = {
    id: `${SUB}/Microsoft.Network/loadBalancers/lb-bench/probes/probe-http`,
    name: 'probe-http',
    protocol: 'Http',
    port: PROBE_PORT,
    requestPath: '/health',
    intervalInSeconds: 5,
  };
  const nics: Topology['nics'] = {};
  const backends: BackendInfo[] = Array.from({ length: BACKENDS }, (_, i) => {
    const nicId = `${SUB}/Microsoft.Network/networkInterfaces/nic-${i}`;
    const ipConfigurationId = `${nicId}/ipConfigurations/ipconfig1`;
    const asgIds = [asgId(i % ASG_COUNT)];
    nics[nicId.toLowerCase()] = {
      id: nicId,
      name: `nic-${i}`,
      nsgId: NIC_NSG,
      ipConfigurations: [
        {
          id: ipConfigurationId,
          name: 'ipconfig1',
          privateIpAddress: `10.20.1.${4 + i}`,
          subnetId: SUBNET,
          asgIds,
        },
      ],
    };
    return {
      key: ipConfigurationId,
      membership: 'nic',
      poolIds: [],
      ipAddress: `10.20.1.${4 + i}`,
      ipConfigurationId,
      nicId,
      subnetId: SUBNET,
      virtualNetworkId: VNET,
      asgIds,
    };
  });
  const topology: Topology = {
    loadBalancer: {
      id: `${SUB}/Microsoft.Network/loadBalancers/lb-bench`,
      name: 'lb-bench',
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      resourceGroup: 'rg-bench',
      sku: 'Standard',
      kind: 'internal',
      frontendIpConfigurations: [],
    },
    probes: [probe],
    rules: [],
    pools: [],
    backends,
    nics,
    subnets: {
      [SUBNET.toLowerCase()]: {
        id: SUBNET,
        name: 'snet-app',
        virtualNetworkId: VNET,
        addressPrefixes: ['10.20.1.0/24'],
        nsgId: SUBNET_NSG,
      },
    },
    virtualNetworks: {
      [VNET.toLowerCase()]: { id: VNET, name: 'vnet-bench', addressPrefixes: ['10.20.0.0/16'] },
    },
    nsgs: { [SUBNET_NSG.toLowerCase()]: subnetNsg, [NIC_NSG.toLowerCase()]: nicNsg },
    routeTables: {},
    vms: {},
    asgs: {},
    problems: [],
  };
  return { topology, probe, rules: rules.length };
}

/**
 * Runs up to `n` evaluations, cycling over the backends, and stops early once `budgetMs` is spent (the
 * clock is read every 1,000 evaluations), so `npm run bench` stays bounded however slow the evaluator
 * is; the row's `n` is the count actually run. Verdicts are counted so the work cannot be skipped.
 */
export async function benchNsgEvaluator(n = 100_000, budgetMs = 15_000): Promise<BenchRow> {
  const { topology, probe, rules } = nsgBenchTopology();
  const { backends } = topology;
  let allowed = 0;
  let byCustomRule = 0;
  let done = 0;
  const start = performance.now();
  const { ms } = await timed(() => {
    while (done < n) {
      const verdict = evaluateProbeInbound(topology, backends[done % backends.length] as BackendInfo, probe);
      if (verdict.allowed) allowed += 1;
      if (verdict.decisions.some((d) => !d.rule.isDefault)) byCustomRule += 1;
      done += 1;
      if (done % 1000 === 0 && performance.now() - start > budgetMs) break;
    }
  });
  return {
    name: 'nsg: evaluateProbeInbound, 200 rules',
    n: done,
    totalMs: ms,
    counts: {
      rules,
      backends: backends.length,
      allowed,
      denied: done - allowed,
      decidedByCustomRule: byCustomRule,
      stoppedAtBudget:
        done < n ? `yes (${n.toLocaleString('en-US')} asked, ${budgetMs / 1000} s budget)` : 'no',
    },
  };
}
