/**
 * The sandbox serializes large answers in slices (src/sandbox/slicing.ts). These tests go red if the
 * text ever differs from JSON.stringify's, if a long array is written without giving the thread
 * back, or if a write answered between two slices could leave a torn answer.
 */
import fc from 'fast-check';
import { LONG_ARRAY, stringifyInSlices, WRITE_PIECE_BYTES, writeInSlices } from '../../src/sandbox/slicing';
import { putSecurityRule } from '../../src/sandbox/securityRules';
import { stateJson } from '../../src/sandbox/storedJson';
import { findResource } from '../../src/sandbox/state';
import { armIds, securityRule, webState } from '../helpers/armBuilder';

/** A clock that moves 1 ms each time it is read, so every element of a long array ends a slice. */
function steppingClock(): () => number {
  let t = 0;
  return () => (t += 1);
}

/** Counts the writer's yields and resolves each at once. */
function countingTurns(): { turns: () => number; yieldTurn: () => Promise<void> } {
  let n = 0;
  return {
    turns: () => n,
    yieldTurn: () => {
      n += 1;
      return Promise.resolve();
    },
  };
}

/** What JSON.stringify writes as is, leaves out of an object, writes as null in an array, or calls toJSON on. */
const leaf = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1.5, 1e21, Number.NaN, Number.POSITIVE_INFINITY, undefined),
  fc.string(),
  fc.constant(new Date(0)),
  fc.constant(() => 1),
  fc.constant(Symbol('s')),
  fc.constant({ toJSON: () => undefined }),
  fc.constant({ toJSON: (key: string) => `key=${key}` }),
  fc.constant(Object.assign([1, 2], { toJSON: () => 'an array that says otherwise' })),
  fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.constant(undefined)), { maxKeys: 3 }),
);

