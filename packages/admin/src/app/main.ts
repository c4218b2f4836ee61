// The console's browser entry: its stylesheet and every element, then `<churn-admin-app>`
// (in index.html) starts.
import './console.css';
import { ChurnConversationsPage } from '../conversations/churn-conversations-page.js';
import { ChurnEscalationsPage } from '../conversations/churn-escalations-page.js';
import { ChurnCustomerPage } from '../customers/churn-customer-page.js';
import { ChurnCustomersPage } from '../customers/churn-customers-page.js';
import { ChurnRulesPage } from '../customers/churn-rules-page.js';
import { ChurnDocumentPage } from '../knowledge/churn-document-page.js';
import { ChurnKnowledgePage } from '../knowledge/churn-knowledge-page.js';
import { ChurnChartPanel } from '../metrics/churn-chart-panel.js';
import { ChurnMetricsPage } from '../metrics/churn-metrics-page.js';
import { ChurnAdminUsersSettings } from '../settings/churn-admin-users-settings.js';
import { ChurnIntegrationsSettings } from '../settings/churn-integrations-settings.js';
import { ChurnSettingsPage } from '../settings/churn-settings-page.js';
import { ChurnAdminApp } from '../shell/churn-admin-app.js';

const elements: Record<string, CustomElementConstructor> = {
  'churn-customers-page': ChurnCustomersPage,
  'churn-customer-page': ChurnCustomerPage,
  'churn-rules-page': ChurnRulesPage,
  'churn-conversations-page': ChurnConversationsPage,
  'churn-escalations-page': ChurnEscalationsPage,
  'churn-chart-panel': ChurnChartPanel,
  'churn-metrics-page': ChurnMetricsPage,
  'churn-knowledge-page': ChurnKnowledgePage,
  'churn-document-page': ChurnDocumentPage,
  'churn-integrations-settings': ChurnIntegrationsSettings,
  'churn-admin-users-settings': ChurnAdminUsersSettings,
  'churn-settings-page': ChurnSettingsPage,
  // Last: the shell renders the pages, which are defined by now.
  'churn-admin-app': ChurnAdminApp,
};

for (const [name, element] of Object.entries(elements)) {
  if (!customElements.get(name)) customElements.define(name, element);
}
