/**
 * `@churn/chat/react`: `<ChurnChatReact>` for React, made by `@lit/react`. Properties are set
 * as properties (so `strings` and `fetch` work), events are `onChurn*` props.
 *
 * ```tsx
 * import { ChurnChatReact } from '@churn/chat/react';
 * <ChurnChatReact tenantKey="pk_..." server="https://chat.example.com" onChurnError={(event) => log(event.detail.error)} />
 * ```
 */
import { createComponent, type EventName } from '@lit/react';
import * as React from 'react';
import { ChurnChat } from './churn-chat/churn-chat.js';
import { defineChurnChat } from './define.js';
import type {
  ChurnCloseEvent,
  ChurnErrorEvent,
  ChurnEscalatedEvent,
  ChurnMessageReceiveEvent,
  ChurnMessageSendEvent,
  ChurnOpenEvent,
  ChurnPaymentUpdatedEvent,
} from './events/churn-events.js';

defineChurnChat();

/** The React component for `<churn-chat>`. */
export const ChurnChatReact = createComponent({
  tagName: 'churn-chat',
  elementClass: ChurnChat,
  react: React,
  events: {
    onChurnOpen: 'churn-open' as EventName<ChurnOpenEvent>,
    onChurnClose: 'churn-close' as EventName<ChurnCloseEvent>,
    onChurnMessageSend: 'churn-message-send' as EventName<ChurnMessageSendEvent>,
    onChurnMessageReceive: 'churn-message-receive' as EventName<ChurnMessageReceiveEvent>,
    onChurnPaymentUpdated: 'churn-payment-updated' as EventName<ChurnPaymentUpdatedEvent>,
    onChurnEscalated: 'churn-escalated' as EventName<ChurnEscalatedEvent>,
    onChurnError: 'churn-error' as EventName<ChurnErrorEvent>,
  },
  displayName: 'ChurnChat',
});
