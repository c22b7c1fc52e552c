import { z } from "zod";

/** Many accounts: ACCOUNTS_FILE and CONCURRENCY, a fragment of the configuration schema. */
export const AccountsRawShape = {
  ACCOUNTS_FILE: z
    .string()
    .trim()
    .optional()
    .transform((s) => (s === "" ? undefined : s)),
  CONCURRENCY: z.coerce
    .number({ message: "must be a number of simultaneous logins" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(16, "must be at most 16"),
};

/** The file looked for when ACCOUNTS_FILE is not set, relative to the working directory. */
export const DEFAULT_ACCOUNTS_FILE = "config/accounts.json";
