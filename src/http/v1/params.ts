/** Path and query schemas shared by the V1 routes. */
import { Type } from 'typebox';
import { Id } from '../schemas.js';

export const AgentIdParams = Type.Object({ agent_id: Id('agent') });
export const Order = Type.Union([Type.Literal('asc'), Type.Literal('desc')]);
export const V1Limit = (def: number) =>
  Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: def }));
export const Cursor = Type.Optional(Type.String({ maxLength: 100 }));
