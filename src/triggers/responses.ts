import { HttpResponse, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import type { OrchestrationClient } from './client';

/** A JSON error body: `{ error: { code, message } }`. */
export function errorResponse(status: number, code: string, message: string): HttpResponseInit {
  return { status, jsonBody: { error: { code, message } } };
}

/** The durable check-status response, re-issued with another status and extra body fields. */
export async function statusResponse(
  client: OrchestrationClient,
  request: HttpRequest,
  instanceId: string,
  status: number,
  extra: Record<string, unknown>,
): Promise<HttpResponse> {
  const check = client.createCheckStatusResponse(request, instanceId);
  const payload = (await check.json()) as Record<string, unknown>;
  return new HttpResponse({ status, headers: check.headers, jsonBody: { ...extra, ...payload } });
}

/** The request body as JSON; undefined for an empty body; throws on malformed JSON. */
export async function readJson(request: HttpRequest): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') return undefined;
  return JSON.parse(text) as unknown;
}
