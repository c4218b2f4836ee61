import { ValidationError } from '@churn/core';
import type { z } from 'zod';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import { readJsonBody } from '../http/read-body.js';
import type { RouteContext } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import type { PlatformPrincipal } from '../identity/principal.js';

/** Shortest platform key accepted: 32 characters. */
export const minPlatformKeyLength = 32;

/**
 * Reads a JSON body that may be left out: no body (or an empty one) gives `schema`'s
 * answer for `{}`, so `POST /api/keys/:id/rotate` works with or without options.
 */
export async function readOptionalJsonBody<TSchema extends z.ZodType>(
  request: Request,
  schema: TSchema,
  subject: string,
): Promise<z.output<TSchema>> {
  const length = request.headers.get('content-length');
  if (request.body === null || length === '0' || !request.headers.get('content-type')) {
    const result = schema.safeParse({});
    if (!result.success) throw ValidationError.fromZod(subject, result.error);
    return result.data;
  }
  return (await readJsonBody(request, { schema, subject })) as z.output<TSchema>;
}

/**
 * Authenticates a platform route: the caller must present the platform key.
 *
 * @throws HttpError 403 when no platform key is configured or the caller is a tenant, 401
 *   without credentials, 500 `configuration` for a platform key that is too short.
 */
export async function requirePlatform(
  context: RouteContext<ChurnHandlerState>,
): Promise<PlatformPrincipal> {
  const platformKey = context.state.platformKey;
  if (!platformKey) {
    throw new HttpError(
      403,
      'forbidden',
      'Tenant management is turned off: start the server with a platform key (option platformKey or env CHURN_PLATFORM_KEY, at least 32 characters), or use `churn tenants` on the server machine.',
    );
  }
  if (platformKey.length < minPlatformKeyLength) {
    throw new HttpError(
      500,
      'configuration',
      `The platform key is shorter than ${minPlatformKeyLength} characters: set a longer CHURN_PLATFORM_KEY (\`openssl rand -base64 48\`).`,
    );
  }
  const principal = await authenticateRoute(context);
  if (principal.kind !== 'platform') {
    throw new HttpError(
      403,
      'forbidden',
      'Managing tenants needs the platform key (Authorization: Bearer <CHURN_PLATFORM_KEY>): tenant keys and admin tokens only reach their own tenant (/api/tenant).',
    );
  }
  return principal;
}
