import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import {
  CheckTxType,
  type ExecTxResult,
  type Request,
  Response,
  ResponseApplySnapshotChunk_Result,
  ResponseOfferSnapshot_Result,
  ResponseProcessProposal_ProposalStatus,
  ResponseVerifyVoteExtension_VerifyStatus,
  type ValidatorUpdate,
} from "cosmjs-types/tendermint/abci/types";
import { fromHex, fromUtf8, utf8 } from "../core/encoding/bytes.js";
import { type DevicechainError, makeError } from "../core/errors/devicechain-error.js";
import { parseGenesis } from "../core/machine/genesis.js";
import type { TxResult } from "../core/machine/state-machine.js";
import type { LedgerApp } from "../ledger/application.js";
import { checkGenesisValidators, validatorUpdatesOf } from "./validator-updates.js";

export interface LedgerAbciOptions {
  readonly version: string;
}

/** Block time in ms since the epoch, from the header's Timestamp (deterministic on every node). */
export function timestampMs(t: Timestamp | undefined): number {
  if (!t) throw makeError("INTERNAL", "A block without a time");
  return Number(t.seconds) * 1000 + Math.floor(t.nanos / 1_000_000);
}

const hashBytes = (hex: string): Uint8Array =>
  hex === "" ? new Uint8Array() : (fromHex(hex) ?? new Uint8Array());

function execResult(r: TxResult): ExecTxResult {
  // Only code, data, gas_wanted and gas_used enter CometBFT's LastResultsHash: data stays empty
  // so the consensus hash depends on the result code alone; log and info are for people.
  return {
    code: r.code,
    data: new Uint8Array(),
    log: r.log,
    info: r.codeName,
    gasWanted: 0n,
    gasUsed: 0n,
    events: r.events.map((e) => ({
      type: e.type,
      attributes: Object.entries(e.attributes).map(([key, value]) => ({
        key,
        value,
        index: false,
      })),
    })),
    codespace: r.code === 0 ? "" : "devicechain",
  };
}

/**
 * A refusal in ABCI's words: the catalogue's number, the sentence as the log, the code's name as
 * the info. This is the only place a coded error becomes that wire form.
 */
function abciRefusal(e: DevicechainError | undefined): {
  code: number;
  log: string;
  info: string;
  codespace: string;
} {
  if (!e) return { code: 0, log: "", info: "OK", codespace: "" };
  return { code: e.abciCode, log: e.message, info: e.code, codespace: "devicechain" };
}

/**
 * Maps ABCI 2.0 requests onto the LedgerApp. FinalizeBlock executes and hashes, Commit
 * persists; Info reports the last committed height and app hash so that CometBFT's handshake
 * replays exactly the blocks the app is missing after a crash.
 */
