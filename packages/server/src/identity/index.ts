export {
  type AdminSessionTokens,
  adminRefreshTokenSeconds,
  refreshAdminSession,
  signInAdmin,
  signOutAdmin,
} from './admin-session.js';
export {
  type AdminAccessClaims,
  adminAccessTokenSeconds,
  signAdminAccessToken,
  verifyAdminAccessToken,
} from './admin-token.js';
export {
  apiKeyPrefixes,
  apiKeyScopeOf,
  type GeneratedApiKey,
  generateApiKey,
  hashApiKey,
} from './api-key.js';
export {
  type AuthenticateOptions,
  authenticate,
  authenticateRoute,
  bearerToken,
  customerHashHeader,
  customerIdHeader,
  customerTokenHeader,
  serverSecretOf,
  visitorIdHeader,
} from './authenticate.js';
export {
  customerHash,
  maxCustomerTokenSeconds,
  type SignCustomerTokenOptions,
  signCustomerToken,
  type VerifiedCustomer,
  verifyCustomerHash,
  verifyCustomerToken,
} from './customer-token.js';
export { identityRoutes } from './identity-routes.js';
export {
  hashPassword,
  type PasswordHashSettings,
  passwordLimits,
  verifyPassword,
} from './password-hash.js';
export {
  hasPermission,
  type Permission,
  permissions,
  permissionsByRole,
  permissionsOf,
  requirePermission,
  requireRole,
  type TenantAdminPrincipal,
} from './permissions.js';
export type {
  AdminPrincipal,
  PlatformPrincipal,
  Principal,
  PublishableKeyPrincipal,
  SecretKeyPrincipal,
} from './principal.js';
export { resolveServerSecret } from './server-secret.js';
export {
  applyWidgetCors,
  type WidgetRouteContext,
  type WidgetRouteDefinition,
  widgetAllowedHeaders,
  widgetRoutes,
} from './widget-cors.js';
