import { abTestRoutes } from '../ab-tests/ab-test-routes.js';
import { analyticsRoutes } from '../analytics/analytics-routes.js';
import { feedbackAdminRoutes, feedbackWidgetRoutes } from '../feedback/feedback-routes.js';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import type { Route } from '../http/router.js';
import { withWidgetCors } from '../identity/widget-cors.js';
import { escalationAdminRoutes, escalationWidgetRoutes } from './escalation-routes.js';
import { supportOperationsOpenApi } from './support-operations-openapi.js';

/**
 * The support operations API: feedback, escalations, analytics and A/B tests. The two
 * routes the widget calls (`POST /api/messages/:id/feedback`,
 * `POST /api/conversations/:id/escalate`) get the widget's CORS; the rest are admin routes.
 */
export function supportOperationsRoutes(): Route<ChurnHandlerState>[] {
  const routes = [
    ...withWidgetCors([...feedbackWidgetRoutes(), ...escalationWidgetRoutes()]),
    ...feedbackAdminRoutes(),
    ...escalationAdminRoutes(),
    ...analyticsRoutes(),
    ...abTestRoutes(),
  ];
  return routes.map((route) => {
    const openapi = supportOperationsOpenApi[`${route.method} ${route.path}`];
    return openapi && !route.openapi ? { ...route, openapi } : route;
  });
}
