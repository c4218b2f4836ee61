import { css } from 'lit';

/**
 * Styles of `<churn-chat>`, adopted as a constructable stylesheet (no `<style>` element, no
 * inline style: fine under a strict CSP). Two tiers of custom properties: the public
 * `--churn-*` ones a page sets on `churn-chat`, and private `--_*` ones resolved from them,
 * the tenant's branding, then the defaults.
 */
export const churnChatStyles = css`
  :host {
    all: initial;
    display: block;
    position: static;
    contain: style;
  }

  :host([hidden]) {
    display: none;
  }

  .base {
    --_brand-primary-default: #4338ca;
    --_primary: var(--churn-color-primary, var(--_brand-primary, var(--_brand-primary-default)));
    --_on-primary: var(--churn-color-on-primary, var(--_brand-on-primary, #ffffff));
    --_surface: var(--churn-color-surface, #ffffff);
    --_surface-muted: var(--churn-color-surface-muted, #f3f4f6);
    --_text: var(--churn-color-text, #111827);
    --_text-muted: var(--churn-color-text-muted, #4b5563);
    --_border: var(--churn-color-border, #d1d5db);
    --_link: var(--churn-color-link, #1d4ed8);
    --_danger: var(--churn-color-danger, #b91c1c);
    --_success: var(--churn-color-success, #166534);
    --_focus: var(--churn-color-focus, #1d4ed8);
    --_radius: var(--churn-radius, 16px);
    --_font: var(
      --churn-font-family,
      system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      'Helvetica Neue',
      Arial,
      sans-serif
    );
    --_font-size: var(--churn-font-size, 15px);
    --_z-index: var(--churn-z-index, 2147483000);
    --_offset: var(--churn-offset, 20px);
    --_launcher-size: var(--churn-launcher-size, 56px);
    --_panel-width: var(--churn-panel-width, 380px);
    --_panel-height: var(--churn-panel-height, 600px);
    --_shadow: var(--churn-shadow, 0 12px 40px rgb(0 0 0 / 0.18));

    font-family: var(--_font);
    font-size: var(--_font-size);
    line-height: 1.5;
    color: var(--_text);
    text-align: start;
    -webkit-text-size-adjust: 100%;
    text-size-adjust: 100%;
  }

  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }

  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }

  button,
  input,
  textarea {
    font: inherit;
    color: inherit;
  }

  button {
    cursor: pointer;
  }

  button:disabled {
    cursor: not-allowed;
    opacity: 0.6;
  }

  :focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }

  .launcher {
    position: fixed;
    z-index: var(--_z-index);
    inset-block-end: var(--_offset);
    inset-inline-end: var(--_offset);
    width: var(--_launcher-size);
    height: var(--_launcher-size);
    display: grid;
    place-items: center;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: var(--_primary);
    color: var(--_on-primary);
    box-shadow: var(--_shadow);
    transition: transform 0.15s ease;
  }

  .launcher:hover {
    transform: scale(1.05);
  }

  .launcher svg,
  .icon-button svg {
    width: 26px;
    height: 26px;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
    stroke-linejoin: round;
  }

  .panel {
    position: fixed;
    z-index: var(--_z-index);
    inset-block-end: calc(var(--_offset) + var(--_launcher-size) + 12px);
    inset-inline-end: var(--_offset);
    width: min(var(--_panel-width), calc(100vw - 2 * var(--_offset)));
    height: min(var(--_panel-height), calc(100vh - var(--_launcher-size) - 3 * var(--_offset)));
    display: flex;
    flex-direction: column;
    overflow: hidden;
    background: var(--_surface);
    color: var(--_text);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    box-shadow: var(--_shadow);
  }

  .panel[hidden] {
    display: none;
  }

  .base.left .launcher,
  .base.left .panel {
    inset-inline-end: auto;
    left: var(--_offset);
    right: auto;
  }

  .base.right .launcher,
  .base.right .panel {
    inset-inline-end: auto;
    right: var(--_offset);
    left: auto;
  }

  .base.start .launcher,
  .base.start .panel {
    inset-inline-end: auto;
    inset-inline-start: var(--_offset);
  }

  .header {
    display: flex;
    align-items: center;
    gap: 10px;
    padding: 12px 12px 12px 16px;
    background: var(--_primary);
    color: var(--_on-primary);
  }

  .logo {
    width: 32px;
    height: 32px;
    border-radius: 8px;
    object-fit: cover;
    background: var(--_surface);
  }

  .heading {
    flex: 1;
    min-width: 0;
  }

  .title {
    margin: 0;
    font-size: 1.05em;
    font-weight: 600;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }

  .status {
    margin: 0;
    font-size: 0.85em;
    display: flex;
    align-items: center;
    gap: 6px;
  }

  .status-dot {
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: #22c55e;
    border: 1px solid var(--_on-primary);
  }

  .status-dot.busy {
    background: #facc15;
  }

  .status-dot.offline {
    background: #9ca3af;
  }

  .icon-button {
    display: grid;
    place-items: center;
    width: 44px;
    height: 44px;
    padding: 0;
    border: 0;
    border-radius: 50%;
    background: transparent;
    color: inherit;
  }

  .icon-button svg {
    width: 22px;
    height: 22px;
  }

  .messages {
    flex: 1;
    overflow-y: auto;
    overscroll-behavior: contain;
    padding: 16px;
    display: flex;
    flex-direction: column;
    gap: 12px;
  }

  .message {
    display: flex;
    flex-direction: column;
    gap: 6px;
    max-width: 88%;
  }

  .message.user {
    align-self: flex-end;
    align-items: flex-end;
  }

  .message.assistant {
    align-self: flex-start;
  }

  .bubble {
    padding: 10px 14px;
    border-radius: var(--_radius);
    background: var(--_surface-muted);
    color: var(--_text);
    overflow-wrap: anywhere;
  }

  .user .bubble {
    background: var(--_primary);
    color: var(--_on-primary);
    white-space: pre-wrap;
  }

  .plain {
    white-space: pre-wrap;
  }

  .bubble a {
    color: var(--_link);
    text-decoration: underline;
  }

  .typing {
    display: inline-flex;
    gap: 4px;
    padding: 4px 0;
  }

  .typing span {
    width: 7px;
    height: 7px;
    border-radius: 50%;
    background: var(--_text-muted);
    animation: churn-typing 1.2s infinite ease-in-out;
  }

  .typing span:nth-child(2) {
    animation-delay: 0.15s;
  }

  .typing span:nth-child(3) {
    animation-delay: 0.3s;
  }

  @keyframes churn-typing {
    0%,
    80%,
    100% {
      opacity: 0.3;
      transform: translateY(0);
    }
    40% {
      opacity: 1;
      transform: translateY(-3px);
    }
  }

  @media (prefers-reduced-motion: reduce) {
    .typing span,
    .launcher {
      animation: none;
      transition: none;
    }
  }

  .note {
    margin: 0;
    font-size: 0.85em;
    color: var(--_text-muted);
  }

  .note.error {
    color: var(--_danger);
  }

  .secondary-button {
    border: 1px solid var(--_border);
    background: var(--_surface);
    color: var(--_text);
    border-radius: 999px;
    padding: 6px 12px;
    min-height: 36px;
  }

  .link-button {
    border: 0;
    background: none;
    color: var(--_link);
    text-decoration: underline;
    padding: 0 4px;
    min-height: 24px;
  }

  .prompt,
  .handover,
  .payment {
    border: 1px solid var(--_border);
    border-radius: 12px;
    padding: 10px 12px;
    background: var(--_surface);
    display: flex;
    flex-direction: column;
    gap: 8px;
  }

  .prompt p,
  .handover p,
  .payment p {
    margin: 0;
  }

  .handover {
    align-self: stretch;
    background: #eff6ff;
    border-color: #bfdbfe;
    color: #1e3a8a;
  }

  .payment-title {
    font-weight: 600;
  }

  .demo-badge {
    align-self: flex-start;
    font-size: 0.8em;
    font-weight: 700;
    letter-spacing: 0.04em;
    color: #7c2d12;
    background: #ffedd5;
    border: 1px dashed #c2410c;
    border-radius: 6px;
    padding: 2px 8px;
  }

  .success {
    color: var(--_success);
    font-weight: 600;
  }

  .payment-error {
    color: var(--_danger);
  }

  .alert {
    margin: 0 16px 8px;
    padding: 8px 12px;
    border-radius: 8px;
    background: #fef2f2;
    color: var(--_danger);
    font-size: 0.9em;
  }

  .composer {
    display: flex;
    align-items: flex-end;
    gap: 8px;
    padding: 10px 12px;
    border-top: 1px solid var(--_border);
    background: var(--_surface);
  }

  .composer textarea {
    flex: 1;
    resize: none;
    max-height: 120px;
    min-height: 44px;
    border: 1px solid #6b7280;
    border-radius: 12px;
    padding: 10px 12px;
    font-size: max(16px, var(--_font-size));
    line-height: 1.4;
    background: var(--_surface);
    color: var(--_text);
  }

  .composer .icon-button {
    flex: none;
    background: var(--_primary);
    color: var(--_on-primary);
  }

  .composer .stop {
    background: var(--_text);
    color: var(--_surface);
  }

  @media (max-width: 480px) {
    .panel {
      inset: var(--churn-viewport-top, 0) 0 auto 0;
      width: 100%;
      height: var(--churn-viewport-height, 100dvh);
      max-height: none;
      border-radius: 0;
      border: 0;
    }

    .base.left .panel,
    .base.right .panel,
    .base.start .panel {
      left: 0;
      right: 0;
      inset-inline-start: 0;
    }

    .base.open .launcher {
      display: none;
    }
  }
`;
