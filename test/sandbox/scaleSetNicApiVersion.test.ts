/**
 * Scale-set NIC reads carry the api-version their own spec declares (vmssNetworkInterface.json), not
 * the network api-version of every other call: the sandbox serves them only at those versions, so a
 * client that sent another would fail here as it would in Azure.
 */
import { request } from 'node:https';
import { SCALE_SET_NIC_API_VERSIONS } from '../../src/sandbox/routes';
import { startTestSandbox, type TestSandbox } from '../helpers/sandboxClients';
import { RG, ids, miniScenario } from './miniScenario';

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox(miniScenario());
});
afterAll(() => t.stop());

function get(
  path: string,
): Promise<{ status: number; body: { error?: { code?: string; message?: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${t.sandbox.endpoint}${path}`,
      { method: 'GET', ca: t.sandbox.ca, headers: { Authorization: 'Bearer sandbox' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') as never }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('scale-set NIC api-version', () => {
  it('the SDK reads scale-set NICs at the version it pins for them, which the sandbox serves', async () => {
    // Act
    const nics = [];
    for await (const nic of t.network.networkInterfaces.listVirtualMachineScaleSetVMNetworkInterfaces(
      RG,
      'ss-web',
      '0',
    )) {
      nics.push(nic);
    }
    const one = await t.network.networkInterfaces.getVirtualMachineScaleSetNetworkInterface(
      RG,
      'ss-web',
      '0',
      'nic-ss',
    );

    // Assess
    expect(nics.map((n) => n.id)).toEqual([ids.vmssNic0]);
    expect(one.id).toBe(ids.vmssNic0);
    const versions = t.sandbox.requestLog
      .filter((e) => /networkInterfaces/i.test(e.path))
      .map((e) => e.apiVersion);
    expect(new Set(versions)).toEqual(new Set(['2018-10-01']));
    expect(SCALE_SET_NIC_API_VERSIONS).toContain('2018-10-01');
  });

  it.each([`${ids.vmss}/networkInterfaces`, `${ids.vmssVm0}/networkInterfaces`, ids.vmssNic0])(
    'refuses %s at the network api-version with 400 NoRegisteredProviderFound',
    async (path) => {
      // Act
      const answer = await get(`${path}?api-version=2025-05-01`);

      // Assess
      expect([answer.status, answer.body.error?.code]).toEqual([400, 'NoRegisteredProviderFound']);
      expect(answer.body.error?.message).toMatch(
        /API version '2025-05-01' for type 'virtualMachineScaleSets\/networkInterfaces'\. The supported api-versions are '2017-03-30, 2018-10-01'/,
      );
    },
  );
});
