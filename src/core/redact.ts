/**
 * Known secret values, replaced wherever they would be written. Redaction happens at
 * the output (logger destination and CLI printing), so a secret that slips into an
 * error message or a third-party text is still never shown.
 */
export const REDACTED = "[redacted]";

/** A URL with credentials in it (`scheme://user:password@host`). */
export const CREDENTIALS_IN_URL = /\/\/[^/@\s]*:[^/@\s]*@/;

export class SecretRedactor {
  readonly #values = new Set<string>();

  add(...values: Array<string | undefined>): this {
    for (const value of values) {
      // Very short values would blank out ordinary words; none of ours are that short.
      if (value !== undefined && value.length >= 6) this.#values.add(value);
    }
    return this;
  }

  /** The known values, for a redactor in another process (the login host's evidence). */
  values(): string[] {
    return [...this.#values];
  }

  scrub(text: string): string {
    let out = text;
    for (const value of this.#values) {
      if (out.includes(value)) out = out.split(value).join(REDACTED);
    }
    return out;
  }
}
