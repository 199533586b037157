/** Letta's `Folder` (`Source`), `FileMetadata`, `Job` and folder `Passage` views and schemas. */
import { Type } from 'typebox';
import type { PassageRecord } from '../../services/archival-service.js';
import type { FileRecord, FolderRecord, JobRecord } from '../../services/folders/index.js';
import type { Services } from '../../services/services.js';
import { embeddingConfigOf } from './archival-memory.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Str = Type.String();
const Obj = Type.Record(Type.String(), Type.Unknown());

export const FolderSchema = Type.Object(
  {
    id: Str,
    name: Str,
    description: Nullable(Str),
    instructions: Nullable(Str),
    metadata: Type.Union([Obj, Type.Null()]),
    embedding_config: Type.Unknown(),
    organization_id: Str,
    created_by_id: Type.Null(),
    last_updated_by_id: Type.Null(),
    created_at: Str,
    updated_at: Str,
  },
  { additionalProperties: true },
);

export function folderView(services: Services, f: FolderRecord) {
  const handle = f.embedding ?? 'none/none';
  return {
    id: f.id,
    name: f.name,
    description: f.description,
    instructions: f.instructions,
    metadata: f.metadata,
    embedding_config: {
      ...embeddingConfigOf(services, handle, null),
      embedding_chunk_size: f.embedding_chunk_size,
    },
    organization_id: f.organization_id,
    created_by_id: null,
    last_updated_by_id: null,
    created_at: f.created_at,
    updated_at: f.updated_at,
  };
}

export const FileSchema = Type.Object(
  {
    id: Str,
    source_id: Str,
    folder_id: Str,
    organization_id: Str,
    file_name: Str,
    original_file_name: Str,
    file_path: Type.Null(),
    file_type: Str,
    file_size: Type.Integer(),
    file_creation_date: Nullable(Str),
    file_last_modified_date: Nullable(Str),
    processing_status: Str,
    error_message: Nullable(Str),
    total_chunks: Type.Union([Type.Integer(), Type.Null()]),
    chunks_embedded: Type.Union([Type.Integer(), Type.Null()]),
    content: Nullable(Str),
    created_at: Str,
    updated_at: Str,
  },
  { additionalProperties: true },
);

export function fileView(f: FileRecord, extra: { job_id?: string | null } = {}) {
  return {
    id: f.id,
    source_id: f.folder_id,
    folder_id: f.folder_id,
    organization_id: f.organization_id,
    file_name: f.file_name,
    original_file_name: f.original_file_name,
    file_path: null,
    file_type: f.file_type,
    file_size: f.file_size,
    file_creation_date: f.created_at,
    file_last_modified_date: f.updated_at,
    processing_status: f.processing_status,
    error_message: f.error_message,
    total_chunks: f.total_chunks,
    chunks_embedded: f.chunks_embedded,
    content: f.content ?? null,
    created_at: f.created_at,
    updated_at: f.updated_at,
    ...extra,
  };
}

export const JobSchema = Type.Object(
  {
    id: Str,
    status: Str,
    job_type: Str,
    metadata: Type.Union([Obj, Type.Null()]),
    created_at: Str,
    updated_at: Nullable(Str),
    completed_at: Nullable(Str),
    stop_reason: Type.Null(),
    background: Type.Null(),
    agent_id: Type.Null(),
    callback_url: Type.Null(),
    created_by_id: Type.Null(),
    last_updated_by_id: Type.Null(),
  },
  { additionalProperties: true },
);

/** Letta's `Job`; an upload is `job_type: "job"` with `metadata.type` saying what it does. */
export function jobView(j: JobRecord) {
  return {
    id: j.id,
    status: j.status,
    job_type: 'job',
    metadata: { ...j.metadata, job_type: j.job_type },
    created_at: j.created_at,
    updated_at: j.updated_at,
    completed_at: j.completed_at,
    stop_reason: null,
    background: null,
    agent_id: null,
    callback_url: null,
    created_by_id: null,
    last_updated_by_id: null,
  };
}

export const FolderPassageSchema = Type.Object(
  {
    id: Str,
    text: Str,
    embedding: Type.Null(),
    embedding_config: Type.Unknown(),
    archive_id: Nullable(Str),
    source_id: Nullable(Str),
    file_id: Nullable(Str),
    file_name: Nullable(Str),
    created_at: Str,
    updated_at: Str,
    is_deleted: Type.Boolean(),
    tags: Type.Array(Str),
    metadata: Obj,
  },
  { additionalProperties: true },
);

export function folderPassageView(services: Services, folder: FolderRecord, p: PassageRecord) {
  const name = p.metadata.file_name;
  return {
    id: p.id,
    text: p.text,
    embedding: null,
    embedding_config: p.embedding_model
      ? embeddingConfigOf(services, p.embedding_model, p.embedding_dim)
      : null,
    archive_id: null,
    source_id: folder.id,
    file_id: p.file_id ?? null,
    file_name: typeof name === 'string' ? name : null,
    organization_id: p.organization_id,
    created_at: p.created_at,
    updated_at: p.created_at,
    is_deleted: false,
    tags: p.tags,
    metadata: p.metadata,
  };
}
