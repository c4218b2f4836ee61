export { type AccountFacts, composeAccountAnswer, invoicesShown } from './account-answer.js';
