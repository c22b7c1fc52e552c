import type { StoreSpec } from "./store-spec.js";

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