/** JSON values with long arrays at any depth (their elements are written whole, so kept small). */
const answerLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(leaf, { minLength: LONG_ARRAY, maxLength: LONG_ARRAY + 8 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('stringifyInSlices', () => {
  it('gives exactly JSON.stringify text for generated answers, long arrays or not', async () => {
    await fc.assert(
      fc.asyncProperty(answerLike, async (value) => {
        const text = await stringifyInSlices(value, {
          now: steppingClock(),
          sliceMs: 0,
          yieldTurn: countingTurns().yieldTurn,
        });
        expect(text).toBe(JSON.stringify(value));
      }),
      { numRuns: 300 },
    );
  });

  it('writes a load balancer of many members as JSON.stringify does, yielding between its members', async () => {
    // Prepare: the shape that matters, a pool whose members are a long array deep in the resource.
    const members = Array.from({ length: 300 }, (_, i) => ({
      id: `${armIds.lb()}/backendAddressPools/pool/loadBalancerBackendAddresses/m${i}`,
      properties: { ipAddress: `10.0.${i >> 8}.${i & 255}`, skipped: undefined },
    }));
    const lb = {
      id: armIds.lb(),
      name: 'lb',
      properties: {
        frontendIPConfigurations: [{ id: 'f', properties: { privateIPAddress: '10.0.0.1' } }],
        backendAddressPools: [{ id: 'pool', properties: { loadBalancerBackendAddresses: members } }],
        created: new Date(0),
      },
    };
    const { turns, yieldTurn } = countingTurns();
    // Act
    const text = await stringifyInSlices(lb, { now: steppingClock(), sliceMs: 0, yieldTurn });
    // Assert: one yield per member, and the same text.
    expect(text).toBe(JSON.stringify(lb));
    expect(turns()).toBe(members.length);
  });

  it('writes a value without a long array at once, without yielding', async () => {
    const { turns, yieldTurn } = countingTurns();
    const small = { a: [1, 2, 3], b: { c: 'x'.repeat(10_000) } };
    await expect(stringifyInSlices(small, { now: steppingClock(), sliceMs: 0, yieldTurn })).resolves.toBe(
      JSON.stringify(small),
    );
    expect(turns()).toBe(0);
  });

  it('yields only when a slice is used up', async () => {
    const { turns, yieldTurn } = countingTurns();
    const long = Array.from({ length: 200 }, (_, i) => ({ i }));
    // A clock that never moves: the slice is never used up.
    await stringifyInSlices({ long }, { now: () => 0, sliceMs: 1, yieldTurn });
    expect(turns()).toBe(0);
  });

  it('writes a long array with its own toJSON as JSON.stringify does', async () => {
    const long = Object.assign(
      Array.from({ length: LONG_ARRAY }, (_, i) => i),
      { toJSON: () => 'replaced' },
    );
    await expect(stringifyInSlices({ long, after: 1 }, { sliceMs: 0 })).resolves.toBe(
      JSON.stringify({ long, after: 1 }),
    );
  });

  it('throws what JSON.stringify throws for a cycle and a BigInt', async () => {
    const cyclic: Record<string, unknown> = { long: Array.from({ length: LONG_ARRAY }, (_, i) => i) };
    cyclic.self = cyclic;
    await expect(stringifyInSlices(cyclic)).rejects.toThrow(TypeError);
    const inLong = { long: [...Array.from({ length: LONG_ARRAY }, (_, i) => i), 1n] };
    await expect(stringifyInSlices(inLong)).rejects.toThrow(TypeError);
  });
});

describe('stateJson', () => {
  /** The NIC NSG of the web state with enough security rules to be written in slices. */
  function manyRules() {
    const rules = Array.from({ length: LONG_ARRAY + 6 }, (_, i) =>
      securityRule(`r${i}`, { access: 'Allow', priority: 200 + i }),
    );
    const state = webState({ nicNsgRules: rules });
    const nsg = findResource(state, armIds.nsg('nsg-nic')) as Record<string, unknown>;
    return { state, nsg };
  }

  it('answers the state as it was at one moment when a write lands between two slices', async () => {
    // Prepare
    const { state, nsg } = manyRules();
    let wrote = false;
    const yieldTurn = () => {
      if (!wrote) {
        wrote = true;
        putSecurityRule(state, armIds.nsg('nsg-nic'), 'r0', {
          properties: { ...(securityRule('r0', { access: 'Deny', priority: 200 }).properties as object) },
        });
      }
      return Promise.resolve();
    };
    // Act
    const text = await stateJson(state, nsg, { now: steppingClock(), sliceMs: 0, yieldTurn });
    // Assert: the text is the NSG after the write, whole.
    expect(wrote).toBe(true);
    expect(text).toBe(JSON.stringify(nsg));
    expect(text).toContain('"access":"Deny"');
  });

  it('keeps the sliced text when nothing was written meanwhile', async () => {
    const { state, nsg } = manyRules();
    const before = JSON.stringify(nsg);
    const { turns, yieldTurn } = countingTurns();
    await expect(stateJson(state, nsg, { now: steppingClock(), sliceMs: 0, yieldTurn })).resolves.toBe(
      before,
    );
    expect(turns()).toBeGreaterThan(0);
  });
});

describe('writeInSlices', () => {
  /** A response that notes each write and end, and what else ran between them. */
  function recordingResponse() {
    const log: string[] = [];
    const pieces: Buffer[] = [];
    const res = {
      destroyed: false,
      write: (chunk: Buffer) => {
        log.push('write');
        pieces.push(chunk);
        return true;
      },
      end: (chunk: Buffer) => {
        log.push('end');
        pieces.push(chunk);
        return res;
      },
    };
    return { res, log, pieces };
  }

  it('writes a large body in pieces, letting other work run between them, and whole', async () => {
    // Prepare: 2.5 pieces, and another task waiting for the thread.
    const payload = Buffer.alloc(WRITE_PIECE_BYTES * 2 + WRITE_PIECE_BYTES / 2, 'a');
    payload.write('end', payload.length - 3);
    const { res, log, pieces } = recordingResponse();
    setImmediate(() => log.push('other'));
    // Act
    await writeInSlices(res as never, payload);
    // Assess
    expect(log).toEqual(['write', 'other', 'write', 'end']);
    expect(Buffer.concat(pieces).equals(payload)).toBe(true);
  });

  it('writes a body of one piece at once', async () => {
    const payload = Buffer.alloc(WRITE_PIECE_BYTES, 'b');
    const { res, log, pieces } = recordingResponse();
    setImmediate(() => log.push('other'));
    await writeInSlices(res as never, payload);
    expect(log).toEqual(['end']);
    expect(pieces[0]?.length).toBe(WRITE_PIECE_BYTES);
  });

  it('stops writing once the response is destroyed', async () => {
    const payload = Buffer.alloc(WRITE_PIECE_BYTES * 4, 'c');
    const { res, log } = recordingResponse();
    await writeInSlices(res as never, payload, () => {
      res.destroyed = true;
      return Promise.resolve();
    });
    expect(log).toEqual(['write']);
  });
});
