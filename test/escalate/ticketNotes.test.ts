/** The support ticket's description carries the report's notes (a real run of a shipped scenario). */
import { runScenario } from '../helpers/scenarioReports';

describe('support ticket notes', () => {
  it('carries the TCP timestamps note of the backend nothing explained', async () => {
    // Prepare
    const { report } = await runScenario('hidden-failure-unknown');
    const note = report.backends.flatMap((b) => b.notes ?? []).find((n) => n.id === 'tcp-timestamps');

    // Act
    const properties = (report.escalation?.supportTicket as { properties: { description: string } })
      .properties;

    // Assess
    expect(note).toBeDefined();
    expect(properties.description).toContain(`\nNotes:\n- 10.10.1.6: ${note!.summary}\n`);
  });
});
