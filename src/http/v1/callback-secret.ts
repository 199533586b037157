/**
 * `GET /v1/callback-secret`: the caller's organization's secret for verifying signed run
 * callbacks (`X-Letta-Signature`), created on first use; `POST /v1/callback-secret/rotate`
 * replaces it. Behind auth like every API route: a key reads its own organization's secret only.
 */
import { Type } from 'typebox';
import { SIGNATURE_HEADER } from '../../net/callback-signature.js';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';

const SecretView = Type.Object({
  organization_id: Type.String(),
  callback_secret: Type.String(),
  signature_header: Type.String(),
});

export function v1CallbackSecretRoutes(services: Services): Route[] {
  const tags = ['callbacks'];
  const view = async (org: string, rotate: boolean) => ({
    organization_id: org,
    callback_secret: await services.callbacks.secret({ org }, rotate),
    signature_header: SIGNATURE_HEADER,
  });
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/callback-secret',
      schema: {
        summary: 'Get the callback signing secret',
        description:
          'Run callbacks carry `X-Letta-Signature: t=<unix>,v1=<hex>`, the HMAC-SHA256 of `<t>.<body>` with this secret.',
        tags,
        response: { 200: SecretView },
      },
      handler: async (req) => view(req.ctx.org, false),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/callback-secret/rotate',
      optionalBody: true,
      schema: {
        summary: 'Replace the callback signing secret',
        tags,
        response: { 200: SecretView },
      },
      handler: async (req) => view(req.ctx.org, true),
    }),
  ];
}
