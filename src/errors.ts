/**
 * One base error for probe-doctor, with named subclasses that carry context and keep `cause`.
 * Callers branch on the type guards, never on message text.
 */
export class ProbeDoctorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input from a person or a file is wrong: a bad resource id, a malformed scenario, a bad flag. */
export class InvalidInputError extends ProbeDoctorError {
  constructor(
    message: string,
    /** Where the bad value was found, e.g. a JSON path (`$.resources[3].id`) or an option name. */
    readonly where?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A setting is missing or malformed; names the setting. */
export class ConfigurationError extends ProbeDoctorError {
  constructor(
    readonly setting: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A call to Azure (or the sandbox) failed in a way the caller could not absorb. */
export class AzureCallError extends ProbeDoctorError {
  constructor(
    message: string,
    readonly resourceId: string | undefined,
    readonly statusCode: number | undefined,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A failure a person must act on before anything can work: no credential, a missing role action, an id
 * that names nothing. Its message is one line ending with the next step; it is never retried.
 */
export class ActionableError extends ProbeDoctorError {
  constructor(
    readonly kind: 'credential' | 'authorization' | 'not-found' | 'untrusted-certificate',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A value that would reach a Run Command script failed validation. */
export class UnsafeScriptValueError extends ProbeDoctorError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

export const isProbeDoctorError = (e: unknown): e is ProbeDoctorError => e instanceof ProbeDoctorError;
export const isInvalidInputError = (e: unknown): e is InvalidInputError => e instanceof InvalidInputError;
export const isConfigurationError = (e: unknown): e is ConfigurationError => e instanceof ConfigurationError;
export const isAzureCallError = (e: unknown): e is AzureCallError => e instanceof AzureCallError;
export const isActionableError = (e: unknown): e is ActionableError => e instanceof ActionableError;
export const isUnsafeScriptValueError = (e: unknown): e is UnsafeScriptValueError =>
  e instanceof UnsafeScriptValueError;

/** Turns any thrown value into an Error, so callers can rely on `.message`. */
export function ensureError(err: unknown): Error {
  if (err instanceof Error) return err;
  if (typeof err === 'string') return new Error(err);
  try {
    return new Error(JSON.stringify(err));
  } catch {
    return new Error(String(err));
  }
}
