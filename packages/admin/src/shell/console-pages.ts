import type { ConsoleRoute } from '../router/console-router.js';

/** One entry of the navigation, shown only with its permission. */
export interface ConsoleNavItem {
  path: string;
  label: string;
  permission: string;
  pages: readonly ConsoleRoute['page'][];
}

/** The navigation, in order; the first one allowed is the home page. */
export const consoleNav: readonly ConsoleNavItem[] = [
  {
    path: 'customers',
    label: 'At-risk customers',
    permission: 'customers:read',
    pages: ['customers', 'customer'],
  },
  {
    path: 'rules',
    label: 'Intervention rules',
    permission: 'interventions:start',
    pages: ['rules'],
  },
  {
    path: 'conversations',
    label: 'Live conversations',
    permission: 'conversations:read',
    pages: ['conversations'],
  },
  {
    path: 'escalations',
    label: 'Escalations',
    permission: 'conversations:read',
    pages: ['escalations'],
  },
  { path: 'metrics', label: 'Metrics', permission: 'analytics:read', pages: ['metrics'] },
  {
    path: 'knowledge',
    label: 'Knowledge base',
    permission: 'knowledge:read',
    pages: ['knowledge', 'document'],
  },
  { path: 'settings', label: 'Settings', permission: 'tenant:read', pages: ['settings'] },
];

/** The nav item a route belongs to. */
export function navItemOf(route: ConsoleRoute): ConsoleNavItem | undefined {
  return consoleNav.find((item) => item.pages.includes(route.page));
}