export function ledgerAbciHandler(
  app: LedgerApp,
  opts: LedgerAbciOptions,
): (request: Request) => Response | Promise<Response> {
  return (req) => {
    if (req.flush) return Response.fromPartial({ flush: {} });
    if (req.echo) return Response.fromPartial({ echo: { message: req.echo.message } });
    if (req.info) {
      const info = app.info();
      return Response.fromPartial({
        info: {
          data: "devicechain",
          version: opts.version,
          appVersion: 1n,
          lastBlockHeight: BigInt(info.lastBlockHeight),
          // Height 0 is "no block yet": CometBFT then calls InitChain.
          lastBlockAppHash:
            info.lastBlockHeight === 0 ? new Uint8Array() : hashBytes(info.lastBlockAppHash),
        },
      });
    }
    if (req.initChain) {
      const r = req.initChain;
      let genesis: ReturnType<typeof parseGenesis>;
      try {
        genesis = parseGenesis(JSON.parse(fromUtf8(r.appStateBytes)));
      } catch (cause) {
        throw makeError(
          "GENESIS_INVALID",
          "app_state in the CometBFT genesis is not a devicechain genesis",
          { cause },
        );
      }
      if (genesis.chainId !== r.chainId) {
        throw makeError(
          "GENESIS_INVALID",
          `CometBFT chain ${r.chainId} but app_state is for ${genesis.chainId}`,
        );
      }
      checkGenesisValidators(r.validators, genesis.validators);
      const { appHash } = app.initChain(genesis);
      return Response.fromPartial({ initChain: { appHash: hashBytes(appHash) } });
    }
    if (req.checkTx) {
      // New and recheck alike: simulated on top of the mempool and admitted. After each commit
      // the mempool starts again from the new state and CometBFT rechecks what it still holds,
      // in order, dropping what the new state refuses.
      const r = app.checkTx(req.checkTx.tx, {
        admit: true,
        recheck: req.checkTx.type === CheckTxType.RECHECK,
      });
      return Response.fromPartial({ checkTx: abciRefusal(r.refusal) });
    }
    if (req.prepareProposal) {
      const r = req.prepareProposal;
      const txs: Uint8Array[] = [];
      let bytes = 0;
      for (const tx of r.txs) {
        // CometBFT counts each transaction's protobuf overhead too: be conservative.
        const size = tx.length + 8;
        if (bytes + size > Number(r.maxTxBytes)) break;
        if (app.checkProposalTx(tx) !== undefined) continue;
        txs.push(tx);
        bytes += size;
      }
      return Response.fromPartial({ prepareProposal: { txs } });
    }
    if (req.processProposal) {
      const ok = req.processProposal.txs.every((tx) => app.checkProposalTx(tx) === undefined);
      return Response.fromPartial({
        processProposal: {
          status: ok
            ? ResponseProcessProposal_ProposalStatus.ACCEPT
            : ResponseProcessProposal_ProposalStatus.REJECT,
        },
      });
    }
    if (req.finalizeBlock) {
      const r = req.finalizeBlock;
      const { txResults, appHash } = app.finalizeBlock({
        height: Number(r.height),
        time: timestampMs(r.time),
        txs: r.txs,
      });
      const validatorUpdates: ValidatorUpdate[] = validatorUpdatesOf(txResults);
      return Response.fromPartial({
        finalizeBlock: {
          txResults: txResults.map(execResult),
          validatorUpdates,
          appHash: hashBytes(appHash),
          events: [],
        },
      });
    }
    if (req.commit) {
      return app.commit().then(() => {
        // The block may hold other nodes' transactions, in another order: rechecks rebuild it.
        app.mempool.reset();
        return Response.fromPartial({ commit: { retainHeight: 0n } });
      });
    }
    if (req.query) {
      const path = req.query.path.replace(/^\/+/, "");
      const q = app.query({ path, data: fromUtf8(req.query.data) });
      return Response.fromPartial({
        query: {
          ...abciRefusal(q.error),
          height: BigInt(q.height),
          value: q.value === undefined ? new Uint8Array() : utf8(JSON.stringify(q.value)),
        },
      });
    }
    if (req.extendVote)
      return Response.fromPartial({ extendVote: { voteExtension: new Uint8Array() } });
    if (req.verifyVoteExtension) {
      const empty = req.verifyVoteExtension.voteExtension.length === 0;
      return Response.fromPartial({
        verifyVoteExtension: {
          status: empty
            ? ResponseVerifyVoteExtension_VerifyStatus.ACCEPT
            : ResponseVerifyVoteExtension_VerifyStatus.REJECT,
        },
      });
    }
    // State sync is not offered: no snapshots, and any offered one is refused.
    if (req.listSnapshots) return Response.fromPartial({ listSnapshots: { snapshots: [] } });
    if (req.offerSnapshot)
      return Response.fromPartial({
        offerSnapshot: { result: ResponseOfferSnapshot_Result.REJECT },
      });
    if (req.loadSnapshotChunk)
      return Response.fromPartial({ loadSnapshotChunk: { chunk: new Uint8Array() } });
    if (req.applySnapshotChunk) {
      return Response.fromPartial({
        applySnapshotChunk: { result: ResponseApplySnapshotChunk_Result.ABORT },
      });
    }
    throw makeError("INTERNAL", "Unknown ABCI request");
  };
}
