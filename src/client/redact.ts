/**
 * What a message may show: values cut to a bound, and secrets never. Used wherever text from
 * an input or from the network reaches an error or a check failure: the client redacts the
 * credentials it sent from the bodies it is answered with; the providers redact secret inputs
 * from their failures. `redact` replaces each secret where it stands as a whole (longer
 * secrets anywhere, short ones only as a whole token, so a one-letter secret cannot garble a
 * message) in its raw, JSON-escaped and URL-encoded spellings, and any quoted fragment of one
 * (`unknown function 'x'` quoting part of a secret expression), with `[secret]`.
 */

/** Bounds on what messages show, in characters. */
export const MESSAGE_LIMITS = Object.freeze({
  /** A value quoted in a message (`got "…"`). */
  value: 64,
  /** A property path of a failure. */
  property: 256,
  /** One failure's reason, or one message of an error body. */
  reason: 2000,
  /** A whole error message. */
  message: 8192,
});

/** What a secret is shown as. */
export const SECRET = "[secret]";

/** Secrets at least this long are replaced wherever they occur; shorter ones only as a token. */
const ANYWHERE_FROM = 8;
const WORD = "[0-9A-Za-z_-]";

/** `text` cut to `max` characters, saying how long it was: `abc… (300000 characters)`. */
export function cut(text: string, max: number = MESSAGE_LIMITS.value): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** A value as a message quotes it: its JSON, a long one cut inside its quotes (`"abc…"`). */
export function shown(v: unknown, max: number = MESSAGE_LIMITS.value): string {
  if (typeof v === "string")
    return v.length <= max
      ? JSON.stringify(v)
      : `${JSON.stringify(v.slice(0, max)).slice(0, -1)}…" (${v.length} characters)`;
  let json: string | undefined;
  try {
    json = JSON.stringify(v);
  } catch {
    json = undefined;
  }
  return cut(json ?? String(v), max);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The spellings a secret may take in text: raw, JSON-escaped, URL- and form-encoded. */
function spellings(secret: string): string[] {
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  return [...forms].filter((f) => f !== "");
}

/** Each quoted fragment: `'…'`, or `"…"` with JSON escapes. */
const QUOTED = /'([^'\n]*)'|"((?:[^"\\\n]|\\.)*)"/g;

function unquoted(single: string | undefined, double: string | undefined): string {
  if (single !== undefined) return single;
  try {
    return JSON.parse(`"${double}"`) as string;
  } catch {
    return double ?? "";
  }
}

/** A redactor for `secrets` (empty strings ignored); the identity when there are none. */
export function redactor(secrets: Iterable<string>): (text: string) => string {
  const list = [...new Set([...secrets].filter((s) => s !== ""))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  const forms = list.flatMap((s) =>
    spellings(s).map((form) => ({ form, anywhere: s.length >= ANYWHERE_FROM })),
  );
  // Compiled only for a spelling a text holds: a secret policy may have thousands of strings.
  const compiled = new Map<string, RegExp>();
  const reOf = (form: string, anywhere: boolean): RegExp => {
    let re = compiled.get(form);
    if (re === undefined) {
      re = anywhere
        ? new RegExp(escapeRe(form), "g")
        : new RegExp(`(?<!${WORD})${escapeRe(form)}(?!${WORD})`, "g");
      compiled.set(form, re);
    }
    return re;
  };
  return (text) => {
    // A quoted fragment of a secret: the part a message quotes of it (a cut value's `…` dropped).
    let out = text.replace(QUOTED, (whole, single?: string, double?: string) => {
      const inner = unquoted(single, double).replace(/…$/, "");
      return inner !== "" && list.some((s) => s.includes(inner)) ? SECRET : whole;
    });
    for (const { form, anywhere } of forms)
      if (out.includes(form)) out = out.replace(reOf(form, anywhere), SECRET);
    return out;
  };
}

/** Every string in `values`, at any depth, object keys included: what a secret value may show as. */
export function stringsOf(values: Iterable<unknown>): string[] {
  const out = new Set<string>();
  const stack = [...values];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") out.add(v);
    else if (Array.isArray(v)) stack.push(...v);
    else if (v !== null && typeof v === "object")
      for (const [k, e] of Object.entries(v)) {
        out.add(k);
        stack.push(e);
      }
  }
  return [...out];
}

/** `text` with every secret (see redactor) replaced by `[secret]`. */
export function redact(text: string, secrets: Iterable<string>): string {
  return redactor(secrets)(text);
}

/** A JSON value with each string (and object key) redacted. Never recurses: deep bodies are fine. */
export function redactJson(value: unknown, redactText: (text: string) => string): unknown {
  const root = { v: value };
  const stack: [Record<string | number, unknown>, string | number][] = [[root, "v"]];
  while (stack.length > 0) {
    const [parent, key] = stack.pop()!;
    const v = parent[key];
    if (typeof v === "string") parent[key] = redactText(v);
    else if (Array.isArray(v)) {
      const copy = v.slice();
      parent[key] = copy;
      for (let i = 0; i < copy.length; i++) stack.push([copy as unknown as Record<number, unknown>, i]);
    } else if (v !== null && typeof v === "object") {
      const copy: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(v)) copy[redactText(k)] = e;
      parent[key] = copy;
      for (const k of Object.keys(copy)) stack.push([copy, k]);
    }
  }
  return root.v;
}
