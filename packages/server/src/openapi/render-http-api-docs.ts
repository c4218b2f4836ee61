import type { OpenApiDocument } from './create-openapi-document.js';

type JsonObject = Record<string, unknown>;

const callerNames: Record<string, string> = {
  publishableKey: 'publishable key',
  secretKey: 'secret key',
  adminToken: 'admin token',
  platformKey: 'platform key',
  customerToken: 'customer identity',
};

function who(security: JsonObject[] | undefined, operation?: JsonObject): string {
  if (operation?.['x-churn-undocumented']) return '(not documented yet)';
  if (!security || security.length === 0) return 'public';
  return security
    .map((requirement) =>
      Object.keys(requirement)
        .map((name) => callerNames[name] ?? name)
        .join(' + '),
    )
    .join(', ');
}

function typeOf(schema: JsonObject | undefined): string {
  if (!schema) return '';
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (Array.isArray(schema.enum))
    return schema.enum.map((value) => `\`${String(value)}\``).join(' \\| ');
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonObject[]).map(typeOf).join(' \\| ');
  if (schema.type === 'array') return `${typeOf(schema.items as JsonObject) || 'any'}[]`;
  if (Array.isArray(schema.type)) return schema.type.join(' \\| ');
  return typeof schema.type === 'string' ? schema.type : 'any';
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function fields(schema: JsonObject): string[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((schema.required ?? []) as string[]);
  const names = Object.keys(properties);
  if (names.length === 0) return [];
  return [
    '| field | type | required |',
    '| --- | --- | --- |',
    ...names.map(
      (name) =>
        `| \`${name}\` | ${typeOf(properties[name])} | ${required.has(name) ? 'yes' : 'no'} |`,
    ),
  ];
}

/**
 * Renders docs/http-api.md from the OpenAPI document: an overview table per tag, then each
 * operation with its callers, parameters, body fields and answers. Run by
 * `scripts/http-api-docs.mjs`; a test checks the file is up to date.
 */
export function renderHttpApiDocs(document: OpenApiDocument): string {
  const lines: string[] = [
    '# HTTP API',
    '',
    '<!-- Generated from GET /api/openapi.json by `node scripts/http-api-docs.mjs`: do not edit by hand. -->',
    '',
    'Every route of `createChurnHandler()`, generated from the OpenAPI 3.1 document the server',
    'answers at `GET /api/openapi.json` (itself generated from the route tables). Errors answer',
    '`{ "error": { "code", "message" } }`; every `/api` route is rate limited and answers 429',
    '`rate_limited` with `retry-after` past its limit ([limits](limits.md)). Credentials are in',
    '[security](security.md).',
    '',
  ];
  const byTag = new Map<string, { method: string; path: string; operation: JsonObject }[]>();
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const tag = ((operation.tags as string[] | undefined) ?? ['other'])[0] ?? 'other';
      const list = byTag.get(tag) ?? [];
      list.push({ method: method.toUpperCase(), path, operation });
      byTag.set(tag, list);
    }
  }
  lines.push('| route | who | what |', '| --- | --- | --- |');
  for (const [, operations] of byTag) {
    for (const { method, path, operation } of operations) {
      if (method === 'OPTIONS') continue;
      lines.push(
        `| \`${method} ${path}\` | ${who(operation.security as JsonObject[], operation)} | ${escapeCell(String(operation.summary))} |`,
      );
    }
  }
  lines.push('', 'Widget routes also answer `OPTIONS` (CORS preflight) on the same paths.', '');
  for (const [tag, operations] of byTag) {
    lines.push(`## ${tag}`, '');
    for (const { method, path, operation } of operations) {
      if (method === 'OPTIONS') continue;
      lines.push(`### \`${method} ${path}\``, '', String(operation.summary), '');
      lines.push(`Who: ${who(operation.security as JsonObject[], operation)}.`, '');
      const parameters = (operation.parameters ?? []) as JsonObject[];
      const query = parameters.filter((parameter) => parameter.in === 'query');
      if (query.length > 0) {
        lines.push(
          `Query: ${query
            .map(
              (parameter) =>
                `\`${String(parameter.name)}\` (${typeOf(parameter.schema as JsonObject)})`,
            )
            .join(', ')}.`,
          '',
        );
      }
      const body = (operation.requestBody as JsonObject | undefined)?.content as
        | Record<string, { schema: JsonObject }>
        | undefined;
      const bodySchema = body?.['application/json']?.schema;
      if (bodySchema) {
        const rows = fields(bodySchema);
        lines.push('Body (JSON):', '', ...(rows.length > 0 ? rows : ['any JSON object']), '');
      }
      const answers = Object.entries((operation.responses ?? {}) as Record<string, JsonObject>)
        .filter(([, response]) => response.$ref === undefined)
        .map(([status, response]) => `${status} ${String(response.description)}`);
      const errors = Object.entries((operation.responses ?? {}) as Record<string, JsonObject>)
        .filter(([, response]) => response.$ref !== undefined)
        .map(([status]) => status);
      lines.push(`Answers: ${answers.join('; ')}`, '');
      if (errors.length > 0) lines.push(`Errors: ${errors.join(', ')}.`, '');
    }
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
