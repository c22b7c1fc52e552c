import { z } from "zod";
import { parseStoreList, type StoreSpec } from "./store-spec.js";

/** Where the token is delivered: TOKEN_STORES and what its stores need. */
export const deliveryShape = {
  TOKEN_STORES: z
    .string()
    .optional()
    .transform((value, ctx): StoreSpec[] | undefined => {
      if (value === undefined || value.trim() === "") return undefined;
      try {
        return parseStoreList(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
  GITHUB_TOKEN: z
    .string()
    .optional()
    .transform((s) => (s === undefined || s.trim() === "" ? undefined : s.trim())),
  GITHUB_API_URL: z
    .string()
    .trim()
    .refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), "must be an http(s) URL")
    .transform((s) => s.replace(/\/+$/, "")),
};

export interface DeliveryConfig {
  /** The stores, primary first; TOKEN_FILE alone means `file:TOKEN_FILE`. */
  stores: StoreSpec[];
  github: { token: string | undefined; apiUrl: string };
}

/** Problems only visible across variables: a github store without GITHUB_TOKEN. */
export function deliveryProblems(delivery: DeliveryConfig): string[] {
  return delivery.stores
    .filter((s) => s.kind === "github")
    .filter(() => delivery.github.token === undefined)
    .map(
      (s) =>
        `GITHUB_TOKEN is required by the github:${s.owner}/${s.repo} store in TOKEN_STORES (a token that may write the repository's Actions secrets)`,
    );
}
