/**
 * The multipart form of `POST /v1/agents/import` (Letta's `Body_import_agent`): one `file` part
 * (at most `LETTA_AGENT_FILE_LIMIT` bytes, else 413) and string fields. Letta's deprecated names
 * (`override_name`, `override_model_handle`, `override_embedding_handle`, `env_vars_json`) are
 * read too; the newer name wins. `"null"` and `""` mean absent (the official client sends null
 * as the string `'null'`).
 */
import type { FastifyRequest } from 'fastify';
import { LettaError } from '../../errors.js';
import type { ImportOptions } from '../../services/agent-files/index.js';
import type { JsonObject } from '../../store/records.js';

export interface ImportForm {
  text: string;
  options: ImportOptions;
}

const FIELDS = new Set([
  'name',
  'override_name',
  'model',
  'override_model_handle',
  'embedding',
  'override_embedding_handle',
  'strip_messages',
  'override_existing_tools',
  'secrets',
  'env_vars_json',
  'append_copy_suffix',
  'project_id',
]);

export async function readImportForm(request: FastifyRequest): Promise<ImportForm> {
  if (!request.isMultipart()) {
    // As Letta (FastAPI) answers a JSON body here: the required form field is missing.
    throw new LettaError(
      'VALIDATION_ERROR',
      "body/file is required: send the agent file as multipart/form-data with a part named 'file'",
    );
  }
  const fields = new Map<string, string>();
  let text: string | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || text !== undefined) {
          part.file.resume();
          throw new LettaError(
            'VALIDATION_ERROR',
            `unexpected file part '${part.fieldname}': send one part named 'file'`,
          );
        }
        text = (await part.toBuffer()).toString('utf8');
      } else if (FIELDS.has(part.fieldname)) {
        const value = String(part.value);
        if (value !== '' && value !== 'null') fields.set(part.fieldname, value);
      }
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new LettaError(
        'PAYLOAD_TOO_LARGE',
        'the agent file is larger than LETTA_AGENT_FILE_LIMIT allows',
      );
    }
    if (err instanceof LettaError) throw err;
    // Anything else the multipart parser raises means the body is not a well-formed form.
    throw new LettaError(
      'BAD_REQUEST',
      `The request body is not valid multipart/form-data: ${String((err as Error).message).slice(0, 200)}`,
    );
  }
  if (text === undefined)
    throw new LettaError('VALIDATION_ERROR', "body/file is required: a part named 'file'");
  const header = request.headers['x-override-embedding-model'];
  return {
    text,
    options: {
      name: fields.get('name') ?? fields.get('override_name'),
      model: fields.get('model') ?? fields.get('override_model_handle'),
      embedding:
        fields.get('embedding') ??
        fields.get('override_embedding_handle') ??
        (typeof header === 'string' && header !== '' ? header : undefined),
      stripMessages: bool(fields, 'strip_messages') ?? false,
      overrideExistingTools: bool(fields, 'override_existing_tools') ?? true,
      secrets: secrets(fields.get('secrets') ?? fields.get('env_vars_json')),
    },
  };
}

function bool(fields: Map<string, string>, name: string): boolean | undefined {
  const v = fields.get(name)?.toLowerCase();
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new LettaError('VALIDATION_ERROR', `body/${name} must be true or false`);
}

function secrets(text: string | undefined): JsonObject | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LettaError(
      'VALIDATION_ERROR',
      'body/secrets must be a JSON object as a string, e.g. {"API_KEY": "…"}',
    );
  }
  return parsed as JsonObject;
}
