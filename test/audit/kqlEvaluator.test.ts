/**
 * The in-memory KQL evaluator (kqlEvaluator.ts) against Kusto's documented answers, so the query
 * tests over the recorded trail rest on Kusto's semantics, not on what the evaluator happens to do.
 * Sources: learn.microsoft.com/kusto/query — datetime-diff-function (its example's expected output),
 * join-operator (innerunique keeps one left row per key; inner keeps all), summarize-operator,
 * arg-max-aggregate-function, sort-operator (desc by default, nulls last), and the rule that a long
 * divided by a long is a long.
 */
import { runKql, type KqlRow } from './kqlEvaluator';

/** A customEvents row with what the tests below read. */
const row = (name: string, time: string, dims: Record<string, string> = {}): KqlRow => ({
  timestamp: new Date(time),
  name,
  customDimensions: dims,
});

describe('the KQL evaluator', () => {
  beforeAll(() => void runKql('customEvents | take 1', { customEvents: [] }), 120_000);

  it('datetime_diff counts period boundaries, as the documented example answers', () => {
    // Prepare: datetime1 and datetime2 of the example, as two rows' timestamps.
    const pairs: [string, string, string, number][] = [
      ['second', '2017-10-30T23:00:10.100Z', '2017-10-30T23:00:00.900Z', 10],
      ['minute', '2017-10-30T23:05:01Z', '2017-10-30T23:00:59Z', 5],
      ['hour', '2017-10-31T01:00:00Z', '2017-10-30T23:59:00Z', 2],
      ['day', '2017-10-29T00:00:00Z', '2017-09-30T23:59:00Z', 29],
    ];

    // Act
    const answers = pairs.map(([period, a, b]) => {
      const [r] = runKql(
        `customEvents | summarize a = max(timestamp), b = min(timestamp) | project d = datetime_diff('${period}', a, b)`,
        { customEvents: [row('x', a), row('x', b)] },
      );
      return r!.d;
    });

    // Assess
    expect(answers).toEqual(pairs.map((p) => p[3]));
  });

  it('join kind=inner keeps every matching left row; innerunique one per key', () => {
    // Prepare
    const rows = [
      row('L', '2026-01-01T00:00:00Z', { k: 'a' }),
      row('L', '2026-01-01T00:00:01Z', { k: 'a' }),
      row('R', '2026-01-01T00:00:02Z', { k: 'a' }),
    ];
    const query = (kind: string) =>
      `let r = customEvents | where name == "R" | project k = tostring(customDimensions.k), rt = timestamp;
customEvents | where name == "L" | project k = tostring(customDimensions.k), lt = timestamp
| join ${kind} r on k`;

    // Act
    const inner = runKql(query('kind=inner'), { customEvents: rows });
    const unique = runKql(query(''), { customEvents: rows });

    // Assess
    expect(inner).toHaveLength(2);
    expect(unique).toHaveLength(1);
    expect(Object.keys(inner[0]!)).toEqual(['k', 'lt', 'k1', 'rt']);
  });

  it('summarize by a named key, arg_max, integer and real division, order by desc', () => {
    // Prepare
    const rows = [
      row('E', '2026-01-01T00:00:00Z', { g: 'a', s: 'old' }),
      row('E', '2026-01-01T00:10:00Z', { g: 'a', s: 'new' }),
      row('E', '2026-01-01T00:05:00Z', { g: 'b', s: 'only' }),
    ];

    // Act
    const result = runKql(
      `customEvents
| summarize n = count(), arg_max(timestamp, s = tostring(customDimensions.s)) by group = tostring(customDimensions.g)
| extend longs = 7 / 2, reals = 7 / 2.0, rounded = round(2.25, 1)
| order by n`,
      { customEvents: rows },
    );

    // Assess
    expect(result).toEqual([
      {
        group: 'a',
        n: 2,
        timestamp: new Date('2026-01-01T00:10:00Z'),
        s: 'new',
        longs: 3,
        reals: 3.5,
        rounded: 2.3,
      },
      {
        group: 'b',
        n: 1,
        timestamp: new Date('2026-01-01T00:05:00Z'),
        s: 'only',
        longs: 3,
        reals: 3.5,
        rounded: 2.3,
      },
    ]);
  });

  it('round() answers the documented examples', () => {
    // Act
    const [r] = runKql(
      'customEvents | project a = round(2.98765, 3), b = round(2.15, 1), c = round(2.15), d = round(-50.55, -2), e = round(21.5, -1)',
      { customEvents: [row('x', '2026-01-01T00:00:00Z')] },
    );

    // Assess
    expect(r).toEqual({ a: 2.988, b: 2.2, c: 2, d: -100, e: 20 });
  });

  it('refuses a query that does not check, and what it does not support', () => {
    expect(() => runKql('customEvents | project timestmp', { customEvents: [] })).toThrow(
      /does not check: The name 'timestmp'/,
    );
    expect(() => runKql('customEvents | distinct name', { customEvents: [] })).toThrow(/not supported/);
  });
});
