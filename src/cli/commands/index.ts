import type { Command } from 'commander';
import type { CommandContext } from '../main';
import { registerAuditCommand } from './audit';
import { registerCheckChangeCommand } from './checkChange';
import { registerDiagnoseCommand } from './diagnose';
import { registerSandboxCommand } from './sandbox';
import { registerSweepCommand } from './sweep';

/** Every command module exports one of these. */
export type RegisterCommand = (program: Command, ctx: CommandContext) => void;

const commands: RegisterCommand[] = [
  registerDiagnoseCommand,
  registerSandboxCommand,
  registerAuditCommand,
  registerSweepCommand,
  registerCheckChangeCommand,
];

export function registerCommands(program: Command, ctx: CommandContext): void {
  for (const register of commands) register(program, ctx);
}
