import { loadConfig, parseScope } from '../src/config';
import { ConfigurationError } from '../src/errors';

const SUB = '11111111-2222-3333-4444-555555555555';

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    // Act
    const config = loadConfig({});

    // Assess
    expect(config).toEqual({
      mode: 'observe',
      allowedScopes: [],
      approvalRequiredFor: ['start-vm', 'guest-firewall-allow'],
      approvalTimeoutMinutes: 60,
      rollbackOnFailure: true,
      optInFixes: [],
      probeWaitMarginSeconds: 0,
      fanoutBatchSize: 20,
      runDeadlineSeconds: 1800,
      activityDeadlineSeconds: 600,
      escalationSubmit: false,
      escalationContact: {},
      escalationDiagnosticConsent: 'No',
      sweepConcurrency: 8,
    });
  });

  it.each([
    ['PROBE_DOCTOR_MODE', 'fix', { mode: 'fix' }],
    ['PROBE_DOCTOR_MODE', ' ', { mode: 'observe' }],
    ['PROBE_DOCTOR_ALLOWED_SCOPES', `${SUB}`, { allowedScopes: [{ subscriptionId: SUB }] }],
    [
      'PROBE_DOCTOR_ALLOWED_SCOPES',
      `/subscriptions/${SUB.toUpperCase()}/resourceGroups/rg-web, /subscriptions/${SUB}`,
      { allowedScopes: [{ subscriptionId: SUB, resourceGroup: 'rg-web' }, { subscriptionId: SUB }] },
    ],
    ['PROBE_DOCTOR_APPROVAL_REQUIRED_FOR', 'nsg-allow-probe', { approvalRequiredFor: ['nsg-allow-probe'] }],
    ['PROBE_DOCTOR_APPROVAL_REQUIRED_FOR', 'none', { approvalRequiredFor: [] }],
    ['PROBE_DOCTOR_APPROVAL_TIMEOUT_MINUTES', '15', { approvalTimeoutMinutes: 15 }],
    ['PROBE_DOCTOR_ROLLBACK_ON_FAILURE', 'FALSE', { rollbackOnFailure: false }],
    [
      'PROBE_DOCTOR_OPT_IN_FIXES',
      'start-vm,guest-firewall-allow',
      { optInFixes: ['start-vm', 'guest-firewall-allow'] },
    ],
    ['PROBE_DOCTOR_PROBE_WAIT_MARGIN_SECONDS', '0', { probeWaitMarginSeconds: 0 }],
    ['PROBE_DOCTOR_FANOUT_BATCH_SIZE', '50', { fanoutBatchSize: 50 }],
    ['PROBE_DOCTOR_RUN_DEADLINE_SECONDS', '120', { runDeadlineSeconds: 120 }],
    ['PROBE_DOCTOR_ACTIVITY_DEADLINE_SECONDS', '5', { activityDeadlineSeconds: 5 }],
    ['PROBE_DOCTOR_SWEEP_SCHEDULE', '0 0 */6 * * *', { sweepSchedule: '0 0 */6 * * *' }],
    ['PROBE_DOCTOR_SWEEP_CONCURRENCY', '16', { sweepConcurrency: 16 }],
    ['PROBE_DOCTOR_ALWAYS_SPARKPLUG', ' False ', { alwaysSparkplug: false }],
    ['PROBE_DOCTOR_AUDIT_LOG_FILE', '/tmp/audit.jsonl', { auditLogFile: '/tmp/audit.jsonl' }],
    [
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
      'InstrumentationKey=00000000-0000-0000-0000-000000000000',
      { applicationInsightsConnectionString: 'InstrumentationKey=00000000-0000-0000-0000-000000000000' },
    ],
  ])('reads %s=%j', (name, value, expected) => {
    // Act
    const config = loadConfig({ [name]: value });

    // Assess
    expect(config).toMatchObject(expected);
  });

  it.each([
    [
      'PROBE_DOCTOR_MODE',
      'repair',
      'Setting PROBE_DOCTOR_MODE is invalid: expected observe or fix (got "repair").',
    ],
    [
      'PROBE_DOCTOR_ALLOWED_SCOPES',
      'my-subscription',
      'Setting PROBE_DOCTOR_ALLOWED_SCOPES is invalid: "my-subscription" is neither a subscription id nor /subscriptions/<id>/resourceGroups/<name> (got "my-subscription").',
    ],
    [
      'PROBE_DOCTOR_APPROVAL_REQUIRED_FOR',
      'start-vm,reboot',
      'Setting PROBE_DOCTOR_APPROVAL_REQUIRED_FOR is invalid: unknown fix kind "reboot"; allowed: nsg-allow-probe, start-vm, guest-firewall-allow (got "start-vm,reboot").',
    ],
    [
      'PROBE_DOCTOR_OPT_IN_FIXES',
      'nsg-allow-probe',
      'Setting PROBE_DOCTOR_OPT_IN_FIXES is invalid: unknown fix kind "nsg-allow-probe"; allowed: start-vm, guest-firewall-allow (got "nsg-allow-probe").',
    ],
    [
      'PROBE_DOCTOR_APPROVAL_TIMEOUT_MINUTES',
      '1.5',
      'Setting PROBE_DOCTOR_APPROVAL_TIMEOUT_MINUTES is invalid: expected a whole number from 1 to 10080 (got "1.5").',
    ],
    [
      'PROBE_DOCTOR_APPROVAL_TIMEOUT_MINUTES',
      '0',
      'Setting PROBE_DOCTOR_APPROVAL_TIMEOUT_MINUTES is invalid: expected a whole number from 1 to 10080 (got "0").',
    ],
    [
      'PROBE_DOCTOR_FANOUT_BATCH_SIZE',
      '500',
      'Setting PROBE_DOCTOR_FANOUT_BATCH_SIZE is invalid: expected a whole number from 1 to 200 (got "500").',
    ],
    [
      'PROBE_DOCTOR_SWEEP_SCHEDULE',
      'every 6 hours',
      'Setting PROBE_DOCTOR_SWEEP_SCHEDULE is invalid: expected six NCRONTAB fields ({second} {minute} {hour} {day} {month} {day-of-week}) or empty (got "every 6 hours").',
    ],
    [
      'PROBE_DOCTOR_PROBE_WAIT_MARGIN_SECONDS',
      'soon',
      'Setting PROBE_DOCTOR_PROBE_WAIT_MARGIN_SECONDS is invalid: expected a whole number from 0 to 3600 (got "soon").',
    ],
    [
      'PROBE_DOCTOR_ROLLBACK_ON_FAILURE',
      'yes',
      'Setting PROBE_DOCTOR_ROLLBACK_ON_FAILURE is invalid: expected true or false (got "yes").',
    ],
    [
      'PROBE_DOCTOR_ALWAYS_SPARKPLUG',
      'off',
      'Setting PROBE_DOCTOR_ALWAYS_SPARKPLUG is invalid: expected true or false (got "off").',
    ],
    [
      'PROBE_DOCTOR_ESCALATION_CONTACT_EMAIL',
      'ops-at-example',
      'Setting PROBE_DOCTOR_ESCALATION_CONTACT_EMAIL is invalid: expected an email address (got "ops-at-example").',
    ],
  ])('rejects %s=%j naming the setting', (name, value, message) => {
    // Act
    const act = () => loadConfig({ [name]: value });

    // Assess
    expect(act).toThrow(message);
    try {
      act();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigurationError);
      expect((err as ConfigurationError).setting).toBe(name);
    }
  });

  it('requires ALLOWED_SCOPES when asked (the Functions app)', () => {
    // Act
    const act = () => loadConfig({}, { requireAllowedScopes: true });

    // Assess
    expect(act).toThrow(
      'Setting PROBE_DOCTOR_ALLOWED_SCOPES is required: list the subscription ids or /subscriptions/<id>/resourceGroups/<name> scopes probe-doctor may act on.',
    );
  });

  it('requires the whole escalation contact when tickets are submitted', () => {
    // Prepare
    const env = {
      PROBE_DOCTOR_ESCALATION_SUBMIT: 'true',
      PROBE_DOCTOR_ESCALATION_CONTACT_FIRST_NAME: 'Ada',
      PROBE_DOCTOR_ESCALATION_CONTACT_LAST_NAME: 'Lovelace',
    };

    // Act
    const act = () => loadConfig(env);

    // Assess
    expect(act).toThrow(
      'Setting PROBE_DOCTOR_ESCALATION_CONTACT_EMAIL is required when PROBE_DOCTOR_ESCALATION_SUBMIT is true (a support ticket needs a contact).',
    );
  });

  it('reads a complete escalation contact', () => {
    // Prepare
    const env = {
      PROBE_DOCTOR_ESCALATION_SUBMIT: 'true',
      PROBE_DOCTOR_ESCALATION_CONTACT_FIRST_NAME: 'Ada',
      PROBE_DOCTOR_ESCALATION_CONTACT_LAST_NAME: 'Lovelace',
      PROBE_DOCTOR_ESCALATION_CONTACT_EMAIL: 'ada@example.com',
      PROBE_DOCTOR_ESCALATION_CONTACT_COUNTRY: 'GBR',
      PROBE_DOCTOR_ESCALATION_CONTACT_TIMEZONE: 'GMT Standard Time',
      PROBE_DOCTOR_ESCALATION_CONTACT_LANGUAGE: 'en-us',
    };

    // Act
    const config = loadConfig(env);

    // Assess
    expect(config.escalationContact).toEqual({
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      country: 'GBR',
      timeZone: 'GMT Standard Time',
      language: 'en-us',
    });
  });
});

describe('parseScope', () => {
  it.each([
    [SUB, { subscriptionId: SUB }],
    [`/subscriptions/${SUB}/`, { subscriptionId: SUB }],
    [`/subscriptions/${SUB}/resourceGroups/rg`, { subscriptionId: SUB, resourceGroup: 'rg' }],
    ['/subscriptions/not-a-guid', undefined],
    [`/subscriptions/${SUB}/resourceGroups/rg/providers/x`, undefined],
  ])('parses %s', (text, expected) => {
    // Act / Assess
    expect(parseScope(text)).toEqual(expected);
  });
});
