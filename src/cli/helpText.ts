/**
 * What every `--help` ends with: examples that run as written from the repository (after
 * `npm run build`; `probe-doctor` itself once `npm link` has put it on PATH), the exit codes, and the
 * environment variables the command reads (docs/configuration.md has them all).
 */
import type { Command } from 'commander';

const LB =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders-prod/providers/Microsoft.Network/loadBalancers/lbi-orders-prod';

const EXIT_CODES = [
  'Exit codes:',
  '  0  healthy or resolved',
  '  1  escalated or awaiting approval (a person must act)',
  '  2  bad input, or an error that stopped the run',
];

const EXAMPLES: Record<string, string[]> = {
  diagnose: [
    '  node bin/probe-doctor.js diagnose --scenario scenarios/nsg-deny-all-blocks-probe.json',
    '  node bin/probe-doctor.js diagnose --scenario scenarios/nsg-deny-all-blocks-probe.json --format markdown --out report.md',
    '  node bin/probe-doctor.js diagnose --scenario scenarios/nsg-deny-all-blocks-probe.json --fix --format html --out report.html',
    `  node bin/probe-doctor.js diagnose --load-balancer ${LB} --json`,
  ],
  audit: [
    '  node bin/probe-doctor.js audit --file probe-doctor-audit.jsonl',
    '  node bin/probe-doctor.js audit --file probe-doctor-audit.jsonl --run <run id> --format markdown',
  ],
  sandbox: ['  node bin/probe-doctor.js sandbox --scenario scenarios/healthy.json --port 8443'],
};

const ENVIRONMENT: Record<string, string[]> = {
  diagnose: [
    '  PROBE_DOCTOR_OPT_IN_FIXES        VM fixes --fix may apply: start-vm, guest-firewall-allow (default none)',
    '  PROBE_DOCTOR_APPROVAL_REQUIRED_FOR  fixes that wait for --approve (default start-vm,guest-firewall-allow)',
    '  PROBE_DOCTOR_ROLLBACK_ON_FAILURE take out a rule that did not help (default true)',
    '  PROBE_DOCTOR_PROBE_WAIT_MARGIN_SECONDS  extra wait for the probe to re-evaluate (default 30)',
    '  PROBE_DOCTOR_ESCALATION_SUBMIT   submit the support ticket (default false; needs PROBE_DOCTOR_ESCALATION_CONTACT_*)',
    '  APPLICATIONINSIGHTS_CONNECTION_STRING  also send the audit trail to Application Insights',
    '  AZURE_* (DefaultAzureCredential)  credentials for live Azure (az login works too); unused with --scenario',
  ],
  audit: ['  (none: the audit file is named with --file; the app writes it to PROBE_DOCTOR_AUDIT_LOG_FILE)'],
  sandbox: ['  (none)'],
};

/** Appends examples, exit codes and environment variables to the program's and each command's help. */
export function addHelpTexts(program: Command): void {
  program.addHelpText(
    'after',
    [
      '',
      'Examples (from the repository after `npm run build`; `npm link` makes `probe-doctor` a command):',
      ...Object.values(EXAMPLES).map((lines) => lines[0] ?? ''),
      '',
      ...EXIT_CODES,
      '',
      "Environment: see each command's --help and docs/configuration.md.",
    ].join('\n'),
  );
  for (const command of program.commands) {
    const name = command.name();
    command.addHelpText(
      'after',
      [
        '',
        'Examples:',
        ...(EXAMPLES[name] ?? [`  node bin/probe-doctor.js ${name} --help`]),
        '',
        ...EXIT_CODES,
        '',
        'Environment:',
        ...(ENVIRONMENT[name] ?? ['  see docs/configuration.md']),
      ].join('\n'),
    );
  }
}
