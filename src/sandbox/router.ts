/**
 * A small case-insensitive router: ARM paths are matched against templates such as
 * `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/loadBalancers/{lb}`, first
 * match wins, so specific routes go before the generic resource GET and list.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** A parsed request, as handlers see it. */
export interface ArmRequest {
  method: string;
  /** Decoded path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when there was none). */
  body: unknown;
  /** Sandbox time (ms) the request arrived, before its ARM latency; operations start then. */
  receivedAtMs?: number;
}

/** A handler's answer; the server adds the common headers. */
export interface ArmResponse {
  status: number;
  body?: unknown;
  /**
   * `body` already serialized, or being serialized (slicing.ts), when the handler answers with state
   * it must not copy or with a result serialized ahead: the server sends this text (or these UTF-8
   * bytes of it, encoded ahead: storedJson.ts) instead of serializing `body`.
   */
  json?: string | Buffer | Promise<string | Buffer>;
  headers?: Record<string, string>;
}

export type RouteParams = Readonly<Record<string, string>>;

export interface Route<C> {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly keys: readonly string[];
  readonly handle: (ctx: C, req: ArmRequest, params: RouteParams) => ArmResponse | Promise<ArmResponse>;
}

/**
 * Compiles a template: `{name}` matches one path segment, `{name*}` a whole resource id
 * (`/subscriptions/...`, shortest match) inside a longer path. Literal segments match
 * case-insensitively, as ARM does.
 */
export function route<C>(method: string, template: string, handle: Route<C>['handle']): Route<C> {
  const keys: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const m = /^\{(\w+)(\*?)\}$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      keys.push(m[1] as string);
      return m[2] ? '(/subscriptions/.+?)' : '([^/]+)';
    })
    .join('/');
  return { method: method.toUpperCase(), template, pattern: new RegExp(`^${source}/?$`, 'i'), keys, handle };
}

/** The first route matching the method and path, with its parameters. */
export function matchRoute<C>(
  routes: readonly Route<C>[],
  method: string,
  path: string,
): { route: Route<C>; params: RouteParams } | undefined {
  for (const r of routes) {
    if (r.method !== method.toUpperCase()) continue;
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => (params[k] = m[i + 1] as string));
    return { route: r, params };
  }
  return undefined;
}

/** The request's api-version (the server has already refused requests without one). */
export function apiVersionOf(req: ArmRequest): string {
  return req.query.get('api-version') ?? '';
}

/** A request header's value (the first, if sent twice); `name` in lower case, as Node gives them. */
export function headerOf(req: ArmRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
