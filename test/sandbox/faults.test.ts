import { FaultInjector, seededRandom } from '../../src/sandbox/faults';

const draw = (f: FaultInjector, kind: 'read' | 'write' | 'poll', n: number): string[] =>
  Array.from({ length: n }, () => f.decide(kind).kind);

describe('seededRandom', () => {
  it('repeats for a seed and differs between seeds', () => {
    // Act
    const [a, b, c] = [seededRandom(7), seededRandom(7), seededRandom(8)];
    const seq = (r: () => number) => [r(), r(), r()];
    const [sa, sb, sc] = [seq(a), seq(b), seq(c)];
    // Assess
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    expect(sa.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('FaultInjector', () => {
  it('injects nothing by default', () => {
    // Act
    const kinds = draw(new FaultInjector(), 'write', 50);
    // Assess
    expect(new Set(kinds)).toEqual(new Set(['none']));
  });

  it.each([
    ['throttleRate', { throttleRate: 1, retryAfterSeconds: 3 }, { kind: 'throttle', retryAfterSeconds: 3 }],
    ['conflictRate', { conflictRate: 1 }, { kind: 'conflict' }],
  ])('%s 1 faults every write', (_name, faults, expected) => {
    // Act
    const decision = new FaultInjector(faults).decide('write');
    // Assess
    expect(decision).toEqual(expected);
  });

  it('gives server errors of 500 or 503 with the Retry-After setting', () => {
    // Act
    const decisions = Array.from({ length: 40 }, () => new FaultInjector({ serverErrorRate: 1 })).map(
      (f, i) => {
        f.set({ seed: i, serverErrorRate: 1, retryAfterSeconds: 2 });
        return f.decide('read');
      },
    );
    // Assess
    expect(new Set(decisions.map((d) => (d.kind === 'server' ? d.status : 0)))).toEqual(new Set([500, 503]));
    expect(decisions.every((d) => d.kind === 'server' && d.retryAfterSeconds === 2)).toBe(true);
  });

  it('never faults polls, and never gives reads a write conflict', () => {
    // Prepare
    const f = new FaultInjector({ throttleRate: 1, serverErrorRate: 1, conflictRate: 1 });
    const reads = new FaultInjector({ conflictRate: 1 });
    // Act
    const [polls, readKinds] = [draw(f, 'poll', 20), draw(reads, 'read', 20)];
    // Assess
    expect(new Set(polls)).toEqual(new Set(['none']));
    expect(new Set(readKinds)).toEqual(new Set(['none']));
  });

  it('is deterministic for a seed, and set() restarts from the seed', () => {
    // Prepare
    const settings = { seed: 42, throttleRate: 0.3, serverErrorRate: 0.2 };
    const f = new FaultInjector(settings);
    // Act
    const first = draw(f, 'read', 30);
    f.set(settings);
    const again = draw(f, 'read', 30);
    // Assess
    expect(again).toEqual(first);
    expect(first).toContain('throttle');
    expect(first).toContain('none');
  });

  it('rejects out-of-range settings', () => {
    // Act / Assess
    expect(() => new FaultInjector({ throttleRate: 2 })).toThrow('Too big: expected number to be <=1');
  });
});
