/**
 * The sandbox's routing table, most specific first: operation polls, Microsoft.Support, computed
 * reads, scale set NICs, POST actions, security rule writes, scale set capacity changes, then the
 * generic resource GET and lists.
 */
import type { SandboxContext } from './context';
import { noRegisteredProvider, unsupported } from './armErrors';
import {
  effectiveNsgs,
  effectiveRoutes,
  networkWatcherAction,
  ruleHealth,
  runCommand,
  startVm,
} from './handlers/actions';
import { pollAsyncOperation, pollOperationResult } from './handlers/lroResponses';
import {
  getInstanceView,
  getMetrics,
  getResource,
  getResourceGroup,
  getResourceHealth,
  listBySubscription,
  listChildren,
  listResourceGroups,
  listScaleSetNics,
  page,
} from './handlers/resources';
import { resourceGraphQuery } from './handlers/resourceGraph';
import { createTicket, getProblemClassifications, getServices, getTicket } from './handlers/support';
import { updateScaleSet } from './handlers/scaleSets';
import { deleteRule, putRule } from './handlers/writes';
import { apiVersionOf, route, type ArmRequest, type Route } from './router';

const RG = '/subscriptions/{sub}/resourceGroups/{rg}';
const SCALE_SET = `${RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{ss}`;
const RULE = `${RG}/providers/Microsoft.Network/networkSecurityGroups/{nsgName}/securityRules/{rule}`;

/** Path of a request, below `/providers/{namespace}`: how many segments, to tell a resource from a list. */
function segmentsAfterNamespace(path: string): number | undefined {
  const segments = path.split('/').filter((s) => s.length > 0);
  const at = segments.map((s) => s.toLowerCase()).lastIndexOf('providers');
  return at < 0 ? undefined : segments.length - (at + 2);
}

/**
 * The scale-set NIC operations (`NetworkInterfaces_*VirtualMachineScaleSet*`) are served under
 * Microsoft.Compute's path with an api-version of their own: the spec's vmssNetworkInterface.json
 * declares 2017-03-30 (azure-rest-api-specs, network stable/2018-10-01) and later 2018-10-01, which
 * `@azure/arm-network` 36 pins for them (its `apiVersion1`), whatever the network api-version. Any
 * other is refused as ARM refuses an api-version a resource type does not register.
 */
export const SCALE_SET_NIC_API_VERSIONS = ['2017-03-30', '2018-10-01'] as const;

function requireScaleSetNicApiVersion(req: ArmRequest): void {
  const version = apiVersionOf(req);
  if (!(SCALE_SET_NIC_API_VERSIONS as readonly string[]).includes(version)) {
    throw noRegisteredProvider(
      'virtualMachineScaleSets/networkInterfaces',
      version,
      SCALE_SET_NIC_API_VERSIONS,
    );
  }
}

function genericGet(ctx: SandboxContext, req: ArmRequest) {
  if (/\/virtualMachineScaleSets\/[^/]+\/virtualMachines\/[^/]+\/networkInterfaces(\/|$)/i.test(req.path)) {
    requireScaleSetNicApiVersion(req);
  }
  const below = segmentsAfterNamespace(req.path);
  if (below === undefined || below < 1 || !/^\/subscriptions\/[^/]+\/resourceGroups\//i.test(req.path)) {
    throw unsupported(req.method, req.path);
  }
  return below % 2 === 0 ? getResource(ctx, req) : page(ctx, req, listChildren(ctx, req));
}

