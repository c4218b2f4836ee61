export {
  type ChatSessionEffect,
  type ChatSessionEvent,
  type ChatSessionState,
  canTransitionChatSession,
  chatSessionEvents,
  chatSessionTransitions,
  enforceSessionBudget,
  isChatSessionOpen,
  type OpenChatSessionStatus,
  openChatSessionStatuses,
  SESSION_BUDGET_SECONDS,
  startChatSession,
  transitionChatSession,
} from './chat-session.js';
export {
  type ConversationStatusEvent,
  canTransitionConversationStatus,
  conversationStatusEvents,
  conversationStatusTransitions,
  transitionConversationStatus,
} from './conversation-status.js';
export {
  type CustomerStatusEvent,
  type CustomerStatusState,
  canTransitionCustomerStatus,
  customerStatusEvents,
  customerStatusTransitions,
  riskDetectedEvent,
  transitionCustomerStatus,
} from './customer-status.js';
export {
  canTransitionEscalationStatus,
  type EscalationStatusEvent,
  escalationStatusEvents,
  escalationStatusTransitions,
  transitionEscalationStatus,
} from './escalation-status.js';
