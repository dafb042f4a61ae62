/**
 * What a run asked ARM for, from the sandbox's request log: how many requests, how many reads of a
 * resource that had already been read (discovery promises one read per resource), how many writes,
 * Run Commands, and how many answers were throttles or server errors (each one a retry).
 */
import type { RequestLogEntry } from '../src/sandbox/server';

/** Counts over one request log. */
export interface RequestCounts {
  requests: number;
  /** GETs of a path already read with a success (a retry after a 429/5xx is not a duplicate). */
  duplicateReads: number;
  /** PUT and DELETE requests. */
  writes: number;
  /** POSTs to `.../runCommand`. */
  runCommands: number;
  /** 429 answers. */
  throttled: number;
  /** 500 and 503 answers. */
  serverErrors: number;
}

/** Counts the log's entries; paths compare case-insensitively, as ARM ids do. */
export function countRequests(log: readonly RequestLogEntry[]): RequestCounts {
  const readOk = new Set<string>();
  let duplicateReads = 0;
  for (const entry of log) {
    if (entry.method !== 'GET' || entry.status >= 300) continue;
    const key = entry.path.toLowerCase();
    if (readOk.has(key)) duplicateReads += 1;
    readOk.add(key);
  }
  return {
    requests: log.length,
    duplicateReads,
    writes: log.filter((e) => e.method === 'PUT' || e.method === 'DELETE').length,
    runCommands: log.filter((e) => e.method === 'POST' && /\/runCommand$/i.test(e.path)).length,
    throttled: log.filter((e) => e.status === 429).length,
    serverErrors: log.filter((e) => e.status === 500 || e.status === 503).length,
  };
}
