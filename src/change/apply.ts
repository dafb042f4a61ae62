/**
 * Applies planned edits to a copy of a load balancer's topology (pure). Records which edit put which
 * NSG rule where, so a verdict can name the change behind the rule that blocks a probe, and whether
 * the edits touch this load balancer at all.
 */
import { defaultSecurityRules } from '../diagnose/nsg';
import { idKey, sameId } from '../model/ids';
import type { NsgInfo, Topology } from '../model/topology';
import type { ChangeEdit, NsgRef, PlannedEdit } from './changes';

/** The topology after the edits, and what the edits did to it. */
export interface AppliedTopology {
  after: Topology;
  /** Edits that changed something this load balancer's probes depend on. */
  touchedBy: PlannedEdit[];
  /** `idKey(nsgId)` -> the edits that changed that NSG's rules. */
  nsgEdits: Map<string, PlannedEdit[]>;
  /** Edits that change this load balancer's probes or rules. */
  lbEdits: PlannedEdit[];
  /** Why part of the edits could not be applied (an NSG associated that the state does not hold). */
  unresolved: { edit: PlannedEdit; reason: string }[];
}

/** The NSG key an edit names in this topology, if the topology holds it. */
export function resolveNsg(topology: Topology, ref: NsgRef): string | undefined {
  if ('id' in ref) return idKey(ref.id) in topology.nsgs ? idKey(ref.id) : undefined;
  return Object.keys(topology.nsgs).find((key) => {
    const m =
      /\/resourcegroups\/([^/]+)\/providers\/microsoft\.network\/networksecuritygroups\/([^/]+)$/.exec(key);
    return m?.[1] === ref.resourceGroup.toLowerCase() && m[2] === ref.name.toLowerCase();
  });
}

function usesNsg(topology: Topology, key: string): boolean {
  return topology.backends.some((b) => {
    const subnet = b.subnetId ? topology.subnets[idKey(b.subnetId)] : undefined;
    const nic = b.nicId ? topology.nics[idKey(b.nicId)] : undefined;
    return (subnet?.nsgId && idKey(subnet.nsgId) === key) || (nic?.nsgId && idKey(nic.nsgId) === key);
  });
}

