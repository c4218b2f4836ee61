export {
  createSandboxPaymentProvider,
  type SandboxCharge,
  type SandboxCustomerIds,
  type SandboxCustomerSeed,
  type SandboxCustomerView,
  type SandboxPaymentProvider,
  type SandboxPaymentProviderSettings,
} from './sandbox-payment-provider.js';
export {
  passesLuhn,
  type SandboxCardBehaviour,
  type SandboxCardInput,
  type SandboxTestCard,
  sandboxTestCards,
  validateSandboxCard,
} from './sandbox-test-cards.js';
