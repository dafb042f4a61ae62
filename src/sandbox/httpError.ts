/**
 * An ARM error answer. Thrown by the derived views and the guest simulator; the server turns it into
 * `{ "error": { "code", "message" } }` with the status, the way ARM does.
 */
export class SandboxHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** ARM's `error.details`: inner errors, each with its own code (e.g. the Network RP's 429). */
    readonly details: readonly { code: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'SandboxHttpError';
  }

  /** ARM's error body. */
  toBody(): { error: { code: string; message: string; details?: { code: string; message: string }[] } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details.length > 0 ? { details: [...this.details] } : {}),
      },
    };
  }
}

export const isSandboxHttpError = (e: unknown): e is SandboxHttpError => e instanceof SandboxHttpError;
