/**
 * The durable client the HTTP triggers use, over the local durable host: the demo and tests send an
 * alert through the real trigger handler and the run starts on the local host, as the Functions
 * host would start it.
 */
import { HttpResponse, type HttpRequest } from '@azure/functions';
import type { OrchestrationClient } from '../../triggers/client';
import type { LocalDurableHost } from './localDurableHost';

export class LocalDurableClient implements OrchestrationClient {
  constructor(
    private readonly host: LocalDurableHost,
    /** Base of the status URLs, as the Functions host would print them. */
    private readonly baseUrl = 'http://127.0.0.1:7071',
  ) {}

  async startNew(name: string, options: { instanceId?: string; input?: unknown } = {}): Promise<string> {
    const instanceId = options.instanceId ?? `local-${Date.now().toString(36)}`;
    await this.host.start(name, instanceId, options.input);
    return instanceId;
  }

  /** Like the real client, an unknown instance is an HTTP 404 error. */
  getStatus(instanceId: string): Promise<{ runtimeStatus: string; customStatus?: unknown; input?: unknown }> {
    const status = this.host.getStatus(instanceId);
    if (!status) {
      return Promise.reject(
        new Error(`Durable Functions extension replied with HTTP 404 response for ${instanceId}.`),
      );
    }
    return Promise.resolve({
      runtimeStatus: status.runtimeStatus,
      customStatus: status.customStatus,
      input: status.input,
    });
  }

  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void> {
    return this.host.raiseEvent(instanceId, eventName, eventData);
  }

  createCheckStatusResponse(_request: HttpRequest | undefined, instanceId: string): HttpResponse {
    const statusQueryGetUri = `${this.baseUrl}/runtime/webhooks/durabletask/instances/${instanceId}`;
    return new HttpResponse({
      status: 202,
      headers: { Location: statusQueryGetUri },
      jsonBody: {
        id: instanceId,
        statusQueryGetUri,
        sendEventPostUri: `${statusQueryGetUri}/raiseEvent/{eventName}`,
        terminatePostUri: `${statusQueryGetUri}/terminate?reason={text}`,
        purgeHistoryDeleteUri: statusQueryGetUri,
      },
    });
  }
}
