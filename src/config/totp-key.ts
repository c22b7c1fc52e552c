/** The format of a TOTP key: what configuration checks, before any code is made. */

/** Zerodha's keys are 32 base32 characters (20 bytes); some older ones are 10 bytes. */
export const MIN_SECRET_BYTES = 10;

/** Normalises a pasted secret: spaces and dashes removed, upper case, no padding. */
export function normaliseTotpSecret(secret: string): string {
  return secret.replace(/[\s-]/g, "").replace(/=+$/, "").toUpperCase();
}

/** Why a secret cannot be a base32 TOTP key, or undefined when it can. */
export function totpSecretProblem(secret: string): string | undefined {
  const s = normaliseTotpSecret(secret);
  if (s.length === 0) return "is empty";
  if (!/^[A-Z2-7]+$/.test(s)) return "is not base32 (only letters A-Z and digits 2-7 are allowed)";
  const bytes = Math.floor((s.length * 5) / 8);
  if (bytes < MIN_SECRET_BYTES)
    return `is too short (${s.length} characters; a TOTP key has at least 16)`;
  return undefined;
}
