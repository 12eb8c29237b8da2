import type { FastifyInstance } from "fastify";
import { DEVICE_STATES } from "../../core/state/device-state.js";
import { deviceView } from "./device-view.js";
import { anyObject, errorSchema, type RestDeps } from "./rest-deps.js";

const idParam = {
  type: "object",
  properties: {
    id: {
      type: "string",
      description:
        "Any identifier: IMEI (15 digits, check digit verified), IMEISV, PEI (imei-…, mac-…), MAC in any notation, EUI-64, EID, or serial:<manufacturer>:<serial>",
    },
  },
} as const;

const deviceSchema = {
  type: "object",
  additionalProperties: true,
  properties: {
    id: { type: "string" },
    ids: { type: "array", items: { type: "string" } },
    state: { type: "string", enum: [...DEVICE_STATES] },
    equipmentStatus: { type: "string", enum: ["WHITELISTED", "BLACKLISTED", "GREYLISTED"] },
    manufacturer: { type: "string" },
    ownerFingerprint: { type: "string" },
    pairings: { type: "integer", description: "how many genuine IMEI–subscriber pairings" },
  },
} as const;

const MAX_PAGE = 1_000;

/** GET /v1/devices/:id, its history, and the paged device list. */
export async function deviceRoutes(fastify: FastifyInstance, deps: RestDeps): Promise<void> {
  const { reads } = deps;

  fastify.get(
    "/v1/devices/:id",
    {
      schema: {
        summary: "A device by any of its identifiers: state, EIR status, owner key fingerprint",
        tags: ["devices"],
        params: idParam,
        response: { 200: deviceSchema, "4xx": errorSchema },
      },
    },
    async (request) => deviceView(reads.device((request.params as { id: string }).id)),
  );

  fastify.get(
    "/v1/devices/:id/history",
    {
      schema: {
        summary: "A device's full history: height, time, transaction, kind of actor, event",
        tags: ["devices"],
        params: idParam,
        response: { 200: anyObject, "4xx": errorSchema },
      },
    },
    async (request) => {
      const d = reads.device((request.params as { id: string }).id);
      return { id: d.id, history: d.history };
    },
  );

  fastify.get(
    "/v1/devices",
    {
      schema: {
        summary: "Every device, in registry-key order, a page at a time",
        tags: ["devices"],
        querystring: {
          type: "object",
          properties: {
            after: { type: "string", description: "The `next` of the previous page" },
            limit: { type: "integer", minimum: 1, maximum: MAX_PAGE, default: 100 },
          },
          additionalProperties: false,
        },
        response: { 200: anyObject, "4xx": errorSchema },
      },
    },
    async (request) => {
      const { after, limit } = request.query as { after?: string; limit: number };
      const page = reads.devices(after, limit);
      return {
        devices: page.devices.map(deviceView),
        ...(page.next === undefined ? {} : { next: page.next }),
      };
    },
  );
}
