import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  buildCheckReport,
  CHECK_REASONS,
  CHECK_VERDICTS,
  type CheckReport,
  checkDigitOf,
} from "../../core/check/check-report.js";
import { signCheckReport } from "../../core/check/report-signature.js";
import type { Signer } from "../../core/crypto/ed25519.js";
import { isError, makeError } from "../../core/errors/devicechain-error.js";
import type { TacDb } from "../../core/identifiers/tac-db.js";
import { DEVICE_STATES } from "../../core/state/device-state.js";
import type { CheckRead, CheckReads } from "../../ledger/read/check-reads.js";
import type { ProofSource } from "../../ledger/read/proof-source.js";
import type { RouteAccess } from "../access/access-context.js";
import { anyObject, errorSchema } from "../rest/rest-deps.js";
import { ReportCache } from "./report-cache.js";

/** What the node hands the check routes, besides the ledger: read once at start. */
export interface CheckReportDeps {
  /** The TAC database (share/tacdb.csv.gz), parsed once. */
  readonly tacs: TacDb;
  /** The node key: it signs every report (its id is GET /v1/webhooks/signing-key's). */
  readonly signer: Signer;
  /** Proof bundles for the reports; without one, reports carry no `proof`. */
  readonly proofs?: ProofSource | undefined;
}

export interface CheckPluginDeps extends CheckReportDeps {
  readonly reads: CheckReads;
}

/** A bulk check's limit, and the body it fits in: 1,000 identifiers of at most 135 characters. */
export const MAX_BATCH = 1_000;
const BATCH_BODY_LIMIT = 144 * 1024;
/** Longer than any identifier (parseIdentifier refuses more than 135 characters). */
const MAX_ID_LENGTH = 256;

const GET_ACCESS: RouteAccess = { scope: "check", billable: true, publicTier: true };
const POST_ACCESS: RouteAccess = { scope: "bulk", billable: true, publicTier: false };

const open = (properties: Record<string, unknown>, required: string[] = []) =>
  ({ type: "object", additionalProperties: true, required, properties }) as const;

const reportSchema = open(
  {
    id: { type: "string", description: "SHA-256 (hex) of the report's claims (docs/PROTOCOL.md)" },
    version: { type: "integer", enum: [1] },
    chainId: { type: "string" },
    height: { type: "integer", description: "The committed height the report is true at" },
    time: { type: "string", description: "That block's time, ISO 8601" },
    asked: { type: "string", description: "The registry key of the identifier asked" },
    registered: { type: "boolean" },
    identifiers: {
      type: "array",
      items: open({
        kind: { type: "string" },
        key: { type: "string" },
        display: { type: "string" },
        tac: { type: "string" },
        tacKnown: { type: "boolean" },
      }),
    },
    validity: open({
      checkDigit: { type: "string", enum: ["valid", "invalid", "not_given", "not_applicable"] },
      tacKnown: { type: ["boolean", "null"] },
    }),
    model: open({
      brand: { type: "string" },
      model: { type: "string" },
      source: { type: "string", description: "The TAC database's CC-BY-SA attribution" },
    }),
    state: { type: "string", enum: [...DEVICE_STATES] },
    equipmentStatus: { type: "string", enum: ["WHITELISTED", "BLACKLISTED", "GREYLISTED"] },
    verdict: { type: "string", enum: [...CHECK_VERDICTS] },
    reasons: { type: "array", items: { type: "string", enum: [...CHECK_REASONS] } },
    history: {
      type: "array",
      items: open({
        date: { type: "string" },
        height: { type: "integer" },
        kind: { type: "string" },
        actorRole: { type: "string" },
        organisation: { type: "string" },
      }),
    },
    ownershipChanges: { type: "integer" },
    proof: { ...anyObject, description: "The proof bundle of the device record at `height`" },
    signature: open({
      keyId: { type: "string", description: "The node key id" },
      sig: { type: "string", description: "Ed25519, base64url, over reportSigningBytes" },
    }),
  },
  ["id", "version", "chainId", "height", "time", "verdict", "reasons", "history", "signature"],
);

/** A report's cache key: the claims depend on the identifier asked and how its check digit was typed. */
const cacheKey = ({ facts }: CheckRead): string =>
  `${facts.asked.key}\n${checkDigitOf(facts.input, facts.asked)}`;

/**
 * GET /v1/check/{id}: the signed check report of one device; POST /v1/check: up to 1,000, each
 * identifier answered on its own (an invalid one is an inline error, not a failed batch).
 */
