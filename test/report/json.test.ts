/** The JSON format is the Report itself: scripts read it, so nothing may be added or dropped. */
import { renderJson } from '../../src/report/json';
import { renderReport } from '../../src/report/index';
import { runScenario } from '../helpers/scenarioReports';

describe('renderJson', () => {
  it('prints the report unchanged', async () => {
    // Prepare
    const { report } = await runScenario('nsg-deny-all-blocks-probe', 'fix');

    // Act
    const text = renderJson(report);

    // Assess
    expect(JSON.parse(text)).toEqual(report);
    expect(text.endsWith('}\n')).toBe(true);
    expect(renderReport('json', report, { durationMs: 5 })).toBe(text);
  });
});
