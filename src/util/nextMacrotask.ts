/**
 * One turn of the event loop (a `setImmediate`): what was started before it (a request written to
 * its socket, a timer made due) gets to run before the work that follows.
 */
export const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
