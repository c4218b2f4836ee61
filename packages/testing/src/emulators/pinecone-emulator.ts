import type { ServerResponse } from 'node:http';
import {
  answerTransportFault,
  type EmulatorContext,
  type EmulatorFault,
  type EmulatorRequest,
  EmulatorState,
  type FaultOptions,
  retryHeaders,
  sendJson,
  startEmulatorServer,
} from './emulator-server.js';

/** Options of {@link startPineconeEmulator}. */
export interface PineconeEmulatorOptions {
  /** The key clients must send as `Api-Key`. Default `pc-emulator-key`. */
  apiKey?: string;
  /** Dimension of the index. Default 1536 (the seed's index). */
  dimension?: number;
  /**
   * Accept `filter` in `POST /vectors/delete`. Default false: answer 400 like serverless
   * indexes did before delete-by-metadata, so adapters must not rely on it.
   */
  deleteByFilter?: boolean;
}

/** A stored record. */
export interface PineconeEmulatorRecord {
  id: string;
  values: number[];
  metadata?: Record<string, unknown>;
}

/** A running Pinecone data-plane emulator (one cosine serverless index). */
export interface PineconeEmulator {
  /** The index host: `new Pinecone({ apiKey }).index({ host: emulator.url })`. */
  url: string;
  apiKey: string;
  requests: EmulatorRequest[];
  queueFault(fault: EmulatorFault, options?: FaultOptions): void;
  clearFaults(): void;
  /** The records of a namespace, sorted by id (for assertions). */
  records(namespace: string): PineconeEmulatorRecord[];
  close(): Promise<void>;
}

const MAX_UPSERT_RECORDS = 1000;
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
const MAX_METADATA_BYTES = 40 * 1024;
const MAX_TOP_K = 10_000;
const MAX_IDS = 1000;
const MAX_LIST_LIMIT = 100;

/** gRPC status codes, which Pinecone puts in `code` of its error bodies. */
const GRPC = {
  invalidArgument: 3,
  notFound: 5,
  unauthenticated: 16,
  resourceExhausted: 8,
  unknown: 2,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
};

function pineconeError(
  response: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
) {
  sendJson(response, status, { code, message, details: [] }, headers);
}

function badRequest(response: ServerResponse, message: string) {
  pineconeError(response, 400, GRPC.invalidArgument, message);
}

/** The namespace a request names: `''` and `__default__` are the same default namespace. */
function namespaceKey(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : '__default__';
}

function cosine(left: number[], right: number[]): number {
  let dot = 0;
  let leftNorm = 0;
  let rightNorm = 0;
  for (let index = 0; index < left.length; index++) {
    const a = left[index] ?? 0;
    const b = right[index] ?? 0;
    dot += a * b;
    leftNorm += a * a;
    rightNorm += b * b;
  }
  const denominator = Math.sqrt(leftNorm) * Math.sqrt(rightNorm);
  return denominator === 0 ? 0 : dot / denominator;
}

class FilterError extends Error {}

function compare(operator: string, actual: unknown, expected: unknown, field: string): boolean {
  const isScalar = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  const values = Array.isArray(actual) ? actual : actual === undefined ? [] : [actual];
  switch (operator) {
    case '$eq':
      if (!isScalar(expected))
        throw new FilterError(
          `illegal condition for field ${field}, got ${JSON.stringify({ $eq: expected })}`,
        );
      return values.includes(expected);
    case '$ne':
      if (!isScalar(expected))
        throw new FilterError(
          `illegal condition for field ${field}, got ${JSON.stringify({ $ne: expected })}`,
        );
      return !values.includes(expected);
    case '$in':
    case '$nin': {
      if (!Array.isArray(expected)) {
        throw new FilterError(
          `$in and $nin operators require an array as argument, got ${JSON.stringify(expected)} for field ${field}`,
        );
      }
      const hit = values.some((value) => expected.includes(value));
      return operator === '$in' ? hit : !hit;
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      if (typeof expected !== 'number') {
        throw new FilterError(
          `illegal condition for field ${field}, got ${JSON.stringify({ [operator]: expected })}`,
        );
      }
      return values.some(
        (value) =>
          typeof value === 'number' &&
          (operator === '$gt'
            ? value > expected
            : operator === '$gte'
              ? value >= expected
              : operator === '$lt'
                ? value < expected
                : value <= expected),
      );
    }
    case '$exists':
      if (typeof expected !== 'boolean')
        throw new FilterError(
          `$exists requires a boolean, got ${JSON.stringify(expected)} for field ${field}`,
        );
      return (actual !== undefined) === expected;
    default:
      throw new FilterError(
        `illegal condition for field ${field}, got ${JSON.stringify({ [operator]: expected })}`,
      );
  }
}

