/**
 * The sandbox serves a resource's stored JSON text (src/sandbox/storedJson.ts), taken when it starts
 * and again after a change. These tests go red if a read could get a text older than the resource,
 * if a read at an unchanged state takes the text again, or if a large answer arrives other than whole.
 */
import { NetworkManagementClient } from '@azure/arm-network';
import { scaledScenario } from '../../bench/scaledScenario';
import { parseResourceId } from '../../src/azure/resourceId';
import { bytesAhead } from '../../src/sandbox/handlers/actions';
import { deleteSecurityRule, putSecurityRule } from '../../src/sandbox/securityRules';
import { WRITE_PIECE_BYTES } from '../../src/sandbox/slicing';
import { findResource, recordChange } from '../../src/sandbox/state';
import { primeStoredJson, storedJson, storedJsonBytes } from '../../src/sandbox/storedJson';
import { armIds, securityRule, webState } from '../helpers/armBuilder';
import { staticCredential, startTestSandbox } from '../helpers/sandboxClients';
import { ids, miniScenario, RG } from './miniScenario';

describe('storedJson', () => {
  it('serves the text taken at the start, the same for every read until the state changes', async () => {
    // Prepare
    const state = webState();
    const nsg = findResource(state, armIds.nsg('nsg-nic')) as Record<string, unknown>;
    const atStart = JSON.stringify(nsg);
    primeStoredJson(state);
    // Only to see where the text comes from: a change no sandbox path makes (it bypasses recordChange).
    nsg.tags = { touched: 'without a version' };
    // Act
    const first = storedJson(state, nsg);
    const second = storedJson(state, nsg);
    // Assess: one text, the one taken at the start.
    expect(second).toBe(first);
    await expect(first).resolves.toBe(atStart);
  });

  it('takes the text again after a write, so a read never gets one older than the resource', async () => {
    // Prepare
    const state = webState();
    const nsg = findResource(state, armIds.nsg('nsg-nic')) as object;
    primeStoredJson(state);
    const before = await storedJson(state, nsg);
    // Act: a write through the sandbox's own path (it bumps the state's version).
    putSecurityRule(state, armIds.nsg('nsg-nic'), 'deny-probe', {
      properties: {
        ...(securityRule('deny-probe', { access: 'Deny', priority: 100 }).properties as object),
      },
    });
    const after = await storedJson(state, nsg);
    // Assess
    expect(after).not.toBe(before);
    expect(after).toBe(JSON.stringify(nsg));
    expect(after).toContain('deny-probe');
  });

  it('leaves an NSG stored without a rule list as it is when a DELETE finds no rule to delete', async () => {
    // Prepare: an NSG whose stored body has no securityRules (a scenario may omit the list).
    const state = webState();
    const nsg = findResource(state, armIds.nsg('nsg-nic')) as { properties: Record<string, unknown> };
    delete nsg.properties.securityRules;
    primeStoredJson(state);
    // Act
    const deleted = deleteSecurityRule(state, armIds.nsg('nsg-nic'), 'not-there');
    // Assess: nothing deleted, nothing changed, and the answer is the NSG as it is.
    expect(deleted).toBe(false);
    expect(nsg.properties).not.toHaveProperty('securityRules');
    await expect(storedJson(state, nsg)).resolves.toBe(JSON.stringify(nsg));
  });

  it('keeps one answer per action result, however many operations answer with it', async () => {
    // A result the views remember per state version is one object for every POST at that version.
    const result = Object.freeze({ up: 1, down: 0, loadBalancerBackendAddresses: [] });
    expect(bytesAhead(result)).toBe(bytesAhead(result));
    expect(bytesAhead({ ...result })).not.toBe(bytesAhead(result));
    expect((await bytesAhead(result))?.toString('utf8')).toBe(JSON.stringify(result));
  });

  it('keeps the bytes of a stored text with it: encoded once per text, again after a change', async () => {
    // Prepare
    const state = webState();
    const nsg = findResource(state, armIds.nsg('nsg-nic')) as object;
    primeStoredJson(state);
    // Act
    const first = storedJsonBytes(state, nsg);
    const second = storedJsonBytes(state, nsg);
    const textBefore = await storedJson(state, nsg);
    putSecurityRule(state, armIds.nsg('nsg-nic'), 'deny-probe', {
      properties: {
        ...(securityRule('deny-probe', { access: 'Deny', priority: 100 }).properties as object),
      },
    });
    const afterWrite = await storedJsonBytes(state, nsg);
    // Assess: one buffer while the state stands, the UTF-8 of the text; a new one after the write.
    expect(await second).toBe(await first);
    expect((await first).toString('utf8')).toBe(textBefore);
    expect(afterWrite.toString('utf8')).toBe(JSON.stringify(nsg));
    expect(afterWrite.toString('utf8')).toContain('deny-probe');
  });

  it("keeps one encoding of an action result's text, the UTF-8 of that text", async () => {
    // Prepare: a result with a character UTF-8 writes in two bytes.
    const result = Object.freeze({ name: 'café', loadBalancerBackendAddresses: [] });
    // Act
    const bytes = await bytesAhead(result);
    // Assess
    expect(bytesAhead(result)).toBe(bytesAhead(result));
    expect(bytes?.equals(Buffer.from(JSON.stringify(result), 'utf8'))).toBe(true);
    expect(bytesAhead('not an object')).toBeUndefined();
  });

  it('logs an answer the sandbox could not serialize with the 500 it answers', async () => {
    // Prepare: a value JSON cannot hold, put into the stored NSG behind the sandbox's back.
    const t = await startTestSandbox(miniScenario());
    try {
      const nsg = findResource(t.sandbox.state, ids.nsg) as Record<string, unknown>;
      nsg.tags = { big: 1n };
      recordChange(t.sandbox.state);
      const logged: number[] = [];
      const push = t.sandbox.requestLog.push.bind(t.sandbox.requestLog);
      t.sandbox.requestLog.push = (...entries) => {
        logged.push(...entries.map((e) => e.status));
        return push(...entries);
      };
      // Act
      const once = new NetworkManagementClient(staticCredential, t.subscriptionId, {
        ...t.clientOptions,
        retryOptions: { maxRetries: 0 },
      });
      const error = await once.networkSecurityGroups.get(RG, 'nsg-web').catch((err: unknown) => err);
      // Assess
      expect((error as { statusCode?: number }).statusCode).toBe(500);
      expect(logged).toEqual([500]);
    } finally {
      await t.stop();
    }
  });

  it('answers a load balancer of 300 members whole through the SDK, from the text taken at the start', async () => {
    // Prepare
    const scaled = scaledScenario(300, { failing: 5 });
    const t = await startTestSandbox(scaled.scenario);
    try {
      const { resourceGroup, name } = parseResourceId(scaled.loadBalancerId);
      const stored = findResource(t.sandbox.state, scaled.loadBalancerId) as Record<string, unknown>;
      const atStart = JSON.stringify(stored);
      // Only to see where the text comes from (as above): the sandbox took it when it started.
      stored.tags = { touched: 'without a version' };
      let raw = '';
      // Act
      await t.network.loadBalancers.get(resourceGroup, name, {
        onResponse: (response) => {
          raw = response.bodyAsText ?? '';
        },
      });
      // Assess: byte for byte the text stored at the start, and long enough to be written in pieces.
      expect(raw).toBe(atStart);
      expect(Buffer.byteLength(raw)).toBeGreaterThan(2 * WRITE_PIECE_BYTES);
    } finally {
      await t.stop();
    }
  });
});
