/** A value of a form-encoded Stripe request: text, a nested object, or an array. */
export type StripeFormValue = string | StripeFormObject | StripeFormValue[];

/** A nested object decoded from bracket notation. */
export interface StripeFormObject {
  [key: string]: StripeFormValue;
}

function splitKey(key: string): string[] | undefined {
  const first = key.indexOf('[');
  if (first === -1) return [key];
  const parts = [key.slice(0, first)];
  const rest = key.slice(first);
  const pattern = /\[([^\]]*)\]/g;
  let consumed = 0;
  for (let match = pattern.exec(rest); match !== null; match = pattern.exec(rest)) {
    if (match.index !== consumed) return undefined;
    parts.push(match[1] ?? '');
    consumed = match.index + match[0].length;
  }
  return consumed === rest.length ? parts : undefined;
}

/**
 * Decodes an `application/x-www-form-urlencoded` body (or query string) the way Stripe reads it:
 * `a[b][c]=1` nests, `expand[]=x` and `expand[0]=x` build arrays, `metadata[key]=` keeps an
 * empty string (Stripe's "unset"). Throws a `SyntaxError` naming the key for malformed brackets.
 */
export function parseStripeForm(text: string): StripeFormObject {
  const root: StripeFormObject = {};
  if (text.trim() === '') return root;
  const params = new URLSearchParams(text);
  for (const [key, value] of params) {
    const parts = splitKey(key);
    if (parts === undefined || parts[0] === '') {
      throw new SyntaxError(`Invalid form key: ${key}`);
    }
    let container: StripeFormObject | StripeFormValue[] = root;
    for (let index = 0; index < parts.length; index++) {
      const part = parts[index]!;
      const last = index === parts.length - 1;
      const nextIsArray = !last && (parts[index + 1] === '' || /^\d+$/.test(parts[index + 1]!));
      if (Array.isArray(container)) {
        const position: number = part === '' ? container.length : Number(part);
        if (!Number.isInteger(position)) throw new SyntaxError(`Invalid array index in ${key}`);
        if (last) {
          container[position] = value;
        } else {
          container[position] ??= nextIsArray ? [] : {};
          const child: StripeFormValue = container[position]!;
          if (typeof child === 'string') throw new SyntaxError(`Conflicting keys at ${key}`);
          container = child;
        }
      } else {
        if (last) {
          container[part] = value;
        } else {
          container[part] ??= nextIsArray ? [] : {};
          const child: StripeFormValue = container[part]!;
          if (typeof child === 'string') throw new SyntaxError(`Conflicting keys at ${key}`);
          container = child;
        }
      }
    }
  }
  return compactArrays(root) as StripeFormObject;
}

/** Removes holes left by sparse indices (`a[0]`, `a[2]`). */
function compactArrays(value: StripeFormValue): StripeFormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    return value.filter((item) => item !== undefined).map((item) => compactArrays(item));
  }
  const result: StripeFormObject = {};
  for (const [key, item] of Object.entries(value)) result[key] = compactArrays(item);
  return result;
}
