import { outputForProbe } from '../../src/guest/probeOutput';

const OUTPUT = [
  '=== listen ===',
  'LISTEN 0 511 0.0.0.0:30029 0.0.0.0:*',
  '=== end ===',
  '=== http ===',
  '403 exit=0',
  '=== end ===',
  '=== http-2 ===',
  '500 exit=0',
  '=== end ===',
  '=== done ===',
].join('\n');

describe('outputForProbe', () => {
  it.each([
    [1, '403 exit=0'],
    [2, '500 exit=0'],
  ])('gives probe %d its own local GET as section http, and the shared sections', (n, http) => {
    // Act
    const out = outputForProbe(OUTPUT, n);

    // Assess
    expect(out).toBe(
      [
        '=== listen ===',
        'LISTEN 0 511 0.0.0.0:30029 0.0.0.0:*',
        '=== end ===',
        '=== http ===',
        http,
        '=== end ===',
        '=== done ===',
      ].join('\n'),
    );
  });

  it('gives a probe without a local GET (TCP, n = 3) no http section', () => {
    expect(outputForProbe(OUTPUT, 3)).not.toContain('=== http');
  });

  it('ends a dropped section at the next start marker when its end marker is missing (a hung command)', () => {
    // Act
    const out = outputForProbe('=== http ===\n000\n=== http-2 ===\n200 exit=0\n=== end ===', 2);

    // Assess
    expect(out).toBe('=== http ===\n200 exit=0\n=== end ===');
  });
});
