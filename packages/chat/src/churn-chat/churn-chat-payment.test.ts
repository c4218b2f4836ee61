import { answerChunks } from '../../test/fake-churn-server.js';
import {
  afterEach,
  assert,
  assertAccessible,
  assertEqual,
  assertIncludes,
  describe,
  it,
  nextEvent,
  waitFor,
} from '../../test/harness.js';
import { cleanUp, mountChurnChat, typeAndSend } from '../../test/mount-churn-chat.js';
import type { ChurnPaymentUpdatedEvent } from '../events/churn-events.js';

interface FakeStripeState {
  calls: { publishableKey: string }[];
  confirmCalls: { redirect: string }[];
  nextResults: unknown[];
  elementsOptions?: { clientSecret: string };
  mountedIn?: HTMLElement;
  loads?: number;
}

const fakeStripe = (): FakeStripeState =>
  (window as unknown as { __fakeStripe: FakeStripeState }).__fakeStripe;

afterEach(cleanUp);

function fill(root: ShadowRoot, values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    const input = root.querySelector<HTMLInputElement>(`.card-form input[name="${name}"]`);
    if (!input) throw new Error(`no ${name} field`);
    input.value = value;
  }
}

describe('<churn-chat> card step', () => {
  it('sandbox: a labelled DEMO form that checks the card, shows a decline, then succeeds', async () => {
    const mounted = await mountChurnChat();
    const { element, server, root, $ } = mounted;
    server.answers.push({
      chunks: answerChunks('Your last payment failed. You can update your card here.', {
        payment: { step: 'payment-requested', mode: 'sandbox' },
      }),
    });
    element.open();
    await element.updateComplete;
    await typeAndSend(mounted, 'Fix my card');
    await waitFor(() => $('.card-form'), 'demo form');
    assertIncludes($('.demo-badge')?.textContent, 'DEMO');
    await assertAccessible();

    fill(root, { number: '4242 4242 4242 4241', expiry: '01/20', cvc: '1' });
    $<HTMLFormElement>('.card-form')?.requestSubmit();
    await waitFor(() => $('.field-error'), 'field errors');
    assertEqual($('input[name="number"]')?.getAttribute('aria-invalid'), 'true');
    assertIncludes($('.card-form')?.textContent, 'Check the card number.');
    assertIncludes($('.card-form')?.textContent, 'Check the expiry date.');
    assertIncludes($('.card-form')?.textContent, 'Check the security code.');
    await waitFor(
      () => root.activeElement === $('input[name="number"]'),
      'focus on the first error',
    );
    assertEqual(server.requestsTo(/sandbox-confirm$/).length, 0);
    await assertAccessible();

    server.routes.set(
      'POST /api/conversations/conv_1/payment/sandbox-confirm',
      () =>
        new Response(
          JSON.stringify({ error: { code: 'card_declined', message: 'Your card was declined.' } }),
          {
            status: 402,
          },
        ),
    );
    fill(root, { number: '4000 0000 0000 0002', expiry: '12/34', cvc: '123' });
    $<HTMLFormElement>('.card-form')?.requestSubmit();
    await waitFor(() => $('.payment-error'), 'decline');
    assertIncludes($('.payment-error')?.textContent, 'Your card was declined.');
    assert($('.card-form'), 'the form stays for another card');

    server.routes.delete('POST /api/conversations/conv_1/payment/sandbox-confirm');
    const updated = nextEvent<ChurnPaymentUpdatedEvent>(element, 'churn-payment-updated');
    fill(root, { number: '4242 4242 4242 4242', expiry: '12/34', cvc: '123' });
    $<HTMLFormElement>('.card-form')?.requestSubmit();
    assertEqual((await updated).detail, { conversationId: 'conv_1', mode: 'sandbox' });
    assertEqual(server.requestsTo(/sandbox-confirm$/).at(-1)?.body, {
      card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' },
    });
    await element.updateComplete;
    assertIncludes($('.payment .success')?.textContent, 'Your card has been updated.');
    assertEqual($('.card-form'), null);
    await assertAccessible();
  });

  it('a billing answer that hands over to the recovery conversation shows its greeting and card step', async () => {
    const mounted = await mountChurnChat({ 'customer-token': 'ct_signed' });
    const { element, server, root, $ } = mounted;
    const handoff = answerChunks(
      "I can help you fix that right here: I've opened a secure card update for you.",
    );
    handoff.splice(-2, 0, { type: 'data-recovery', data: { conversationId: 'conv_recovery' } });
    server.answers.push({ chunks: handoff });
    server.routes.set('GET /api/conversations/conv_recovery', () =>
      Response.json({
        conversation: { id: 'conv_recovery' },
        messages: [
          {
            id: 'msg_greeting',
            role: 'assistant',
            content: 'Hi Ada, your $49.00 payment with the Visa ending 4242 failed. Update it now?',
          },
        ],
      }),
    );
    element.open();
    await element.updateComplete;
    await typeAndSend(mounted, 'My payment failed, can I update my card?');
    await waitFor(() => $('.message.assistant[data-message-id="msg_greeting"]'), 'greeting shown');
    assertIncludes(
      $('.message.assistant[data-message-id="msg_greeting"]')?.textContent,
      'Visa ending 4242',
    );
    assertIncludes(
      $('.message.assistant[data-message-id="msg_answer_1"]')?.textContent,
      'secure card update',
    );
    assertIncludes($('.message.user')?.textContent, 'My payment failed');

    server.answers.push({
      chunks: answerChunks('Here is a secure form for your new card.', {
        messageId: 'msg_card_step',
        payment: { step: 'payment-requested', mode: 'sandbox' },
      }),
    });
    await waitFor(() => element.chat?.state.status === 'ready', 'ready for the next message');
    await typeAndSend(mounted, 'yes');
    await waitFor(() => $('.card-form'), 'demo form');
    assertEqual(server.requestsTo('/api/conversations/conv_recovery/messages', 'POST').length, 1);
    const updated = nextEvent<ChurnPaymentUpdatedEvent>(element, 'churn-payment-updated');
    fill(root, { number: '4242 4242 4242 4242', expiry: '12/34', cvc: '123' });
    $<HTMLFormElement>('.card-form')?.requestSubmit();
    assertEqual((await updated).detail, { conversationId: 'conv_recovery', mode: 'sandbox' });
    await assertAccessible();
  });

  it('stripe: loads Stripe.js from the configured URL with the nonce, mounts in light DOM, confirms', async () => {
    (window as unknown as { __fakeStripe: FakeStripeState }).__fakeStripe = {
      calls: [],
      confirmCalls: [],
      nextResults: [],
    };
    const mounted = await mountChurnChat(
      { 'stripe-js-url': '/test/fixtures/fake-stripe.js' },
      (_server, element) => {
        element.nonce = 'nonce-123';
      },
    );
    const { element, server, $ } = mounted;
    server.answers.push({
      chunks: answerChunks('Please enter a new card.', {
        payment: {
          step: 'payment-requested',
          mode: 'stripe',
          clientSecret: 'seti_123_secret_456',
          publishableKey: 'pk_test_stripe',
        },
      }),
    });
    element.open();
    await element.updateComplete;
    await typeAndSend(mounted, 'update card');
    await waitFor(() => fakeStripe().mountedIn, 'Payment Element mounted');
    const script = document.querySelector<HTMLScriptElement>(
      'script[src$="/test/fixtures/fake-stripe.js"]',
    );
    assertEqual(script?.nonce, 'nonce-123');
    assertEqual(fakeStripe().calls[0]?.publishableKey, 'pk_test_stripe');
    assertEqual(fakeStripe().elementsOptions?.clientSecret, 'seti_123_secret_456');
    const container = fakeStripe().mountedIn as HTMLElement;
    assertEqual(container.parentElement, element, 'a light-DOM child of the widget');
    assertEqual(container.slot, `payment-${element.chat?.state.messages.at(-1)?.id}`);
    const slot = $<HTMLSlotElement>('.stripe-slot');
    assertEqual(slot?.assignedElements()[0], container, 'slotted into the card step');
    const save = await waitFor(() => {
      const button = $<HTMLButtonElement>('.stripe-form .primary-button');
      return button && !button.disabled ? button : undefined;
    }, 'save enabled');
    await assertAccessible();

    fakeStripe().nextResults.push({
      error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' },
    });
    save.click();
    await waitFor(() => $('.payment-error'), 'decline shown');
    assertIncludes($('.payment-error')?.textContent, 'Your card was declined.');
    assertEqual(fakeStripe().confirmCalls[0]?.redirect, 'if_required');
    assertEqual(server.requestsTo(/payment\/confirm$/).length, 0);

    const updated = nextEvent<ChurnPaymentUpdatedEvent>(element, 'churn-payment-updated');
    $<HTMLButtonElement>('.stripe-form .primary-button')?.click();
    assertEqual((await updated).detail.mode, 'stripe');
    assertEqual(server.requestsTo('/api/conversations/conv_1/payment/confirm')[0]?.body, {
      setupIntentId: 'seti_test_123',
    });
    await element.updateComplete;
    assertIncludes($('.payment .success')?.textContent, 'Your card has been updated.');
    assertEqual(
      element.querySelector('[data-churn-payment]'),
      null,
      'the light-DOM container is removed',
    );
  });

  it('stripe: a card refused at charging remounts the Payment Element with the new SetupIntent', async () => {
    // Stripe.js loads once per page: the fake keeps the state object it found, so reset it in place.
    const existing = (window as unknown as { __fakeStripe?: FakeStripeState }).__fakeStripe;
    if (existing) {
      Object.assign(existing, { calls: [], confirmCalls: [], nextResults: [] });
      delete existing.elementsOptions;
      delete existing.mountedIn;
    } else {
      (window as unknown as { __fakeStripe: FakeStripeState }).__fakeStripe = {
        calls: [],
        confirmCalls: [],
        nextResults: [],
      };
    }
    const mounted = await mountChurnChat({ 'stripe-js-url': '/test/fixtures/fake-stripe.js' });
    const { element, server, $ } = mounted;
    server.answers.push({
      chunks: answerChunks('Please enter a new card.', {
        payment: {
          step: 'payment-requested',
          mode: 'stripe',
          clientSecret: 'seti_first_secret_1',
          publishableKey: 'pk_test_stripe',
        },
      }),
    });
    element.open();
    await element.updateComplete;
    await typeAndSend(mounted, 'update card');
    await waitFor(() => fakeStripe().mountedIn, 'Payment Element mounted');
    assertEqual(fakeStripe().elementsOptions?.clientSecret, 'seti_first_secret_1');
    const firstContainer = fakeStripe().mountedIn as HTMLElement;

    // Stripe.js saved the card; the server's charge was declined and it made a new SetupIntent.
    server.routes.set(
      'POST /api/conversations/conv_1/payment/confirm',
      () =>
        new Response(
          JSON.stringify({
            status: 'failed',
            message: 'Your bank declined the card. Try another card or contact your bank.',
            payment: {
              step: 'payment-requested',
              mode: 'stripe',
              clientSecret: 'seti_second_secret_2',
              publishableKey: 'pk_test_stripe',
            },
          }),
          { headers: { 'content-type': 'application/json' } },
        ),
    );
    fakeStripe().nextResults.push({ setupIntent: { id: 'seti_first', status: 'succeeded' } });
    const save = await waitFor(() => {
      const button = $<HTMLButtonElement>('.stripe-form .primary-button');
      return button && !button.disabled ? button : undefined;
    }, 'save enabled');
    save.click();
    await waitFor(() => $('.payment-error'), 'decline shown');
    assertIncludes($('.payment-error')?.textContent, 'Your bank declined the card.');
    await waitFor(
      () => fakeStripe().elementsOptions?.clientSecret === 'seti_second_secret_2',
      'mounted again with the new client secret',
    );
    assert(!firstContainer.isConnected, 'the old Payment Element is gone');
    assertEqual(element.querySelectorAll('[data-churn-payment]').length, 1);
    await assertAccessible();

    server.routes.delete('POST /api/conversations/conv_1/payment/confirm');
    fakeStripe().nextResults.push({ setupIntent: { id: 'seti_second', status: 'succeeded' } });
    const updated = nextEvent<ChurnPaymentUpdatedEvent>(element, 'churn-payment-updated');
    const again = await waitFor(() => {
      const button = $<HTMLButtonElement>('.stripe-form .primary-button');
      return button && !button.disabled ? button : undefined;
    }, 'save enabled again');
    again.click();
    await updated;
    assertEqual(server.requestsTo('/api/conversations/conv_1/payment/confirm').at(-1)?.body, {
      setupIntentId: 'seti_second',
    });
  });

  it('stripe: a Stripe.js that cannot load gives churn-error and a friendly message', async () => {
    delete (window as unknown as { Stripe?: unknown }).Stripe;
    const mounted = await mountChurnChat({ 'stripe-js-url': '/test/fixtures/missing-stripe.js' });
    const { element, server, $ } = mounted;
    server.answers.push({
      chunks: answerChunks('Card form:', {
        payment: {
          step: 'payment-requested',
          mode: 'stripe',
          clientSecret: 'seti_1_secret',
          publishableKey: 'pk_test',
        },
      }),
    });
    element.open();
    await element.updateComplete;
    const failed = nextEvent<CustomEvent<{ code: string }>>(element, 'churn-error');
    await typeAndSend(mounted, 'update card');
    assertEqual((await failed).detail.code, 'payment');
    await waitFor(() => $('.stripe-form .payment-error'), 'friendly failure');
    assertIncludes($('.stripe-form .payment-error')?.textContent, 'could not be saved');
  });
});
