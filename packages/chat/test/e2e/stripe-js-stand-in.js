// A local stand-in for Stripe.js (js.stripe.com cannot be reached in tests), served by the
// end-to-end tests' site next to the page. It implements the subset the widget uses:
// `Stripe(pk)`, `elements({ clientSecret, appearance })`, `create('payment')`, `mount(el)`,
// `destroy()` and `confirmSetup({ elements, redirect: 'if_required' })`. The "Payment Element"
// is one labelled card-number field; confirming sends the SetupIntent confirmation with the
// publishable key and the client secret, as Stripe.js does, to the Stripe emulator (through
// `/stripe/v1/...` on this script's own origin), so the SetupIntent really succeeds or fails
// there. Stripe's test numbers map to the emulator's test payment methods.
(() => {
  const apiBase = new URL('./v1/', document.currentScript.src).href;
  const testCards = {
    4242424242424242: 'pm_card_visa',
    5555555555554444: 'pm_card_mastercard',
    4000000000000341: 'pm_card_chargeCustomerFail',
    4000000000000002: 'pm_card_chargeDeclined',
    4000002500003155: 'pm_card_authenticationRequiredOnSetup',
  };
  const log = { mounts: [], confirms: [] };
  window.__stripeStandIn = log;

  window.Stripe = (publishableKey) => ({
    elements(options) {
      const clientSecret = options.clientSecret;
      let input;
      return {
        clientSecret,
        create(type) {
          if (type !== 'payment')
            throw new Error(`The stand-in only makes 'payment', not ${type}.`);
          return {
            mount(target) {
              if (target.getRootNode() instanceof ShadowRoot) {
                throw new Error('Stripe Elements cannot be mounted in a ShadowRoot.');
              }
              input = document.createElement('input');
              input.name = 'stand-in-card-number';
              input.autocomplete = 'cc-number';
              input.inputMode = 'numeric';
              input.setAttribute('aria-label', 'Card number (Stripe stand-in)');
              input.style.fontSize = '16px';
              target.append(input);
              log.mounts.push({ clientSecret, connected: () => input.isConnected });
            },
            destroy() {
              input?.remove();
            },
          };
        },
        readCard() {
          return (input?.value ?? '').replace(/\D/g, '');
        },
      };
    },
    async confirmSetup({ elements, redirect }) {
      const number = elements.readCard();
      const paymentMethod = testCards[number];
      log.confirms.push({ redirect, clientSecret: elements.clientSecret, number });
      if (!paymentMethod) {
        return {
          error: {
            type: 'validation_error',
            code: 'incomplete_number',
            message: 'Your card number is incomplete.',
          },
        };
      }
      const setupIntentId = elements.clientSecret.split('_secret_')[0];
      const response = await fetch(`${apiBase}setup_intents/${setupIntentId}/confirm`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${publishableKey}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          client_secret: elements.clientSecret,
          payment_method: paymentMethod,
        }),
      });
      const body = await response.json();
      if (body.error) {
        return {
          error: { type: body.error.type, code: body.error.code, message: body.error.message },
        };
      }
      if (body.status === 'requires_action') {
        // Stripe.js would show the bank's 3-D Secure page here; the stand-in fails it.
        return {
          error: {
            type: 'card_error',
            code: 'setup_intent_authentication_failure',
            message: 'We are unable to authenticate your payment method.',
          },
        };
      }
      return { setupIntent: { id: body.id, status: body.status } };
    },
  });
})();
