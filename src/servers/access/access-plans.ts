/**
 * The price plans a node offers (config.json's `access`), and the free public tier. Money is in
 * integer minor units of the plan's currency (cents for EUR): never a float.
 */
import type { AccessScope } from "./access-context.js";

export const ACCESS_SCOPES: readonly AccessScope[] = [
  "check",
  "bulk",
  "watch",
  "proof",
  "lists",
  "data",
];

/** What one scope of a plan allows and costs. */
export interface ScopeTerms {
  /** Calls per minute per key (@fastify/rate-limit's window). */
  readonly ratePerMinute: number;
  /** Billable calls per key per calendar month (UTC); then ACCESS_QUOTA_EXCEEDED. */
  readonly monthlyQuota: number;
  /** Price of one billable call, in minor units of the plan's currency. */
  readonly price: number;
}

export interface Plan {
  /** ISO 4217 code, e.g. EUR. */
  readonly currency: string;
  /** The scopes a key on this plan may be given, with their terms. */
  readonly scopes: Readonly<Partial<Record<AccessScope, ScopeTerms>>>;
}

export interface AccessSettings {
  /** Callers without a key, on routes that allow it: calls per minute per address. */
  readonly publicTier: { readonly ratePerMinute: number };
  readonly plans: Readonly<Record<string, Plan>>;
}

const terms = (ratePerMinute: number, monthlyQuota: number, price: number): ScopeTerms => ({
  ratePerMinute,
  monthlyQuota,
  price,
});

/** The defaults, documented in docs/PROTOCOL.md "Paid access". */
export const DEFAULT_ACCESS: AccessSettings = {
  publicTier: { ratePerMinute: 20 },
  plans: {
    starter: {
      currency: "EUR",
      scopes: {
        check: terms(60, 1_000, 10),
        proof: terms(60, 1_000, 5),
        watch: terms(10, 100, 20),
        bulk: terms(5, 100, 500),
      },
    },
    business: {
      currency: "EUR",
      scopes: {
        check: terms(600, 100_000, 5),
        proof: terms(600, 100_000, 2),
        watch: terms(120, 10_000, 10),
        bulk: terms(60, 10_000, 300),
        lists: terms(60, 10_000, 100),
        data: terms(600, 100_000, 1),
      },
    },
  },
};

export const PLAN_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const isInt = (v: unknown, min: number, max: number): boolean =>
  Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function onlyFields(
  o: Record<string, unknown>,
  fields: readonly string[],
  where: string,
): string | undefined {
  const extra = Object.keys(o).find((k) => !fields.includes(k));
  if (extra !== undefined) return `${where}: unknown field "${extra}"`;
  const missing = fields.find((k) => !(k in o));
  return missing === undefined ? undefined : `${where}: "${missing}" is required`;
}

/** What is wrong with an `access` setting, or undefined if it is good. */
export function accessSettingsProblem(v: unknown): string | undefined {
  if (!isObject(v)) return "an object {publicTier, plans}";
  const shape = onlyFields(v, ["publicTier", "plans"], "access");
  if (shape) return shape;
  const pub = v.publicTier;
  if (
    !isObject(pub) ||
    onlyFields(pub, ["ratePerMinute"], "") ||
    !isInt(pub.ratePerMinute, 1, 1_000_000)
  ) {
    return "access.publicTier is {ratePerMinute: 1 to 1000000}";
  }
  const plans = v.plans;
  if (!isObject(plans) || Object.keys(plans).length > 100)
    return "access.plans is an object of at most 100 plans";
  for (const [name, plan] of Object.entries(plans)) {
    const where = `access.plans.${name}`;
    if (!PLAN_NAME.test(name)) return `${where}: a plan name is 1-32 of a-z 0-9 -`;
    if (!isObject(plan)) return `${where} is {currency, scopes}`;
    const p = onlyFields(plan, ["currency", "scopes"], where);
    if (p) return p;
    if (typeof plan.currency !== "string" || !/^[A-Z]{3}$/.test(plan.currency)) {
      return `${where}.currency is an ISO 4217 code such as EUR`;
    }
    if (!isObject(plan.scopes)) return `${where}.scopes is an object`;
    for (const [scope, t] of Object.entries(plan.scopes)) {
      const at = `${where}.scopes.${scope}`;
      if (!(ACCESS_SCOPES as readonly string[]).includes(scope)) {
        return `${at}: a scope is one of ${ACCESS_SCOPES.join(", ")}`;
      }
      if (!isObject(t)) return `${at} is {ratePerMinute, monthlyQuota, price}`;
      const f = onlyFields(t, ["ratePerMinute", "monthlyQuota", "price"], at);
      if (f) return f;
      if (!isInt(t.ratePerMinute, 1, 1_000_000)) return `${at}.ratePerMinute is 1 to 1000000`;
      if (!isInt(t.monthlyQuota, 1, 1_000_000_000_000)) return `${at}.monthlyQuota is 1 to 10^12`;
      if (!isInt(t.price, 0, 1_000_000_000))
        return `${at}.price is an integer of minor units, 0 to 10^9`;
    }
  }
  return undefined;
}
