/** One Kite account's login and app credentials: the secrets a refresh needs. */
export interface KiteCredentials {
  apiKey: string;
  apiSecret: string;
  userId: string;
  password: string;
  totpSecret: string;
}
