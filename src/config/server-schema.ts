import { z } from "zod";

const optionalSecret = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s === "" ? undefined : s));

/** The token console's variables (`kite-token serve`, or the worker with SERVER_ENABLED). */
export const ServerRawSchema = {
  HOST: z.string().trim().min(1, "must not be empty"),
  PORT: z.coerce
    .number({ message: "must be a port number" })
    .int("must be a whole number")
    .min(0, "must be 0-65535")
    .max(65535, "must be 0-65535"),
  ADMIN_TOKEN: optionalSecret.refine(
    (value) => value === undefined || value.length >= 16,
    "must be at least 16 characters (e.g. `openssl rand -hex 24`)",
  ),
  SERVER_ENABLED: z.enum(["true", "false"], { message: "must be true or false" }),
  SERVER_RATE_LIMIT_PER_MINUTE: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(10_000, "must be at most 10000"),
};

export interface ServerConfig {
  host: string;
  port: number;
  adminToken: string | undefined;
  enabled: boolean;
  rateLimitPerMinute: number;
}
