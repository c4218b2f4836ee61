import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConversationRecord } from '@churn/core';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import type { Route, RouteContext } from '../http/router.js';
import { serverSecretOf } from '../identity/authenticate.js';
import { signCustomerToken } from '../identity/customer-token.js';
import { loadInterventionRules } from '../interventions/intervention-rules.js';
import { tenantAccessStoreOf } from '../storage/tenant-access-repositories.js';
import { recoveryServiceOf } from './recovery-service.js';

/** What a signed recovery link names. */
export interface RecoveryLinkClaims {
  tenantId: string;
  conversationId: string;
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
}

const purpose = 'churn-recovery-link:v1';
const defaultTtlSeconds = 7 * 24 * 60 * 60;

function signature(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}.${payload}`).digest();
}

/** Signs a link token: `<payload>.<HMAC-SHA256>` in base64url, with the server secret. */
export function signRecoveryLinkToken(claims: RecoveryLinkClaims, secret: string): string {
  const payload = Buffer.from(
    JSON.stringify({ t: claims.tenantId, c: claims.conversationId, e: claims.expiresAt }),
  ).toString('base64url');
  return `${payload}.${signature(payload, secret).toString('base64url')}`;
}

/**
 * Verifies a link token (constant-time compare) and its expiry; `undefined` when it is forged,
 * malformed or expired.
 */
export function verifyRecoveryLinkToken(
  token: string,
  secret: string,
  now: Date,
): RecoveryLinkClaims | undefined {
  const [payload, mac, extra] = token.split('.');
  if (!payload || !mac || extra !== undefined || token.length > 2048) return undefined;
  const expected = signature(payload, secret);
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      t?: unknown;
      c?: unknown;
      e?: unknown;
    };
    if (
      typeof parsed.t !== 'string' ||
      typeof parsed.c !== 'string' ||
      typeof parsed.e !== 'number'
    ) {
      return undefined;
    }
    if (parsed.e * 1000 <= now.getTime()) return undefined;
    return { tenantId: parsed.t, conversationId: parsed.c, expiresAt: parsed.e };
  } catch {
    return undefined;
  }
}

function originOf(context: RouteContext<ChurnHandlerState>): string {
  const forwardedHost = context.request.headers.get('x-forwarded-host');
  const forwardedProto = context.request.headers.get('x-forwarded-proto');
  if (forwardedHost) return `${forwardedProto ?? 'https'}://${forwardedHost}`;
  return context.url.origin;
}

/** The signed, expiring link to the hosted recovery page of a conversation. */
export async function recoveryLinkFor(
  context: RouteContext<ChurnHandlerState>,
  conversation: ConversationRecord,
): Promise<string> {
  const service = recoveryServiceOf(context.state);
  const ttl = service.settings.linkTtlSeconds ?? defaultTtlSeconds;
  const token = signRecoveryLinkToken(
    {
      tenantId: conversation.tenantId,
      conversationId: conversation.id,
      expiresAt: Math.floor(service.clock().getTime() / 1000) + ttl,
    },
    await serverSecretOf(context.state),
  );
  return `${originOf(context)}${context.state.basePath}/r/${token}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; script-src 'self' https://js.stripe.com; connect-src 'self' https://api.stripe.com; frame-src https://js.stripe.com https://hooks.stripe.com; img-src 'self' https: data:; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

function page(title: string, body: string, status = 200): Response {
  return new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`,
    { status, headers: pageHeaders },
  );
}

function widgetDirectory(state: ChurnHandlerState): string | undefined {
  const configured = recoveryServiceOf(state).settings.widgetScriptFile;
  if (configured) return dirname(resolve(configured));
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    join(here, '../../../chat/dist'),
    join(here, '../../chat/dist'),
    join(process.cwd(), 'node_modules/@churn/chat/dist'),
  ]) {
    if (existsSync(join(candidate, 'churn-chat.js'))) return candidate;
  }
  return undefined;
}

