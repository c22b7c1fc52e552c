/** The format of a TOTP key: what configuration checks, before any code is made. */

/** Zerodha's keys are 32 base32 characters (20 bytes); some older ones are 10 bytes. */
export const MIN_SECRET_BYTES = 10;

/** Normalises a pasted secret: spaces and dashes removed, upper case, no padding. */
export function normaliseTotpSecret(secret: string): string {
  return secret.replace(/[\s-]/g, "").replace(/=+$/, "").toUpperCase();
}

/**
 * Why a secret cannot be a base32 TOTP key, or undefined when it can: the likely mistake
 * named (a 6-digit code, an otpauth:// URI, quotes), never the value itself.
 */
export function totpSecretProblem(secret: string): string | undefined {
  const trimmed = secret.trim();
  if (/^\d{6}$/.test(trimmed))
    return "is a 6-digit code, not the key: put the key behind your authenticator here (32 letters and digits), which makes a new code every 30 seconds";
  if (/^otpauth:\/\//i.test(trimmed))
    return "is an otpauth:// URI (the QR code's text): put only the value of its secret= parameter here";
  if (/^["'`]|["'`]$/.test(trimmed))
    return "is wrapped in quotes: remove them (quotes are part of the value in the environment and in NAME_FILE files)";
  const s = normaliseTotpSecret(secret);
  if (s.length === 0) return "is empty";
  if (!/^[A-Z2-7]+$/.test(s)) return "is not base32 (only letters A-Z and digits 2-7 are allowed)";
  const bytes = Math.floor((s.length * 5) / 8);
  if (bytes < MIN_SECRET_BYTES)
    return `is too short (${s.length} characters; a TOTP key has at least 16)`;
  return undefined;
}
