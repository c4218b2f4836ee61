import { z } from 'zod';
import type {
  LanguageModelV1,
  LanguageModelV1Message,
  LanguageModelV1Tool,
  LanguageModelV1ToolCall,
} from '../language-model/v1/language-model-v1.js';
import {
  describeCard,
  planRecoveryTurn,
  type RecoveryPlan,
  type RecoveryTurnInput,
  recoveryPhraseValues,
  sayRecoveryStep,
} from './recovery-engine.js';

/** The tools the model plans with: one per thing the recovery conversation can do. */
export const recoveryTools: readonly LanguageModelV1Tool[] = [
  {
    name: 'request_payment_update',
    description:
      'Show the customer the secure card form so they can add a new card; the open invoice is then paid. Use when the customer agrees to update their card.',
    parameters: {
      type: 'object',
      properties: {
        message: {
          type: 'string',
          description: 'One or two friendly sentences shown above the form.',
        },
      },
      required: ['message'],
      additionalProperties: false,
    },
  },
  {
    name: 'answer_from_docs',
    description:
      "Answer a side question (pricing, how billing works, security) from the company's help centre.",
    parameters: {
      type: 'object',
      properties: { question: { type: 'string', description: 'The question to look up.' } },
      required: ['question'],
      additionalProperties: false,
    },
  },
  {
    name: 'escalate',
    description:
      'Hand the conversation to a person on the team (the customer asks for one, or is upset).',
    parameters: {
      type: 'object',
      properties: { reason: { type: 'string', description: 'Why, in a few words.' } },
      required: ['reason'],
      additionalProperties: false,
    },
  },
  {
    name: 'customer_declined',
    description: 'The customer does not want to update the card now. End politely.',
    parameters: {
      type: 'object',
      properties: { message: { type: 'string', description: 'A short, polite closing sentence.' } },
      required: ['message'],
      additionalProperties: false,
    },
  },
];

const MessageArguments = z.object({ message: z.string().trim().min(1).max(600) });
const QuestionArguments = z.object({ question: z.string().trim().min(1).max(1000) });
const ReasonArguments = z.object({ reason: z.string().trim().min(1).max(300) });

function parseArguments<T>(call: LanguageModelV1ToolCall, schema: z.ZodType<T>): T | undefined {
  try {
    const result = schema.safeParse(JSON.parse(call.input || '{}'));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** The system prompt: the facts in plain words, never a card number or secret. */
export function recoverySystemPrompt(input: RecoveryTurnInput): string {
  const values = recoveryPhraseValues(input.facts);
  const issue =
    input.facts.category === 'failed-payment'
      ? `The payment of ${values.amount} on ${values.date} failed on ${describeCard(input.facts.card)}.`
      : `${describeCard(input.facts.card)} expires at the end of ${values.expiry}.`;
  return [
    "You are the billing assistant in a company's chat. Keep replies short, warm and plain.",
    `The customer is ${values.name}. ${issue}`,
    'Your goal: help them add a new card in this chat (request_payment_update). Answer side questions with answer_from_docs.',
    'Never ask for card numbers in the chat: the card form collects them securely.',
    'If they say not now, call customer_declined. If they want a person, call escalate.',
  ].join('\n');
}

/**
 * Plans one recovery turn with a language model and tool calls (the {@link recoveryTools}).
 * The first valid tool call decides; a reply without a tool call is sent as it is. A model
 * that fails, or a call with invalid arguments, falls back to the offline plan
 * ({@link planRecoveryTurn}), so the customer always gets an answer.
 */
export async function planRecoveryTurnWithModel(
  input: RecoveryTurnInput & {
    model: LanguageModelV1;
    /** Earlier messages, oldest first. */
    history?: readonly LanguageModelV1Message[];
    signal?: AbortSignal;
  },
): Promise<RecoveryPlan & { source: 'model' | 'offline' }> {
  const offline = () => ({ ...planRecoveryTurn(input), source: 'offline' as const });
  let result: Awaited<ReturnType<LanguageModelV1['doGenerate']>>;
  try {
    result = await input.model.doGenerate({
      prompt: [
        { role: 'system', content: recoverySystemPrompt(input) },
        ...(input.history ?? []),
        { role: 'user', content: input.message },
      ],
      tools: [...recoveryTools],
      toolChoice: 'auto',
      temperature: 0.4,
      ...(input.signal ? { abortSignal: input.signal } : {}),
    });
  } catch {
    return offline();
  }
  const salt = String(input.turn);
  for (const call of result.toolCalls) {
    switch (call.toolName) {
      case 'request_payment_update': {
        const parsed = parseArguments(call, MessageArguments);
        if (parsed) return { action: 'request-payment', text: parsed.message, source: 'model' };
        break;
      }
      case 'answer_from_docs': {
        const parsed = parseArguments(call, QuestionArguments);
        if (parsed) {
          const followUp = sayRecoveryStep('docs-follow-up', input.facts, input.memory, { salt });
          return {
            action: 'answer-from-docs',
            question: parsed.question,
            followUp,
            source: 'model',
          };
        }
        break;
      }
      case 'escalate': {
        const parsed = parseArguments(call, ReasonArguments);
        if (parsed) {
          const text = sayRecoveryStep('escalated', input.facts, input.memory, { salt });
          return { action: 'escalate', reason: parsed.reason, text, source: 'model' };
        }
        break;
      }
      case 'customer_declined': {
        const parsed = parseArguments(call, MessageArguments);
        if (parsed) return { action: 'customer-declined', text: parsed.message, source: 'model' };
        break;
      }
    }
  }
  const text = result.text.trim();
  if (result.toolCalls.length === 0 && text.length > 0) {
    return { action: 'reply', text, source: 'model' };
  }
  return offline();
}
