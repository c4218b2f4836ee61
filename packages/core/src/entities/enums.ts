/**
 * The enumerations of both seeds, exactly as the seeds list them. Schemas,
 * state machines and storage all take their values from here.
 */

/** Customer.accountStatus (churn-prevention seed). */
export const accountStatuses = ['active', 'at-risk', 'resolved', 'churned'] as const;
export type AccountStatus = (typeof accountStatuses)[number];

/** Customer.riskCategory: the two supported scenarios only. */
export const riskCategories = ['expiring-card', 'failed-payment'] as const;
export type RiskCategory = (typeof riskCategories)[number];

/** Customer.riskSeverity. */
export const riskSeverities = ['low', 'medium', 'high'] as const;
export type RiskSeverity = (typeof riskSeverities)[number];

/** PaymentMethod.cardType. */
export const cardTypes = ['visa', 'mastercard', 'amex', 'discover'] as const;
export type CardType = (typeof cardTypes)[number];

/** PaymentMethod.status. */
export const paymentMethodStatuses = ['active', 'expired', 'failed', 'invalid'] as const;
export type PaymentMethodStatus = (typeof paymentMethodStatuses)[number];

/** ChatSession.status (recovery conversations). */
export const chatSessionStatuses = [
  'initiated',
  'in-progress',
  'payment-requested',
  'payment-processing',
  'completed',
  'abandoned',
] as const;
export type ChatSessionStatus = (typeof chatSessionStatuses)[number];

/** ChatSession.outcome. */
export const chatSessionOutcomes = [
  'payment-updated',
  'customer-declined',
  'technical-failure',
  'abandoned',
] as const;
export type ChatSessionOutcome = (typeof chatSessionOutcomes)[number];

/** ChatMessage.sender. */
export const chatMessageSenders = ['ai', 'customer'] as const;
export type ChatMessageSender = (typeof chatMessageSenders)[number];

/** ChatMessage.messageType. */
export const chatMessageTypes = [
  'greeting',
  'question',
  'payment-request',
  'confirmation',
  'error',
] as const;
export type ChatMessageType = (typeof chatMessageTypes)[number];

/**
 * Admin roles: the churn-prevention seed's `admin` and `supervisor` plus the
 * support-agent seed's `support-agent` and `developer`, one role set for both.
 */
export const adminRoles = ['admin', 'supervisor', 'support-agent', 'developer'] as const;
export type AdminRole = (typeof adminRoles)[number];

/** Conversation.status (support-agent seed). */
export const conversationStatuses = ['active', 'closed', 'escalated'] as const;
export type ConversationStatus = (typeof conversationStatuses)[number];

/** Message.role. */
export const messageRoles = ['user', 'assistant', 'system'] as const;
export type MessageRole = (typeof messageRoles)[number];

/** Document.docType. */
export const docTypes = ['api', 'guide', 'support'] as const;
export type DocType = (typeof docTypes)[number];

/** Feedback.feedbackType. */
export const feedbackTypes = ['thumbs_up', 'thumbs_down', 'comment'] as const;
export type FeedbackType = (typeof feedbackTypes)[number];

/** Escalation.status. */
export const escalationStatuses = ['pending', 'resolved', 'closed'] as const;
export type EscalationStatus = (typeof escalationStatuses)[number];

/** Integration.platform. */
export const integrationPlatforms = ['slack', 'discord', 'webhook'] as const;
export type IntegrationPlatform = (typeof integrationPlatforms)[number];

/** Conversation purpose: one conversation model serves both jobs. */
export const conversationPurposes = ['recovery', 'support'] as const;
export type ConversationPurpose = (typeof conversationPurposes)[number];