/** Pinecone's metadata filter language (MongoDB subset): `$eq $ne $gt $gte $lt $lte $in $nin $exists $and $or`. */
export function matchesPineconeFilter(
  metadata: Record<string, unknown> | undefined,
  filter: unknown,
): boolean {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new FilterError(`filter must be an object, got ${JSON.stringify(filter)}`);
  }
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(condition) || condition.length === 0)
        throw new FilterError(`${key} requires a non-empty array`);
      return key === '$and'
        ? condition.every((part) => matchesPineconeFilter(metadata, part))
        : condition.some((part) => matchesPineconeFilter(metadata, part));
    }
    if (key.startsWith('$')) throw new FilterError(`unknown operator ${key}`);
    const actual = metadata?.[key];
    if (typeof condition === 'object' && condition !== null && !Array.isArray(condition)) {
      const operators = Object.entries(condition);
      if (operators.length === 0)
        throw new FilterError(`illegal condition for field ${key}, got {}`);
      return operators.every(([operator, expected]) => compare(operator, actual, expected, key));
    }
    return compare('$eq', actual, condition, key);
  });
}

function validateMetadata(metadata: unknown, id: string): string | undefined {
  if (metadata === undefined) return undefined;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return `Metadata for vector ${id} must be an object`;
  }
  for (const [key, value] of Object.entries(metadata)) {
    const valid =
      typeof value === 'string' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      typeof value === 'boolean' ||
      (Array.isArray(value) && value.every((item) => typeof item === 'string'));
    if (!valid) {
      return `Metadata value must be a string, number, boolean or list of strings, got '${JSON.stringify(value)}' for field '${key}'`;
    }
  }
  const size = Buffer.byteLength(JSON.stringify(metadata));
  if (size > MAX_METADATA_BYTES) {
    return `Metadata size is ${size} bytes, which exceeds the limit of ${MAX_METADATA_BYTES} bytes per vector`;
  }
  return undefined;
}

function encodeToken(value: { skip_past: string; prefix: string }): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