export const ROUTES: readonly Route<SandboxContext>[] = [
  route(
    'GET',
    '/subscriptions/{sub}/providers/{ns}/locations/{loc}/operations/{operationId}',
    // Compute's Location header is this same URL with monitor=true: it answers with the result.
    (ctx, req, p) =>
      req.query.get('monitor') === 'true' ? pollOperationResult(ctx, p) : pollAsyncOperation(ctx, p),
  ),
  route(
    'GET',
    '/subscriptions/{sub}/providers/Microsoft.Support/operationsStatus/{operationId}',
    (ctx, _req, p) => pollAsyncOperation(ctx, p),
  ),
  route(
    'GET',
    '/subscriptions/{sub}/providers/{ns}/locations/{loc}/operationResults/{operationId}',
    (ctx, _req, p) => pollOperationResult(ctx, p),
  ),

  route('POST', '/providers/Microsoft.ResourceGraph/resources', resourceGraphQuery),

  route('GET', '/providers/Microsoft.Support/services', () => getServices()),
  route(
    'GET',
    '/providers/Microsoft.Support/services/{service}/problemClassifications',
    getProblemClassifications,
  ),
  route('PUT', '/subscriptions/{sub}/providers/Microsoft.Support/supportTickets/{name}', createTicket),
  route('GET', '/subscriptions/{sub}/providers/Microsoft.Support/supportTickets/{name}', getTicket),

  route('GET', '{id*}/providers/Microsoft.Insights/metrics', getMetrics),
  route('GET', '{id*}/providers/Microsoft.ResourceHealth/availabilityStatuses/current', getResourceHealth),
  route('GET', '{vm*}/instanceView', getInstanceView),

  route('GET', `${SCALE_SET}/virtualMachines/{i}/networkInterfaces`, (ctx, req, p) => {
    requireScaleSetNicApiVersion(req);
    return page(
      ctx,
      req,
      listScaleSetNics(ctx, req, { owner: `${scaleSetId(p)}/virtualMachines/${p.i}`, instance: 'true' }),
    );
  }),
  route('GET', `${SCALE_SET}/networkInterfaces`, (ctx, req, p) => {
    requireScaleSetNicApiVersion(req);
    return page(ctx, req, listScaleSetNics(ctx, req, { owner: scaleSetId(p) }));
  }),

  route('POST', '{lb*}/loadBalancingRules/{rule}/health', ruleHealth),
  route('POST', '{nic*}/effectiveNetworkSecurityGroups', effectiveNsgs),
  route('POST', '{nic*}/effectiveRouteTable', effectiveRoutes),
  route('POST', '{watcher*}/ipFlowVerify', networkWatcherAction('ipFlowVerify')),
  route('POST', '{watcher*}/connectivityCheck', networkWatcherAction('connectivityCheck')),
  route('POST', '{vm*}/runCommand', runCommand),
  route('POST', '{vm*}/start', startVm),

  route('PUT', RULE, (ctx, req, p) => putRule(ctx, req, { ...p, nsg: nsgId(p) })),
  route('PATCH', SCALE_SET, (ctx, req, p) => updateScaleSet(ctx, req, { ...p, scaleSet: scaleSetId(p) })),
  route('PUT', SCALE_SET, (ctx, req, p) => updateScaleSet(ctx, req, { ...p, scaleSet: scaleSetId(p) })),
  route('DELETE', RULE, (ctx, req, p) => deleteRule(ctx, req, { ...p, nsg: nsgId(p) })),

  route('GET', '/subscriptions/{sub}/providers/{ns}/{type}', (ctx, req, p) =>
    page(ctx, req, listBySubscription(ctx, req, p)),
  ),
  route('GET', '/subscriptions/{sub}/resourceGroups', (ctx, req, p) =>
    page(ctx, req, listResourceGroups(ctx, req, p)),
  ),
  route('GET', RG, getResourceGroup),
  route('GET', '{path*}', genericGet),
];

function scaleSetId(p: Readonly<Record<string, string>>): string {
  return `/subscriptions/${p.sub}/resourceGroups/${p.rg}/providers/Microsoft.Compute/virtualMachineScaleSets/${p.ss}`;
}

function nsgId(p: Readonly<Record<string, string>>): string {
  return `/subscriptions/${p.sub}/resourceGroups/${p.rg}/providers/Microsoft.Network/networkSecurityGroups/${p.nsgName}`;
}
