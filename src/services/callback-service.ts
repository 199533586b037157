/**
 * Run callbacks: `callback_url` is checked when a send names it (422 OUTBOUND_URL_REFUSED) and
 * again when the run ends (a refusal then is logged, never thrown). Each callback is a JSON POST
 * through the {@link OutboundClient} signed with the organization's secret:
 * `X-Letta-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
 *
 * @example
 * await callbacks.check('https://hooks.example.com/runs'); // throws on 127.0.0.1, 10.x, 169.254.169.254 …
 * void callbacks.deliver(run);                               // after the run ended
 */
import { LettaError } from '../errors.js';
import type { Logger } from '../logger.js';
import { newCallbackSecret, SIGNATURE_HEADER, signCallback } from '../net/callback-signature.js';
import type { OutboundClient } from '../net/outbound-client.js';
import type { RunRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { RequestContext } from './context.js';

export class CallbackService {
  constructor(
    private readonly store: Store,
    private readonly outbound: OutboundClient,
    private readonly log: Logger,
  ) {}

  /** Refuses a callback URL given now (422) when the address policy would refuse it. */
  async check(url: string): Promise<void> {
    await this.outbound.check(url, 'callback_url');
  }

  /** The caller's organization's signing secret (created on first use; `rotate` replaces it). */
  async secret(ctx: RequestContext, rotate = false): Promise<string> {
    const secret = await this.store.organizations.callbackSecret(ctx.org, newCallbackSecret, rotate);
    if (!secret) throw new LettaError('NOT_FOUND', `organization '${ctx.org}' not found`);
    return secret;
  }

  /** The signing secret of organization `name` (the CLI's `letta keys callback-secret`). */
  async secretByName(name: string, rotate = false): Promise<{ organizationId: string; secret: string }> {
    const org = await this.store.organizations.getByName(name);
    if (!org) throw new LettaError('NOT_FOUND', `organization '${name}' not found`);
    return { organizationId: org.id, secret: await this.secret({ org: org.id }, rotate) };
  }

  /** POSTs the run's outcome to its `callback_url`; never throws (failures are logged). */
  async deliver(run: RunRecord): Promise<void> {
    if (!run.callback_url) return;
    const body = JSON.stringify({
      run_id: run.id,
      status: run.status,
      stop_reason: run.stop_reason,
      completed_at: run.completed_at,
      metadata: run.metadata,
    });
    try {
      const secret = await this.secret({ org: run.organization_id });
      const { status } = await this.outbound.post(run.callback_url, body, {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signCallback(secret, body),
      });
      if (status >= 300) this.log.warn({ run_id: run.id, status }, 'run callback answered with an error');
    } catch (err) {
      if (err instanceof LettaError && err.code === 'OUTBOUND_URL_REFUSED') {
        this.log.warn({ run_id: run.id, reason: err.message }, 'run callback refused');
      } else {
        this.log.warn({ err: (err as Error).message, run_id: run.id }, 'run callback failed');
      }
    }
  }
}
