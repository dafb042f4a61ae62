/**
 * What every `--help` ends with: examples that run as written from the repository (after
 * `npm run build`; `probe-doctor` itself once `npm link` has put it on PATH), the command's own exit
 * codes, and the environment variables it reads (docs/configuration.md has them all).
 */
import type { Command } from 'commander';

const LB =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders-prod/providers/Microsoft.Network/loadBalancers/lbi-orders-prod';
const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000';

/** What one command's `--help` adds after its options. */
export interface CommandHelp {
  examples: string[];
  exitCodes: string[];
  environment: string[];
}

const BAD_INPUT = '  2  bad input (the one line on stderr names the option or file and what was wrong)';

const LIVE_CREDENTIAL =
  '  AZURE_* (DefaultAzureCredential)  credentials for live Azure (az login works too); unused with --scenario';

/** Each command's examples, exit codes and environment variables. */
export const COMMAND_HELP: Record<string, CommandHelp> = {
  diagnose: {
    examples: [
      '  node bin/probe-doctor.js diagnose --scenario scenarios/nsg-deny-all-blocks-probe.json',
      '  node bin/probe-doctor.js diagnose --scenario scenarios/nsg-deny-all-blocks-probe.json --format markdown --out report.md',
      '  node bin/probe-doctor.js diagnose --scenario scenarios/nsg-deny-all-blocks-probe.json --fix --format html --out report.html',
      `  node bin/probe-doctor.js diagnose --load-balancer ${LB} --json`,
      `  node bin/probe-doctor.js diagnose --cloud AzureUSGovernment --load-balancer ${LB}`,
      `  node bin/probe-doctor.js diagnose --arm-endpoint https://management.local.azurestack.external --ca-file ca.pem --load-balancer ${LB}`,
    ],
    exitCodes: [
      '  0  healthy or resolved',
      '  1  a person must act: action-required, awaiting-approval or escalated',
      '  2  bad input, or an error or a deadline that stopped the run (one line says what to do next)',
      '  130  interrupted (Ctrl-C): what was written stays, validation did not run',
    ],
    environment: [
      '  PROBE_DOCTOR_OPT_IN_FIXES        VM fixes --fix may apply: start-vm, guest-firewall-allow (default none)',
      '  PROBE_DOCTOR_APPROVAL_REQUIRED_FOR  fixes that wait for --approve (default start-vm,guest-firewall-allow)',
      '  PROBE_DOCTOR_ROLLBACK_ON_FAILURE take out a rule that did not help (default true)',
      '  PROBE_DOCTOR_PROBE_WAIT_MARGIN_SECONDS  extra wait beyond probe interval x threshold (default 0)',
      '  PROBE_DOCTOR_RUN_DEADLINE_SECONDS  the most a run may take, approval wait excluded (default 1800)',
      '  PROBE_DOCTOR_ACTIVITY_DEADLINE_SECONDS  the most one step may take, retries included (default 600)',
      '  PROBE_DOCTOR_ESCALATION_SUBMIT   submit the support ticket (default false; needs PROBE_DOCTOR_ESCALATION_CONTACT_*)',
      '  PROBE_DOCTOR_ALWAYS_SPARKPLUG    true: V8 compiles code at its first call (default false here, true in the app)',
      '  APPLICATIONINSIGHTS_CONNECTION_STRING  also send the audit trail to Application Insights',
      LIVE_CREDENTIAL,
    ],
  },
  audit: {
    examples: [
      '  node bin/probe-doctor.js audit --file probe-doctor-audit.jsonl',
      '  node bin/probe-doctor.js audit --file probe-doctor-audit.jsonl --run <run id> --format markdown',
    ],
    exitCodes: [
      '  0  the timeline (or the report) was printed',
      '  2  the file cannot be read, holds no events, or has no run with that id',
    ],
    environment: [
      '  PROBE_DOCTOR_AUDIT_LOG_FILE  the audit file when --file is not given (the file the app writes)',
    ],
  },
  sandbox: {
    examples: ['  node bin/probe-doctor.js sandbox --scenario scenarios/healthy.json --port 8443'],
    exitCodes: [
      '  0  stopped with Ctrl-C (SIGINT) or SIGTERM',
      '  2  the scenario file is malformed (the error names the JSON path) or the port is invalid',
    ],
    environment: ['  (none: any bearer token is accepted; the CA certificate file is printed at start)'],
  },
  sweep: {
    examples: [
      `  node bin/probe-doctor.js sweep --scope ${SUB} --scenario scenarios/shared-nsg-two-lbs.json`,
      `  node bin/probe-doctor.js sweep --scope ${SUB}/resourceGroups/rg-orders-prod --json`,
      `  node bin/probe-doctor.js sweep --scope ${SUB} --fix --concurrency 4 --audit-log sweep-audit.jsonl`,
    ],
    exitCodes: [
      '  0  every load balancer in scope was read and none has a backend down (or every scope exists, is readable and holds none: "nothing to check")',
      '  1  a backend is down, a load balancer cannot be read, or a remediation could not be started',
      BAD_INPUT,
      '  2  also: a --scope that does not exist or that this identity cannot read (SCOPE NOT VISIBLE; the report is still printed)',
    ],
    environment: [
      '  PROBE_DOCTOR_OPT_IN_FIXES, PROBE_DOCTOR_APPROVAL_REQUIRED_FOR, PROBE_DOCTOR_ROLLBACK_ON_FAILURE  as for diagnose (the runs it starts)',
      '  PROBE_DOCTOR_RUN_DEADLINE_SECONDS, PROBE_DOCTOR_ACTIVITY_DEADLINE_SECONDS  as for diagnose',
      '  PROBE_DOCTOR_ALWAYS_SPARKPLUG  as for diagnose (a sweep of many load balancers may gain from true)',
      '  APPLICATIONINSIGHTS_CONNECTION_STRING  also send the audit trail to Application Insights',
      LIVE_CREDENTIAL,
      "  (the app's timer reads PROBE_DOCTOR_SWEEP_SCHEDULE, PROBE_DOCTOR_SWEEP_CONCURRENCY and PROBE_DOCTOR_ALLOWED_SCOPES)",
    ],
  },
  'check-change': {
    examples: [
      '  node bin/probe-doctor.js check-change --plan examples/check-change/plan.json --scenario scenarios/healthy.json',
      '  node bin/probe-doctor.js check-change --what-if whatif.json --scenario scenarios/nsg-deny-all-blocks-probe.json --format markdown',
      `  node bin/probe-doctor.js check-change --plan plan.json --scope ${SUB}/resourceGroups/rg-orders-prod`,
      `  node bin/probe-doctor.js check-change --plan plan.json --scope ${SUB} --arm-endpoint https://management.local.azurestack.external --ca-file ca.pem`,
    ],
    exitCodes: [
      '  0  no probe the change touches stops reaching its backends',
      '  1  a probe would break, or part of the change cannot be decided before apply',
      BAD_INPUT,
    ],
    environment: [
      LIVE_CREDENTIAL.replace('unused with --scenario', 'read only with --scope'),
      '  (plan.json: terraform show -json plan.out > plan.json; whatif.json: az deployment group what-if --no-pretty-print)',
    ],
  },
};

/** Appends examples, exit codes and environment variables to the program's and each command's help. */
export function addHelpTexts(program: Command): void {
  program.addHelpText(
    'after',
    [
      '',
      'Examples (from the repository after `npm run build`; `npm link` makes `probe-doctor` a command):',
      ...Object.values(COMMAND_HELP).map((help) => help.examples[0] ?? ''),
      '',
      "Exit codes: 0 nothing needs doing, 1 a person must act, 2 bad input or an error; each command's --help says exactly.",
      '',
      "Environment: see each command's --help and docs/configuration.md.",
    ].join('\n'),
  );
  for (const command of program.commands) {
    const help = COMMAND_HELP[command.name()];
    if (!help) throw new Error(`command ${command.name()} has no help text in src/cli/helpText.ts`);
    command.addHelpText(
      'after',
      [
        '',
        'Examples:',
        ...help.examples,
        '',
        'Exit codes:',
        ...help.exitCodes,
        '',
        'Environment:',
        ...help.environment,
      ].join('\n'),
    );
  }
}
