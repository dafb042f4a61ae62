/** The sandbox's Resource Graph through the real `@azure/arm-resourcegraph` client over HTTPS. */
import { acceptanceFleet, SUB_A, SUB_B } from '../../bench/fleetScenario';
import { createResourceGraphClient } from '../../src/azure/clients';
import { createResourceGraphInventory, loadBalancerQueries } from '../../src/azure/resourceGraph';
import { startSandbox, type Sandbox } from '../../src/sandbox/server';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ scenario: acceptanceFleet() });
});
afterAll(() => sandbox.stop());

const client = () =>
  createResourceGraphClient({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca });
const QUERY =
  "Resources | where type =~ 'Microsoft.Network/loadBalancers' | project id, name, type | order by id asc";

describe('POST /providers/Microsoft.ResourceGraph/resources', () => {
  it('pages with $skipToken until every row is read, ordered by id, types lowercased', async () => {
    // Act
    const first = await client().resources({
      subscriptions: [SUB_A, SUB_B],
      query: QUERY,
      options: { top: 2 },
    });
    const ids: string[] = (first.data as { id: string }[]).map((r) => r.id);
    let token = first.skipToken;
    let pages = 1;
    while (token) {
      const next = await client().resources({
        subscriptions: [SUB_A, SUB_B],
        query: QUERY,
        options: { skipToken: token },
      });
      ids.push(...(next.data as { id: string }[]).map((r) => r.id));
      token = next.skipToken;
      pages++;
    }

    // Assess
    expect(first).toMatchObject({ totalRecords: 5, count: 2, resultTruncated: 'false' });
    expect((first.data as { type: string }[])[0]!.type).toBe('microsoft.network/loadbalancers');
    expect(pages).toBe(3);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(5);
  });

  it('answers only the subscriptions asked for', async () => {
    const page = await client().resources({ subscriptions: [SUB_B], query: QUERY });
    expect((page.data as { id: string }[]).map((r) => r.id.split('/')[2])).toEqual([SUB_B, SUB_B]);
  });

  it('refuses what it does not emulate with 400 instead of guessing', async () => {
    await expect(
      client().resources({ subscriptions: [SUB_A], query: 'Resources | summarize count() by location' }),
    ).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining("does not emulate 'summarize count() by location'"),
    });
  });

  it('narrows resource-group scopes in the query (the inventory the sweep uses)', async () => {
    // Prepare
    const scopes = [{ subscriptionId: SUB_B, resourceGroup: 'RG-Legacy' }];

    // Act
    const listed = await createResourceGraphInventory(client()).listLoadBalancers(scopes);

    // Assess
    expect(loadBalancerQueries(scopes)[0]!.query).toContain("where resourceGroup in~ ('RG-Legacy')");
    expect(listed.map((l) => `${l.resourceGroup}/${l.name}`)).toEqual(['rg-legacy/lb-web-prod']);
  });
});
