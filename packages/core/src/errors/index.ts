export { ChurnError, type ChurnErrorCode, type ChurnErrorOptions } from './churn-error.js';
export { InvalidTransitionError } from './invalid-transition-error.js';
export { ValidationError, type ValidationIssue } from './validation-error.js';