/** Applies `edits` to a deep copy of `before`. */
export function applyEdits(before: Topology, edits: readonly PlannedEdit[]): AppliedTopology {
  const after = structuredClone(before);
  const result: AppliedTopology = { after, touchedBy: [], nsgEdits: new Map(), lbEdits: [], unresolved: [] };
  const touch = (planned: PlannedEdit) => {
    if (!result.touchedBy.includes(planned)) result.touchedBy.push(planned);
  };
  const nsgEdited = (key: string, planned: PlannedEdit) => {
    result.nsgEdits.set(key, [...(result.nsgEdits.get(key) ?? []), planned]);
    if (usesNsg(before, key) || usesNsg(after, key)) touch(planned);
  };
  const lb = after.loadBalancer.id;
  // NSG contents first, in the plan's order, then everything else: an association to an NSG the same
  // change creates finds its rules whichever order the plan or what-if lists the two in.
  const isNsgContent = (e: PlannedEdit) =>
    e.edit?.kind === 'put-nsg-rule' || e.edit?.kind === 'delete-nsg-rule' || e.edit?.kind === 'set-nsg-rules';
  const ordered = [...edits.filter(isNsgContent), ...edits.filter((e) => !isNsgContent(e))];
  for (const planned of ordered) {
    const edit: ChangeEdit | undefined = planned.edit;
    if (!edit) continue;
    switch (edit.kind) {
      case 'put-nsg-rule':
      case 'delete-nsg-rule': {
        const key = resolveNsg(after, edit.nsg);
        if (!key) break;
        const nsg = after.nsgs[key] as NsgInfo;
        const name = edit.kind === 'put-nsg-rule' ? edit.rule.name : edit.ruleName;
        nsg.securityRules = nsg.securityRules.filter((r) => r.name.toLowerCase() !== name.toLowerCase());
        if (edit.kind === 'put-nsg-rule')
          nsg.securityRules.push({ ...edit.rule, id: `${nsg.id}/securityRules/${edit.rule.name}` });
        nsgEdited(key, planned);
        break;
      }
      case 'set-nsg-rules': {
        let key = resolveNsg(after, edit.nsg);
        if (!key && 'id' in edit.nsg) {
          // A new NSG (what-if names its id): it starts with Azure's default rules.
          key = idKey(edit.nsg.id);
          after.nsgs[key] = {
            id: edit.nsg.id,
            name: edit.nsg.id.split('/').pop() ?? '',
            securityRules: [],
            defaultSecurityRules: defaultSecurityRules(),
          };
        }
        if (!key) break;
        const nsg = after.nsgs[key] as NsgInfo;
        nsg.securityRules = edit.rules.map((r) => ({ ...r, id: `${nsg.id}/securityRules/${r.name}` }));
        nsgEdited(key, planned);
        break;
      }
      case 'delete-nsg':
        break;
      case 'associate-subnet-nsg':
      case 'associate-nic-nsg': {
        const table = edit.kind === 'associate-subnet-nsg' ? after.subnets : after.nics;
        const target = table[idKey(edit.kind === 'associate-subnet-nsg' ? edit.subnetId : edit.nicId)];
        if (!target) break;
        if (edit.nsgId && !(idKey(edit.nsgId) in after.nsgs)) {
          result.unresolved.push({
            edit: planned,
            reason: `${edit.nsgId} is not in the current state: its rules cannot be evaluated`,
          });
          touch(planned);
          break;
        }
        if (edit.nsgId) target.nsgId = edit.nsgId;
        else delete target.nsgId;
        if (edit.nsgId) nsgEdited(idKey(edit.nsgId), planned);
        touch(planned);
        break;
      }
      case 'nic-asg': {
        for (const backend of after.backends.filter((b) => sameId(b.nicId, edit.nicId))) {
          const others = backend.asgIds.filter((id) => !sameId(id, edit.asgId));
          backend.asgIds = edit.member ? [...others, edit.asgId] : others;
          touch(planned);
        }
        break;
      }
      case 'put-probe':
      case 'delete-probe': {
        if (!sameId(edit.loadBalancerId, lb)) break;
        const id = `${lb}/probes/${edit.name}`;
        const existing = after.probes.find((p) => p.name.toLowerCase() === edit.name.toLowerCase());
        if (edit.kind === 'delete-probe') {
          after.probes = after.probes.filter((p) => p !== existing);
          for (const rule of after.rules)
            if (existing && sameId(rule.probeId, existing.id)) delete rule.probeId;
        } else if (existing) {
          existing.protocol = edit.protocol;
          existing.port = edit.port;
          if (edit.requestPath !== undefined) existing.requestPath = edit.requestPath;
        } else {
          after.probes.push({
            id,
            name: edit.name,
            protocol: edit.protocol,
            port: edit.port,
            intervalInSeconds: 5,
            ...(edit.requestPath ? { requestPath: edit.requestPath } : {}),
          });
        }
        result.lbEdits.push(planned);
        touch(planned);
        break;
      }
      case 'put-lb-rule':
      case 'delete-lb-rule': {
        if (!sameId(edit.loadBalancerId, lb)) break;
        const existing = after.rules.find((r) => r.name.toLowerCase() === edit.name.toLowerCase());
        if (edit.kind === 'delete-lb-rule') {
          after.rules = after.rules.filter((r) => r !== existing);
        } else {
          const rule = {
            id: `${lb}/loadBalancingRules/${edit.name}`,
            name: edit.name,
            protocol: edit.protocol,
            frontendPort: edit.frontendPort,
            backendPort: edit.backendPort,
            ...(edit.probeId ? { probeId: edit.probeId } : {}),
            backendPoolIds:
              edit.backendPoolIds.length > 0 ? edit.backendPoolIds : (existing?.backendPoolIds ?? []),
            enableFloatingIP: existing?.enableFloatingIP ?? false,
          };
          after.rules = existing
            ? after.rules.map((r) => (r === existing ? rule : r))
            : [...after.rules, rule];
        }
        result.lbEdits.push(planned);
        touch(planned);
        break;
      }
    }
  }
  return result;
}