export async function checkPlugin(fastify: FastifyInstance, deps: CheckPluginDeps): Promise<void> {
  const { reads, tacs, signer, proofs } = deps;
  const cache = new ReportCache();

  /**
   * The report of what was read, from the cache when this height's was built already; else the
   * proof is asked in the same tick as the reads, and the report is signed once it arrives.
   */
  function report(read: CheckRead, key = cacheKey(read)): CheckReport | Promise<CheckReport> {
    const { facts } = read;
    const cached = cache.get(facts.height, key);
    if (cached) return cached;
    const unsigned = buildCheckReport(facts, tacs);
    if (proofs === undefined) {
      const signed = signCheckReport(signer, unsigned);
      cache.set(facts.height, key, signed);
      return signed;
    }
    return proofs.prove(read.proofKeys).then((proof) => {
      // On CometBFT, after an idle empty block the bundle is of the height before, whose next
      // header is committed: the same state (the same app hash), so it proves this report too.
      if (proof.appHash !== read.appHash || proof.chainId !== unsigned.chainId) {
        throw makeError(
          "CHECK_PROOF_HEIGHT_MISMATCH",
          `The proof reaches app hash ${proof.appHash} at height ${proof.height}; the report read app hash ${read.appHash} at height ${unsigned.height}`,
        );
      }
      const signed = signCheckReport(signer, { ...unsigned, proof });
      cache.set(facts.height, key, signed);
      return signed;
    });
  }

  fastify.get(
    "/v1/check/:id",
    {
      config: { access: GET_ACCESS },
      schema: {
        summary:
          "A buyer's check report: verdict (passed, caution, failed) and reasons, model, history, signed by the node",
        description:
          'Any identifier form. An unknown but valid identifier is a report (verdict caution, reason unregistered), not a 404; an invalid one is its identifier error. docs/PROTOCOL.md, "Check reports".',
        tags: ["check"],
        params: {
          type: "object",
          properties: {
            id: {
              type: "string",
              description:
                "IMEI (15 digits, check digit verified), IMEISV, PEI, MAC, EUI-64, EID or serial:<manufacturer>:<serial>",
            },
          },
        },
        response: { 200: reportSchema, "4xx": errorSchema, "5xx": errorSchema },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const read = reads.read((request.params as { id: string }).id);
      request.attribution = read.attribution;
      const key = cacheKey(read);
      const signed = await report(read, key);
      // The route's own serialiser (its 200 schema) makes the JSON once per cached report; the
      // string is sent as it is, so fastify does not serialise the same report on every request.
      const json = cache.json(read.facts.height, key, signed, (r) =>
        // fast-json-stringify, the route's serialiser, returns a string.
        String(reply.serialize(r)),
      );
      return reply.type("application/json; charset=utf-8").send(json);
    },
  );

  fastify.post(
    "/v1/check",
    {
      bodyLimit: BATCH_BODY_LIMIT,
      config: { access: POST_ACCESS },
      schema: {
        summary: `Check reports for up to ${MAX_BATCH} identifiers at once (needs an API key)`,
        description:
          "Every report is of the same height. An identifier that cannot be read is answered in its place as {input, error}; more than 1,000 is CHECK_BATCH_TOO_LARGE.",
        tags: ["check"],
        body: {
          type: "object",
          required: ["ids"],
          additionalProperties: false,
          properties: {
            ids: {
              type: "array",
              description: `At most ${MAX_BATCH} identifiers, in any form`,
              items: { type: "string", maxLength: MAX_ID_LENGTH },
            },
          },
        },
        response: {
          200: open(
            {
              results: {
                type: "array",
                items: open({
                  input: { type: "string" },
                  report: reportSchema,
                  error: errorSchema.properties.error,
                }),
              },
            },
            ["results"],
          ),
          "4xx": errorSchema,
          "5xx": errorSchema,
        },
      },
    },
    async (request: FastifyRequest) => {
      const { ids } = request.body as { ids: string[] };
      if (ids.length > MAX_BATCH) {
        throw makeError(
          "CHECK_BATCH_TOO_LARGE",
          `${ids.length} identifiers; at most ${MAX_BATCH}`,
          { data: { max: MAX_BATCH } },
        );
      }
      // Every read and every prove call in one synchronous pass: all of one height.
      const attribution = new Set<string>();
      const pending = ids.map((input) => {
        try {
          const read = reads.read(input);
          for (const key of read.attribution) attribution.add(key);
          return { input, report: report(read) };
        } catch (e) {
          if (!isError(e)) throw e;
          return { input, error: { code: e.code, message: e.message } };
        }
      });
      request.attribution = [...attribution];
      const results = await Promise.all(
        pending.map(async (p) => ("report" in p ? { input: p.input, report: await p.report } : p)),
      );
      return { results };
    },
  );
}