/**
 * The hosted recovery page: `GET /r/:token` checks the signed link, signs a short customer
 * identity token for the conversation's customer with the tenant's identity secret, and serves
 * a minimal page that loads the widget from this server (`/r/assets/churn-chat.js`), opened on
 * that customer's pending recovery conversation. `GET /r/assets/:file` serves the widget's
 * built files.
 */
export function recoveryLinkRoutes(): Route<ChurnHandlerState>[] {
  return [
    {
      method: 'GET',
      path: '/r/:token',
      description: 'The hosted recovery page of a signed link (HTML, loads the widget).',
      handler: async (context) => {
        const service = recoveryServiceOf(context.state);
        const claims = verifyRecoveryLinkToken(
          context.params.token ?? '',
          await serverSecretOf(context.state),
          service.clock(),
        );
        const expired = page(
          'Link expired',
          '<main><h1>This link has expired or is not valid</h1><p>Please sign in to your account to update your card, or ask for a new link.</p></main>',
          410,
        );
        if (!claims) return expired;
        const { storage } = await context.state.services.load();
        const conversation = await storage.conversations.get({
          tenantId: claims.tenantId,
          id: claims.conversationId,
        });
        if (!conversation || conversation.userId === null) return expired;
        const [rules, settings, tenant] = await Promise.all([
          loadInterventionRules(storage, claims.tenantId),
          tenantAccessStoreOf(storage).getSettings({ tenantId: claims.tenantId }),
          storage.tenants.get({ tenantId: claims.tenantId }),
        ]);
        if (!rules.linkPublishableKey || !settings?.identitySecret || !tenant) {
          return page(
            'Not available',
            '<main><h1>This page is not set up yet</h1><p>The company has not finished configuring card updates by link. Please sign in to your account instead.</p></main>',
            503,
          );
        }
        const lifetime = Math.max(
          60,
          Math.min(3600, claims.expiresAt - Math.floor(service.clock().getTime() / 1000)),
        );
        const customerToken = await signCustomerToken({
          tenantId: claims.tenantId,
          customerId: conversation.userId,
          secret: settings.identitySecret,
          expiresInSeconds: lifetime,
          now: service.clock(),
        });
        const server = `${originOf(context)}${context.state.basePath}`;
        return page(
          `${tenant.name}: update your card`,
          `<main><h1>${escapeHtml(tenant.name)}</h1><p>Update your card in the chat below.</p></main><script src="${escapeHtml(`${server}/r/assets/churn-chat.js`)}" data-tenant-key="${escapeHtml(rules.linkPublishableKey)}" data-server="${escapeHtml(server)}" data-customer-token="${escapeHtml(customerToken)}" data-persist="none" data-open></script>`,
        );
      },
    },
    {
      method: 'GET',
      path: '/r/assets/:file',
      description: "The widget's built files for the hosted recovery page.",
      handler: async (context) => {
        const file = context.params.file ?? '';
        const directory = widgetDirectory(context.state);
        if (!/^[A-Za-z0-9_-]{1,100}\.js$/.test(file) || !directory) {
          throw new HttpError(
            404,
            'not_found',
            directory
              ? `No widget file "${file.slice(0, 100)}".`
              : 'The widget build was not found: build @churn/chat or set payments.widgetScriptFile.',
          );
        }
        let body: Buffer;
        try {
          body = await readFile(join(directory, file));
        } catch {
          throw new HttpError(404, 'not_found', `No widget file "${file}".`);
        }
        return new Response(new Uint8Array(body), {
          headers: {
            'content-type': 'text/javascript; charset=utf-8',
            'cache-control': 'public, max-age=300',
            'x-content-type-options': 'nosniff',
            // Public code, no credentials: a site on another origin that loads the widget
            // from here can also load its lazy chunks (dynamic import() is a CORS request).
            'access-control-allow-origin': '*',
            'cross-origin-resource-policy': 'cross-origin',
          },
        });
      },
    },
  ];
}
