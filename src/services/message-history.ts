/**
 * Reading stored messages as Letta typed messages, with the turns that did not complete marked
 * (`./failed-turns.ts`). In the V1 listings `limit` counts stored messages; one stored message can
 * show as several typed ones sharing its id, and some show as none (a `send_message` tool return):
 * a page that would come out empty although more messages exist reads on, so the SDK's
 * auto-pagination (which stops at `[]`) never ends early.
 */
import { LettaError } from '../errors.js';
import { type LettaMessage, toLettaMessages } from '../runtime/letta-messages.js';
import type { MessageListQuery } from '../store/message-repository.js';
import type { Store } from '../store/store.js';
import type { RequestContext } from './context.js';
import { markFailedTurns } from './failed-turns.js';

export type { MessageListQuery };

export class MessageHistory {
  constructor(private readonly store: Store) {}

  /**
   * A V1 page of typed messages (only `types` when given), reading on past pages that show as
   * nothing.
   */
  async listTyped(
    ctx: RequestContext,
    query: MessageListQuery,
    types?: readonly string[] | null,
  ): Promise<LettaMessage[]> {
    // With only `before` the SDK pages backwards: an empty page reads on towards older messages.
    const backwards = query.before !== undefined && query.after === undefined;
    let cursor: MessageListQuery = query;
    for (let round = 0; round < 50; round++) {
      const rows = await this.store.messages.list(ctx.org, cursor);
      const out = rows
        .flatMap(toLettaMessages)
        .filter((m) => !types || types.length === 0 || types.includes(m.message_type));
      const edge = backwards ? rows[0] : rows.at(-1);
      if (out.length > 0 || rows.length < query.limit || !edge)
        return markFailedTurns(this.store, ctx.org, out);
      cursor = backwards ? { ...cursor, before: edge.id } : { ...cursor, after: edge.id };
    }
    return [];
  }

  /** One stored message as its typed parts; 404 when the organization has no such message. */
  async getTyped(ctx: RequestContext, id: string): Promise<LettaMessage[]> {
    const [message] = await this.store.messages.getMany(ctx.org, [id]);
    if (!message) throw new LettaError('NOT_FOUND', `Message '${id}' not found`);
    return markFailedTurns(this.store, ctx.org, toLettaMessages(message));
  }

  /**
   * The tutorial's page of a conversation, oldest first: `limit` stored messages after `after`,
   * the system message left out unless `includeSystem` (a conversation has one, rewritten in
   * place, so one extra row makes up for it).
   */
  async listConversation(
    ctx: RequestContext,
    conversationId: string,
    page: { limit: number; after?: string | undefined; includeSystem?: boolean | undefined },
  ): Promise<LettaMessage[]> {
    const rows = await this.store.messages.list(ctx.org, {
      conversationId,
      limit: page.includeSystem ? page.limit : page.limit + 1,
      after: page.after,
    });
    const kept = page.includeSystem ? rows : rows.filter((m) => m.role !== 'system');
    return markFailedTurns(this.store, ctx.org, kept.slice(0, page.limit).flatMap(toLettaMessages));
  }
}
