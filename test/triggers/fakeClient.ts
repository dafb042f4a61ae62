import { HttpResponse, type HttpRequest } from '@azure/functions';
import type { OrchestrationClient } from '../../src/triggers/client';

/** An in-memory durable client: records starts and events; `getStatus` 404s like the real one. */
export class FakeClient implements OrchestrationClient {
  readonly started: { name: string; instanceId?: string; input?: unknown }[] = [];
  readonly raised: { instanceId: string; name: string; data: unknown }[] = [];
  readonly statuses = new Map<string, string>();
  readonly inputs = new Map<string, unknown>();

  startNew(name: string, options?: { instanceId?: string; input?: unknown }): Promise<string> {
    this.started.push({ name, ...options });
    const id = options?.instanceId ?? 'generated';
    this.statuses.set(id, 'Pending');
    this.inputs.set(id, options?.input);
    return Promise.resolve(id);
  }

  /** Like the real client, the status carries the instance's input. */
  getStatus(instanceId: string): Promise<{ runtimeStatus: string; input?: unknown }> {
    const runtimeStatus = this.statuses.get(instanceId);
    if (!runtimeStatus) {
      return Promise.reject(
        new Error('DurableClient error: Durable Functions extension replied with HTTP 404 response.'),
      );
    }
    const input = this.inputs.get(instanceId);
    return Promise.resolve(input === undefined ? { runtimeStatus } : { runtimeStatus, input });
  }

  raiseEvent(instanceId: string, name: string, data: unknown): Promise<void> {
    this.raised.push({ instanceId, name, data });
    return Promise.resolve();
  }

  createCheckStatusResponse(_request: HttpRequest | undefined, instanceId: string): HttpResponse {
    const statusQueryGetUri = `http://127.0.0.1:7071/runtime/webhooks/durabletask/instances/${instanceId}`;
    return new HttpResponse({
      status: 202,
      headers: { Location: statusQueryGetUri },
      jsonBody: {
        id: instanceId,
        statusQueryGetUri,
        sendEventPostUri: `${statusQueryGetUri}/raiseEvent/{eventName}`,
      },
    });
  }
}
