// Real-browser helpers for end-to-end tests: the system Chromium through playwright-core and
// an axe-core accessibility check. Import from `@churn/testing/browser`.

export {
  type AccessibilityViolation,
  expectAccessible,
  findAccessibilityViolations,
} from './check-accessibility.js';
export { chromiumArgs, defaultChromiumPath, launchChromium } from './launch-chromium.js';
