import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kqlChecker } from './kustoChecker';

const QUERY_DIR = join(__dirname, '..', '..', 'infra', 'queries');
const queryFiles = readdirSync(QUERY_DIR)
  .filter((f) => f.endsWith('.kql'))
  .sort();

describe('the audit KQL queries', () => {
  it('are all there', () => {
    expect(queryFiles).toEqual([
      'changes.kql',
      'escalations.kql',
      'expected-down.kql',
      'load-balancers-down.kql',
      'mttr-per-load-balancer.kql',
      'rejected-alerts.kql',
      'run-timeline.kql',
      'runs.kql',
    ]);
  });

  it.each(queryFiles)('%s parses and binds against customEvents with no diagnostics', (file) => {
    // Prepare
    const query = readFileSync(join(QUERY_DIR, file), 'utf8');

    // Act
    const diagnostics = kqlChecker()(query);

    // Assess
    expect(diagnostics).toEqual([]);
  });
});

describe('the KQL checker', () => {
  it.each([
    [
      'a misspelled column',
      'customEvents | project timestmp',
      "The name 'timestmp' does not refer to any known column, table, variable or function.",
    ],
    [
      'a misspelled table',
      'customEvnts | take 1',
      "The name 'customEvnts' does not refer to any known table, tabular variable or function.",
    ],
    ['a syntax error', 'customEvents | where (name == "x"', 'Expected: )'],
  ])('reports %s', (_case, query, message) => {
    // Act
    const diagnostics = kqlChecker()(query);

    // Assess
    expect(diagnostics.map((d) => d.message)).toContain(message);
  });

  it('catches a misspelled column in a real query', () => {
    // Prepare
    const query = readFileSync(join(QUERY_DIR, 'changes.kql'), 'utf8').replace(
      'order by timestamp',
      'order by timestmp',
    );

    // Act
    const diagnostics = kqlChecker()(query);

    // Assess
    expect(diagnostics.map((d) => d.message)).toEqual([
      "The name 'timestmp' does not refer to any known column, table, variable or function.",
    ]);
  });
});
