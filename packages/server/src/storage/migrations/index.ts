import type { Migration } from 'kysely';
import * as initial from './001_initial.js';
import * as tenantAccess from './002_tenant_access.js';
import * as chatConversationsByUser from './003_chat_conversations_by_user.js';
import * as supportOperations from './004_support_operations.js';
import * as integrationsOutboxRetention from './005_integrations_outbox_retention.js';
import * as recoveryInterventionRules from './006_recovery_intervention_rules.js';
import * as operatorsConsole from './007_operators_console.js';
import * as knowledgeIngestLeases from './008_knowledge_ingest_leases.js';

/**
 * Every migration, by name, in the order they run. Names are stored in the
 * migration table: never rename or edit a released one, add `002_...` instead.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '001_initial': initial,
  '002_tenant_access': tenantAccess,
  '003_chat_conversations_by_user': chatConversationsByUser,
  '004_support_operations': supportOperations,
  '005_integrations_outbox_retention': integrationsOutboxRetention,
  '006_recovery_intervention_rules': recoveryInterventionRules,
  '007_operators_console': operatorsConsole,
  '008_knowledge_ingest_leases': knowledgeIngestLeases,
};
