/**
 * The exact `az` commands behind a fix: `apply` does by hand what probe-doctor planned or recommends,
 * `undo` takes out what it wrote. Syntax from the Azure CLI reference: `az network nsg rule
 * create|delete` (learn.microsoft.com/cli/azure/network/nsg/rule), `az vm start|deallocate`,
 * `az vmss start|deallocate --instance-ids`, `az vm run-command invoke` and
 * `az vmss run-command invoke --instance-id` (RunShellScript / RunPowerShellScript). Values are
 * single-quoted for a POSIX shell.
 */
import { bashQuote } from '../guest/scripts/index';
import { mayHaveWritten, type FixReport, type Report } from '../model/report';
import { guestFirewallCommands, type NftChainRef } from '../remediate/guestFirewall';

export interface FixCommands {
  /** Commands that apply the fix by hand (planned fixes and recommendations). */
  apply: string[];
  /** Commands that undo what this run wrote (applied fixes). */
  undo: string[];
  /** Anything a person must know about the commands (a rule that does not survive a reboot). */
  note?: string;
}

interface Parts {
  subscription: string;
  group: string;
  names: string[];
}

/** Subscription, resource group and the name segments of an ARM id; undefined when it is not one. */
function partsOf(id: string): Parts | undefined {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/(.+)$/i.exec(id);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  const rest = m[3].split('/');
  return { subscription: m[1], group: m[2], names: rest.filter((_, i) => i % 2 === 1) };
}

const q = bashQuote;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : [];