function decodeToken(token: string): { skip_past: string; prefix: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'skip_past' in parsed &&
      typeof parsed.skip_past === 'string'
    ) {
      const prefix = 'prefix' in parsed && typeof parsed.prefix === 'string' ? parsed.prefix : '';
      return { skip_past: parsed.skip_past, prefix };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Starts a local server that answers like a Pinecone serverless index's data plane
 * (cosine metric), for the official `@pinecone-database/pinecone` SDK:
 * `POST /vectors/upsert`, `POST /query`, `POST /vectors/delete` (ids, `deleteAll`; a
 * `filter` is refused unless `deleteByFilter`), `GET /vectors/list` (prefix, limit,
 * paginationToken), `GET /vectors/fetch`, `GET|POST /describe_index_stats`. Requires
 * the `Api-Key` header; errors carry Pinecone's `{ code, message, details }` body and
 * status; limits (1000 records and 2 MB per upsert, 40 KB metadata, topK ≤ 10 000,
 * 1000 ids per fetch or delete, list limit ≤ 100) are enforced. Faults can be queued.
 */
export async function startPineconeEmulator(
  options: PineconeEmulatorOptions = {},
): Promise<PineconeEmulator> {
  const apiKey = options.apiKey ?? 'pc-emulator-key';
  const dimension = options.dimension ?? 1536;
  const namespaces = new Map<string, Map<string, PineconeEmulatorRecord>>();
  const state = new EmulatorState();

  const handleUpsert = ({ request, response }: EmulatorContext) => {
    if (Buffer.byteLength(request.rawBody) > MAX_REQUEST_BYTES) {
      badRequest(
        response,
        `Request size ${Buffer.byteLength(request.rawBody)} bytes exceeds the maximum supported size of ${MAX_REQUEST_BYTES} bytes`,
      );
      return;
    }
    const body = request.body as Record<string, unknown>;
    const vectors = body.vectors;
    if (!Array.isArray(vectors) || vectors.length === 0) {
      badRequest(response, 'No vectors provided');
      return;
    }
    if (vectors.length > MAX_UPSERT_RECORDS) {
      badRequest(
        response,
        `Batch size exceeds the maximum of ${MAX_UPSERT_RECORDS} vectors (got ${vectors.length})`,
      );
      return;
    }
    const accepted: PineconeEmulatorRecord[] = [];
    for (const vector of vectors) {
      const record =
        typeof vector === 'object' && vector !== null ? (vector as Record<string, unknown>) : {};
      const id = record.id;
      if (typeof id !== 'string' || id === '' || Buffer.byteLength(id) > 512) {
        badRequest(response, 'Vector ID must be a non-empty string of at most 512 bytes');
        return;
      }
      const values = record.values;
      if (
        !Array.isArray(values) ||
        !values.every((value) => typeof value === 'number' && Number.isFinite(value))
      ) {
        badRequest(response, `Vector ${id} must have dense values`);
        return;
      }
      if (values.length !== dimension) {
        badRequest(
          response,
          `Vector dimension ${values.length} does not match the dimension of the index ${dimension}`,
        );
        return;
      }
      if (values.every((value) => value === 0)) {
        badRequest(response, 'Dense vectors must contain at least one non-zero value.');
        return;
      }
      const problem = validateMetadata(record.metadata, id);
      if (problem) {
        badRequest(response, problem);
        return;
      }
      accepted.push({
        id,
        values: values as number[],
        ...(record.metadata ? { metadata: record.metadata as Record<string, unknown> } : {}),
      });
    }
    const key = namespaceKey(body.namespace);
    const store = namespaces.get(key) ?? new Map<string, PineconeEmulatorRecord>();
    namespaces.set(key, store);
    for (const record of accepted) store.set(record.id, record);
    sendJson(response, 200, { upsertedCount: accepted.length });
  };

  const handleQuery = ({ request, response }: EmulatorContext) => {
    const body = request.body as Record<string, unknown>;
    const topK = body.topK;
    if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1 || topK > MAX_TOP_K) {
      badRequest(
        response,
        `top_k must be an integer between 1 and ${MAX_TOP_K}, got ${String(topK)}`,
      );
      return;
    }
    const key = namespaceKey(body.namespace);
    const store = namespaces.get(key) ?? new Map<string, PineconeEmulatorRecord>();
    let vector: number[] | undefined;
    if (Array.isArray(body.vector)) vector = body.vector as number[];
    else if (typeof body.id === 'string') vector = store.get(body.id)?.values;
    else {
      badRequest(response, 'No query provided: set one of vector, id or sparseVector');
      return;
    }
    if (vector && vector.length !== dimension) {
      badRequest(
        response,
        `Query vector dimension ${vector.length} does not match the dimension of the index ${dimension}`,
      );
      return;
    }
    let candidates = [...store.values()];
    if (body.filter !== undefined) {
      try {
        // Pinecone checks the filter's syntax even when the namespace is empty.
        matchesPineconeFilter({}, body.filter);
        candidates = candidates.filter((record) =>
          matchesPineconeFilter(record.metadata, body.filter),
        );
      } catch (error) {
        badRequest(response, error instanceof Error ? error.message : String(error));
        return;
      }
    }
    const matches = vector
      ? candidates
          .map((record) => ({ record, score: cosine(vector, record.values) }))
          .sort(
            (left, right) =>
              right.score - left.score || left.record.id.localeCompare(right.record.id),
          )
          .slice(0, topK)
          .map(({ record, score }) => ({
            id: record.id,
            score,
            values: body.includeValues === true ? record.values : [],
            ...(body.includeMetadata === true && record.metadata
              ? { metadata: record.metadata }
              : {}),
          }))
      : [];
    sendJson(response, 200, {
      results: [],
      matches,
      namespace: typeof body.namespace === 'string' ? body.namespace : '',
      usage: { readUnits: Math.max(1, Math.ceil(store.size / 1000)) },
    });
  };

  const handleDelete = ({ request, response }: EmulatorContext) => {
    const body = request.body as Record<string, unknown>;
    const given = ['ids', 'deleteAll', 'filter'].filter(
      (name) => body[name] !== undefined && body[name] !== false,
    );
    if (given.length !== 1) {
      badRequest(response, 'Exactly one of ids, deleteAll or filter must be provided');
      return;
    }
    const key = namespaceKey(body.namespace);
    const store = namespaces.get(key);
    if (!store) {
      pineconeError(response, 404, GRPC.notFound, 'Namespace not found');
      return;
    }
    if (body.filter !== undefined) {
      if (!options.deleteByFilter) {
        badRequest(
          response,
          'Serverless and Starter indexes do not support deleting with metadata filtering',
        );
        return;
      }
      try {
        for (const record of [...store.values()]) {
          if (matchesPineconeFilter(record.metadata, body.filter)) store.delete(record.id);
        }
      } catch (error) {
        badRequest(response, error instanceof Error ? error.message : String(error));
        return;
      }
    } else if (body.deleteAll === true) {
      namespaces.delete(key);
    } else {
      const ids = body.ids;
      if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
        badRequest(response, 'ids must be a non-empty list of strings');
        return;
      }
      if (ids.length > MAX_IDS) {
        badRequest(
          response,
          `Cannot delete more than ${MAX_IDS} ids in one request (got ${ids.length})`,
        );
        return;
      }
      for (const id of ids) store.delete(id);
    }
    sendJson(response, 200, {});
  };

  const handleList = ({ request, response }: EmulatorContext) => {
    const prefix = request.query.get('prefix') ?? '';
    const limitText = request.query.get('limit');
    const limit = limitText === null ? MAX_LIST_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      badRequest(response, `limit must be between 1 and ${MAX_LIST_LIMIT}, got ${limitText}`);
      return;
    }
    const namespace = request.query.get('namespace') ?? '';
    let skipPast: string | undefined;
    const token = request.query.get('paginationToken');
    if (token) {
      const decoded = decodeToken(token);
      if (!decoded || decoded.prefix !== prefix) {
        badRequest(response, 'Invalid pagination token');
        return;
      }
      skipPast = decoded.skip_past;
    }
    const ids = [...(namespaces.get(namespaceKey(namespace))?.keys() ?? [])]
      .filter((id) => id.startsWith(prefix))
      // Bitwise "C" collation, like Pinecone.
      .sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right)))
      .filter(
        (id) =>
          skipPast === undefined || Buffer.compare(Buffer.from(id), Buffer.from(skipPast)) > 0,
      );
    const page = ids.slice(0, limit);
    const more = ids.length > limit;
    sendJson(response, 200, {
      vectors: page.map((id) => ({ id })),
      ...(more ? { pagination: { next: encodeToken({ skip_past: page.at(-1)!, prefix }) } } : {}),
      namespace,
      usage: { readUnits: 1 },
    });
  };

  const handleFetch = ({ request, response }: EmulatorContext) => {
    const ids = request.query.getAll('ids');
    if (ids.length === 0) {
      badRequest(response, 'ids must be provided');
      return;
    }
    if (ids.length > MAX_IDS) {
      badRequest(
        response,
        `Cannot fetch more than ${MAX_IDS} ids in one request (got ${ids.length})`,
      );
      return;
    }
    const namespace = request.query.get('namespace') ?? '';
    const store = namespaces.get(namespaceKey(namespace));
    const vectors: Record<string, PineconeEmulatorRecord> = {};
    for (const id of ids) {
      const record = store?.get(id);
      if (record) vectors[id] = record;
    }
    sendJson(response, 200, { vectors, namespace, usage: { readUnits: 1 } });
  };

  const handleStats = ({ request, response }: EmulatorContext) => {
    const filter =
      typeof request.body === 'object' && request.body !== null
        ? (request.body as Record<string, unknown>).filter
        : undefined;
    const summary: Record<string, { vectorCount: number }> = {};
    let total = 0;
    try {
      for (const [key, store] of namespaces) {
        const count =
          filter === undefined
            ? store.size
            : [...store.values()].filter((record) => matchesPineconeFilter(record.metadata, filter))
                .length;
        summary[key] = { vectorCount: count };
        total += count;
      }
    } catch (error) {
      badRequest(response, error instanceof Error ? error.message : String(error));
      return;
    }
    sendJson(response, 200, {
      namespaces: summary,
      dimension,
      indexFullness: 0,
      totalVectorCount: total,
      metric: 'cosine',
      vectorType: 'dense',
    });
  };

  const routes: Record<string, (context: EmulatorContext) => void> = {
    'POST /vectors/upsert': handleUpsert,
    'POST /query': handleQuery,
    'POST /vectors/delete': handleDelete,
    'GET /vectors/list': handleList,
    'GET /vectors/fetch': handleFetch,
    'GET /describe_index_stats': handleStats,
    'POST /describe_index_stats': handleStats,
  };

  const server = await startEmulatorServer(state, (context) => {
    const { request, response } = context;
    const route = routes[`${request.method} ${request.path}`];
    if (!route) {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('Not Found');
      return;
    }
    if (request.headers['api-key'] !== apiKey) {
      response.writeHead(401, { 'content-type': 'text/plain' });
      response.end('Unauthorized');
      return;
    }
    const fault = state.takeFault(request.path);
    if (fault) {
      request.fault = fault;
      if (fault.type === 'status') {
        const headers = retryHeaders(fault);
        if (fault.body !== undefined) sendJson(response, fault.status, fault.body, headers);
        else if (fault.status === 429) {
          pineconeError(
            response,
            429,
            GRPC.resourceExhausted,
            'Request failed. You have exceeded the rate limit for this index. Please try again later.',
            headers,
          );
        } else if (fault.status === 503) {
          pineconeError(response, 503, GRPC.unavailable, 'Service unavailable', headers);
        } else if (fault.status >= 500) {
          pineconeError(response, fault.status, GRPC.unknown, 'Internal error', headers);
        } else
          pineconeError(
            response,
            fault.status,
            GRPC.invalidArgument,
            `Emulated error ${fault.status}`,
            headers,
          );
        return;
      }
      if (answerTransportFault(context, fault)) return;
    }
    if (request.method === 'POST' && request.rawBody !== '' && request.body === undefined) {
      badRequest(response, 'Failed to deserialize the JSON body into the target type');
      return;
    }
    if (request.method === 'POST' && (typeof request.body !== 'object' || request.body === null)) {
      if (request.path === '/describe_index_stats') {
        route({ ...context, request: { ...request, body: {} } });
        return;
      }
      badRequest(response, 'Failed to deserialize the JSON body into the target type');
      return;
    }
    route(context);
  });

  return {
    url: server.origin,
    apiKey,
    requests: state.requests,
    queueFault: (fault, faultOptions) => state.queueFault(fault, faultOptions),
    clearFaults: () => state.clearFaults(),
    records: (namespace) =>
      [...(namespaces.get(namespaceKey(namespace))?.values() ?? [])].sort((left, right) =>
        left.id.localeCompare(right.id),
      ),
    close: () => server.close(),
  };
}
