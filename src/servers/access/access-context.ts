/**
 * What paid access (servers/access) tells the routes behind it, and what they tell it back. A
 * route opts in with `config: { access: { scope, billable } }`; the access plugin's hooks then
 * authenticate the caller (an API key, or the free public tier by address), apply the plan's rate
 * and quota, and meter a billable answer durably before it leaves.
 */
export type AccessScope = "check" | "bulk" | "watch" | "proof" | "lists" | "data";

export interface RouteAccess {
  readonly scope: AccessScope;
  /** Metered, and counted against the monthly quota. */
  readonly billable: boolean;
  /** Answered without a key, under the public tier's per-address limits. */
  readonly publicTier?: boolean;
}

/** Who is asking: a third party's API key, or someone without a key on the public tier. */
export type Accessor =
  | {
      readonly kind: "key";
      /** The key's public id (its prefix and id, never the secret). */
      readonly keyId: string;
      readonly org: string;
      readonly plan: string;
      readonly scopes: readonly AccessScope[];
    }
  | { readonly kind: "public"; readonly address: string };

declare module "fastify" {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** Set by the access plugin before the handler runs, on routes with `config.access`. */
    accessor?: Accessor;
    /**
     * Set by a billable handler: the member ids whose records made the answer (the manufacturer
     * that registered the device, the members that reported or blocked it, the operators that
     * paired it: ledger/read/device-attribution.ts), for the revenue share. Member ids, not key
     * ids, so that a member's share survives a rotation of its key.
     */
    attribution?: readonly string[];
  }
}
