/** Error texts the simulator answers with (Kite's where known). */
export const MESSAGES = {
  invalidLogin: "Invalid username or password.",
  blocked:
    "Your account has been blocked after too many failed attempts. Reset your password to unblock it.",
  invalidTotp: "Invalid TOTP",
  invalidAppCode: "Invalid App Code",
  twofaMissing: "Missing user_id, request_id or twofa_value.",
  twofaRequestInvalid: "Invalid or expired login request. Please log in again.",
  invalidApiKeyPage: "Invalid api_key",
  invalidApiKey: "Invalid `api_key`.",
  invalidChecksum: "Invalid `checksum`.",
  invalidRequestToken: "Token is invalid or has expired.",
  invalidAccessToken: "Incorrect `api_key` or `access_token`.",
  routeNotFound: "Route not found",
} as const;
