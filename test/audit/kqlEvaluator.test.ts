/**
 * The in-memory KQL evaluator (kqlEvaluator.ts) against Kusto's documented answers, so the query
 * tests over the recorded trail rest on Kusto's semantics, not on what the evaluator happens to do.
 * Sources: learn.microsoft.com/kusto/query — datetime-diff-function (its example's expected output),
 * join-operator (innerunique keeps one left row per key; inner keeps all), summarize-operator,
 * arg-max-aggregate-function, sort-operator (desc by default, nulls last), and the rule that a long
 * divided by a long is a long; join-leftouter and join-leftanti (their X/Y examples), case-function
 * (its Size buckets), iff-function, not-in-operator, and scalar-data-types/null-values (a null against
 * a value: == false, != true; the string type has no null, so an outer join leaves an empty string).
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

  /** The join-flavor examples' tables X (Key, Value1) and Y (Key, Value2) as customEvents rows. */
  const xy = [
    ...[
      ['a', 1],
      ['b', 2],
      ['b', 3],
      ['c', 4],
    ].map(([k, v]) => row('X', '2026-01-01T00:00:00Z', { Key: String(k), Value1: String(v) })),
    ...[
      ['b', 10],
      ['c', 20],
      ['c', 30],
      ['d', 40],
    ].map(([k, v]) => row('Y', '2026-01-01T00:00:00Z', { Key: String(k), Value2: String(v) })),
  ];
  const xyJoin = (kind: string) =>
    `let Y = customEvents | where name == "Y" | project Key = tostring(customDimensions.Key), Value2 = tolong(customDimensions.Value2);
customEvents | where name == "X" | project Key = tostring(customDimensions.Key), Value1 = tolong(customDimensions.Value1)
| join kind=${kind} Y on Key`;

  it('join kind=leftouter keeps the unmatched left row, its right columns null (empty for a string)', () => {
    // Act
    const result = runKql(xyJoin('leftouter'), { customEvents: xy });

    // Assess: the documented output, with Key1 '' and Value2 null for 'a'.
    expect(result).toEqual([
      { Key: 'a', Value1: 1, Key1: '', Value2: null },
      { Key: 'b', Value1: 2, Key1: 'b', Value2: 10 },
      { Key: 'b', Value1: 3, Key1: 'b', Value2: 10 },
      { Key: 'c', Value1: 4, Key1: 'c', Value2: 20 },
      { Key: 'c', Value1: 4, Key1: 'c', Value2: 30 },
    ]);
  });

  it('join kind=leftanti keeps only the left rows with no match, left columns only; leftsemi the others', () => {
    // Act
    const anti = runKql(xyJoin('leftanti'), { customEvents: xy });
    const semi = runKql(xyJoin('leftsemi'), { customEvents: xy });

    // Assess
    expect(anti).toEqual([{ Key: 'a', Value1: 1 }]);
    expect(semi).toEqual([
      { Key: 'b', Value1: 2 },
      { Key: 'b', Value1: 3 },
      { Key: 'c', Value1: 4 },
    ]);
  });

  it('case() takes the first true predicate, else the last argument; iff() its branch', () => {
    // Prepare: the documented example's sizes 1 to 15 step 2.
    const rows = [1, 3, 5, 7, 9, 11, 13, 15].map((n) =>
      row('x', '2026-01-01T00:00:00Z', { Size: String(n) }),
    );

    // Act
    const result = runKql(
      `customEvents | project Size = toint(customDimensions.Size)
| extend bucket = case(Size <= 3, "Small", Size <= 10, "Medium", "Large"), odd = iff(Size > 8, "big", "small")`,
      { customEvents: rows },
    );

    // Assess
    expect(result.map((r) => [r.Size, r.bucket, r.odd])).toEqual([
      [1, 'Small', 'small'],
      [3, 'Small', 'small'],
      [5, 'Medium', 'small'],
      [7, 'Medium', 'small'],
      [9, 'Medium', 'big'],
      [11, 'Large', 'big'],
      [13, 'Large', 'big'],
      [15, 'Large', 'big'],
    ]);
  });

  it('null values compare as documented; isnull, isempty, in and !in', () => {
    // Prepare: val 5 and an int null (the null-values example), and a string that is empty.
    const rows = [
      row('x', '2026-01-01T00:00:00Z', { val: '5', s: 'a' }),
      row('x', '2026-01-01T00:00:00Z', { s: '' }),
    ];

    // Act
    const result = runKql(
      `customEvents | project val = toint(customDimensions.val), s = tostring(customDimensions.s)
| extend IsBiggerThan3OrNull = val > 3 or isnull(val), IsEqualTo5 = val == 5, IsNotEqualTo5 = val != 5,
    empty = isempty(s), notEmpty = isnotempty(s), isIn = s in ("a", "b"), notIn = s !in ("a", "b"), caseless = "A" in~ ("a")`,
      { customEvents: rows },
    );

    // Assess
    expect(result).toEqual([
      {
        val: 5,
        s: 'a',
        IsBiggerThan3OrNull: true,
        IsEqualTo5: true,
        IsNotEqualTo5: false,
        empty: false,
        notEmpty: true,
        isIn: true,
        notIn: false,
        caseless: true,
      },
      {
        val: null,
        s: '',
        IsBiggerThan3OrNull: true,
        IsEqualTo5: false,
        IsNotEqualTo5: true,
        empty: true,
        notEmpty: false,
        isIn: false,
        notIn: true,
        caseless: true,
      },
    ]);
  });

  it('refuses a query that does not check, and what it does not support', () => {
    expect(() => runKql('customEvents | project timestmp', { customEvents: [] })).toThrow(
      /does not check: The name 'timestmp'/,
    );
    expect(() => runKql('customEvents | distinct name', { customEvents: [] })).toThrow(/not supported/);
  });
});
