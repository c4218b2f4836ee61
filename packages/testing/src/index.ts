/**
 * `@churn/testing`: local emulators of the vendors Churn talks to, for tests that use the
 * official SDKs with no network. The conformance suites live at `@churn/testing/conformance`.
 *
 * @module
 */
export * from './emulators/index.js';
