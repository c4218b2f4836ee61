import { findPii, type PiiKind, piiKinds } from './pii-detectors.js';

/**
 * What {@link maskPii} replaced: placeholder (`[EMAIL_1]`) → original value. Keep it on
 * the server for the length of one turn; never send it to a model or a log.
 */
export interface PiiVault {
  /** Placeholder → original value. */
  readonly entries: Map<string, string>;
}

/** A text with its personal data replaced, and the vault that restores it. */
export interface MaskedText {
  masked: string;
  vault: PiiVault;
}

/** Options of {@link maskPii}. */
export interface MaskPiiOptions {
  /**
   * A vault to extend: the same value gets the same placeholder across texts (a question
   * and its history), and new values continue the numbering.
   */
  vault?: PiiVault;
}

/** A new, empty vault. */
export function createPiiVault(): PiiVault {
  return { entries: new Map() };
}

const placeholderPattern = new RegExp(`\\[(?:${piiKinds.join('|')})_\\d+\\]`, 'g');

/**
 * Replaces emails, phone numbers, card numbers (Luhn-checked), IBANs (mod-97 checked),
 * US SSNs, UK National Insurance numbers and street addresses in `text` with placeholders
 * like `[EMAIL_1]`; the same value gets the same placeholder. A placeholder that already
 * appears in the text is never reused, so {@link unmaskPii} restores the text exactly.
 *
 * @example
 * const { masked, vault } = maskPii('Mail me at ada@example.com');
 * // masked: 'Mail me at [EMAIL_1]'
 * unmaskPii(masked, vault); // 'Mail me at ada@example.com'
 */
export function maskPii(text: string, options: MaskPiiOptions = {}): MaskedText {
  const vault = options.vault ?? createPiiVault();
  const matches = findPii(text);
  if (matches.length === 0) return { masked: text, vault };
  const byValue = new Map<string, string>();
  for (const [placeholder, value] of vault.entries)
    byValue.set(`${kindOf(placeholder)}:${value}`, placeholder);
  const taken = new Set([...(text.match(placeholderPattern) ?? []), ...vault.entries.keys()]);
  let masked = '';
  let position = 0;
  for (const match of matches) {
    masked += text.slice(position, match.start);
    const key = `${match.kind}:${match.value}`;
    let placeholder = byValue.get(key);
    if (placeholder === undefined) {
      placeholder = nextPlaceholder(match.kind, taken);
      taken.add(placeholder);
      byValue.set(key, placeholder);
      vault.entries.set(placeholder, match.value);
    }
    masked += placeholder;
    position = match.end;
  }
  masked += text.slice(position);
  return { masked, vault };
}

function kindOf(placeholder: string): string {
  return placeholder.slice(1, placeholder.lastIndexOf('_'));
}

function nextPlaceholder(kind: PiiKind, taken: ReadonlySet<string>): string {
  for (let number = 1; ; number += 1) {
    const placeholder = `[${kind}_${number}]`;
    if (!taken.has(placeholder)) return placeholder;
  }
}

/**
 * Puts the original values back for every placeholder of `vault` in `text`. Placeholders
 * the vault does not know (a model that invented `[EMAIL_9]`) stay as they are.
 */
export function unmaskPii(text: string, vault: PiiVault): string {
  if (vault.entries.size === 0) return text;
  return text.replace(
    placeholderPattern,
    (placeholder) => vault.entries.get(placeholder) ?? placeholder,
  );
}

/** Longest placeholder prefix held back while streaming: `[ADDRESS_` plus ten digits. */
const maxPlaceholderLength = 24;
const partialPlaceholder = new RegExp(`^\\[(?:[A-Z]{0,7}|(?:${piiKinds.join('|')})_\\d*)$`);

/**
 * Unmasks a streamed reply: text deltas go in, unmasked text comes out. A placeholder
 * split across deltas (`[EMA` + `IL_1]`) is held back until it is complete, so the
 * customer never sees half of one; {@link PiiStreamUnmasker.flush} releases what is held
 * when the stream ends.
 */
export interface PiiStreamUnmasker {
  /** Takes a delta; answers the text that can be shown now (maybe empty). */
  push(delta: string): string;
  /** The text still held back, unmasked; call once when the stream ends. */
  flush(): string;
}

/** Creates a {@link PiiStreamUnmasker} over `vault`. */
export function createPiiStreamUnmasker(vault: PiiVault): PiiStreamUnmasker {
  let held = '';
  return {
    push(delta) {
      const text = held + delta;
      const open = text.lastIndexOf('[');
      if (
        open >= 0 &&
        text.length - open <= maxPlaceholderLength &&
        partialPlaceholder.test(text.slice(open))
      ) {
        held = text.slice(open);
        return unmaskPii(text.slice(0, open), vault);
      }
      held = '';
      return unmaskPii(text, vault);
    },
    flush() {
      const text = held;
      held = '';
      return unmaskPii(text, vault);
    },
  };
}