/** `az network nsg rule create` for a rule as the fix's detail (or a previous rule's properties) spells it. */
function nsgRuleCreate(nsgId: string, rule: Record<string, unknown>): string | undefined {
  const p = partsOf(nsgId);
  const name = str(rule.ruleName) ?? str(rule.name);
  const props = (rule.properties as Record<string, unknown> | undefined) ?? rule;
  if (!p || !name || typeof props.priority !== 'number') return undefined;
  const list = (single: unknown, many: unknown): string[] => {
    const all = [...strs(many), ...(str(single) ? [str(single) as string] : [])];
    return all.length > 0 ? all : [];
  };
  const sources = list(props.sourceAddressPrefix, props.sourceAddressPrefixes);
  const destinations = list(props.destinationAddressPrefix, props.destinationAddressPrefixes);
  const ports = list(props.destinationPortRange, props.destinationPortRanges);
  const sourcePorts = list(props.sourcePortRange, props.sourcePortRanges);
  return [
    `az network nsg rule create --subscription ${q(p.subscription)} --resource-group ${q(p.group)}`,
    `--nsg-name ${q(p.names[0] ?? '')} --name ${q(name)} --priority ${props.priority}`,
    `--direction ${str(props.direction) ?? 'Inbound'} --access ${str(props.access) ?? 'Allow'} --protocol ${str(props.protocol) ?? 'Tcp'}`,
    sources.length > 0 ? `--source-address-prefixes ${sources.map(q).join(' ')}` : '',
    `--source-port-ranges ${(sourcePorts.length > 0 ? sourcePorts : ['*']).map(q).join(' ')}`,
    destinations.length > 0 ? `--destination-address-prefixes ${destinations.map(q).join(' ')}` : '',
    strs(props.destinationApplicationSecurityGroupIds).length > 0
      ? `--destination-asgs ${strs(props.destinationApplicationSecurityGroupIds).map(q).join(' ')}`
      : '',
    ports.length > 0 ? `--destination-port-ranges ${ports.map(q).join(' ')}` : '',
    str(props.description) ? `--description ${q(str(props.description) as string)}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function nsgRuleDelete(nsgId: string, ruleName: string): string | undefined {
  const p = partsOf(nsgId);
  if (!p) return undefined;
  return `az network nsg rule delete --subscription ${q(p.subscription)} --resource-group ${q(p.group)} --nsg-name ${q(p.names[0] ?? '')} --name ${q(ruleName)}`;
}

/** `az vm X --ids` for a VM; `az vmss X --instance-ids` for a scale-set instance. */
function vmVerb(vmId: string, verb: 'start' | 'deallocate'): string | undefined {
  const p = partsOf(vmId);
  if (!p) return undefined;
  if (/\/virtualMachineScaleSets\//i.test(vmId)) {
    return `az vmss ${verb} --subscription ${q(p.subscription)} --resource-group ${q(p.group)} --name ${q(p.names[0] ?? '')} --instance-ids ${q(p.names[1] ?? '')}`;
  }
  return `az vm ${verb} --ids ${q(vmId)}`;
}

/** Runs a guest command through Run Command, for a VM or a scale-set instance. */
function runCommand(vmId: string, os: 'linux' | 'windows', script: string): string | undefined {
  const p = partsOf(vmId);
  if (!p) return undefined;
  const commandId = os === 'windows' ? 'RunPowerShellScript' : 'RunShellScript';
  const where = /\/virtualMachineScaleSets\//i.test(vmId)
    ? `az vmss run-command invoke --subscription ${q(p.subscription)} --resource-group ${q(p.group)} --name ${q(p.names[0] ?? '')} --instance-id ${q(p.names[1] ?? '')}`
    : `az vm run-command invoke --ids ${q(vmId)}`;
  return `${where} --command-id ${commandId} --scripts ${q(script)}`;
}

function guestFirewall(fix: FixReport, vmId: string): FixCommands {
  const d = fix.detail;
  const os = d.os === 'windows' ? 'windows' : 'linux';
  const port = Number(d.port);
  if (!Number.isInteger(port)) return { apply: [], undo: [] };
  let commands;
  try {
    commands = guestFirewallCommands(os, port, str(d.tool), d.nft as NftChainRef | undefined);
  } catch {
    // An nftables block without the chain that drops it: no exact command can be given.
    return { apply: [], undo: [] };
  }
  const apply = fix.status === 'planned' ? [runCommand(vmId, os, commands.allow)] : [];
  const applied = fix.status === 'applied';
  // Only what this run added is undone: with `result: present` the rule was the owner's, and its
  // "undo" would remove their rule. A fix applied before `result` was recorded keeps its undo.
  const added = applied && d.result !== 'present';
  const undo = added ? [runCommand(vmId, os, str(d.undo) ?? commands.undo)] : [];
  const persistent = applied && typeof d.persistent === 'boolean' ? d.persistent : commands.persistent;
  return {
    apply: apply.filter((c): c is string => c !== undefined),
    undo: undo.filter((c): c is string => c !== undefined),
    ...(persistent ? {} : { note: notSurvivingReboot(applied, str(d.persistence) ?? commands.persistence) }),
  };
}

/**
 * The note on a guest firewall allow kept at runtime only: of the rule this run added (its detail
 * says "does not survive a reboot: runtime only: ...", apply.ts) or of the one the command would add
 * (guestFirewall.ts "runtime only: ..."), said once, with how to keep it.
 */
function notSurvivingReboot(applied: boolean, persistence: string): string {
  const how = persistence.replace(/^does not survive a reboot: /, '').replace(/^runtime only: /, '');
  return `the guest firewall rule ${applied ? 'does' : 'would'} not survive a reboot: ${how}`;
}

/** The commands for one fix of the report; empty lists where nothing exact can be said. */
export function commandsForFix(fix: FixReport, _report: Report): FixCommands {
  const d = fix.detail;
  const ruleName = str(d.ruleName);
  switch (fix.kind) {
    case 'nsg-allow-probe': {
      // A rolled-back rule is still what the diagnosis asks for (nextSteps says what must go first); so
      // is one whose write failed with nothing written (ARM refused it: a role without the write).
      const notWritten = fix.status === 'failed' && !mayHaveWritten(fix);
      const apply =
        fix.status === 'planned' || fix.status === 'rolled-back' || notWritten
          ? nsgRuleCreate(fix.target, d)
          : undefined;
      const undo: string[] = [];
      if (fix.status === 'applied' && d.written === true && ruleName) {
        // A rule this run created is deleted; a rule it widened is put back as it was.
        const previous = d.previousRule as Record<string, unknown> | null | undefined;
        const restore = previous ? nsgRuleCreate(fix.target, { ruleName, ...previous }) : undefined;
        const del = nsgRuleDelete(fix.target, ruleName);
        if (previous && restore) undo.push(restore);
        else if (del) undo.push(del);
      }
      return { apply: apply ? [apply] : [], undo };
    }
    case 'start-vm': {
      // A start that failed is still the change to make (starting a VM that runs changes nothing).
      const apply =
        fix.status === 'planned' || fix.status === 'failed' ? vmVerb(fix.target, 'start') : undefined;
      const undo = fix.status === 'applied' ? vmVerb(fix.target, 'deallocate') : undefined;
      return { apply: apply ? [apply] : [], undo: undo ? [undo] : [] };
    }
    case 'guest-firewall-allow':
      return guestFirewall(fix, fix.target);
    case 'recommendation': {
      const vmId = str(d.vmId) ?? fix.target;
      if (d.causeId === 'vm-not-running') {
        const start = vmVerb(vmId, 'start');
        return { apply: start ? [start] : [], undo: [] };
      }
      // An allow command only where an allow rule is the change (not for a rule that wins over allows).
      if (
        d.causeId === 'guest-firewall-blocks-probe' &&
        d.port !== undefined &&
        d.tool !== undefined &&
        d.allowRuleHelps !== false
      ) {
        return guestFirewall({ ...fix, status: 'planned' }, vmId);
      }
      return { apply: [], undo: [] };
    }
  }
}
