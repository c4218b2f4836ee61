export {
  planRecoveryTurnWithModel,
  recoverySystemPrompt,
  recoveryTools,
} from './plan-recovery-turn-with-model.js';
export {
  classifyRecoveryMessage,
  composeRecoveryGreeting,
  describeCard,
  formatRecoveryAmount,
  planRecoveryTurn,
  type RecoveryFacts,
  type RecoveryIntent,
  type RecoveryPlan,
  type RecoveryTurnInput,
  recoveryPhraseValues,
  sayRecoveryStep,
} from './recovery-engine.js';
export {
  createRecoveryPhraseMemory,
  pickRecoveryPhrase,
  type RecoveryPhraseMemory,
  type RecoveryPhraseStep,
  recoveryPhraseSteps,
  recoveryPhrases,
  renderRecoveryPhrase,
} from './recovery-phrasing.js';
