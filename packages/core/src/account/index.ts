export { type AccountFacts, composeAccountAnswer } from './account-answer.js';
