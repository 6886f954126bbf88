// The chain side of a contract's queries: gRPC routes and bank balances through the chain's query router,
// other contracts' state from x/wasm, Babylon's custom queries from its modules.
import { toHex } from "@cosmjs/encoding";
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import type { JsonValue } from "../../../contracts/finality/json.ts";
import { AbciError } from "./module.ts";
import {
  type BabylonQueries,
  type ChainQueryResult,
  type QuerierBackend,
  QuerierSystemError,
} from "./wasm-querier.ts";
import type { Code, ContractEntry } from "./wasm-state.ts";

/** What the querier reads of the chain and of x/wasm. */
export interface QuerierHost {
  chainQuery: (path: string, data: Uint8Array, height: bigint) => ChainQueryResult;
  babylon?: BabylonQueries | undefined;
  contracts: ReadonlyMap<string, ContractEntry>;
  codes: ReadonlyMap<bigint, Code>;
  querySmart(address: string, msg: Uint8Array, height: bigint): Uint8Array;
}

/** The querier of a call made at `height`. */
export function querierBackend(w: QuerierHost, height: bigint): QuerierBackend {
  return {
    grpc: (path: string, data: Uint8Array) => w.chainQuery(path, data, height),
    balance: (address: string, denom: string) => {
      const reply = chainQueryOk(
        w,
        "/cosmos.bank.v1beta1.Query/Balance",
        QueryBalanceRequest.encode({ address, denom }).finish(),
        height,
      );
      return BigInt(QueryBalanceResponse.decode(reply).balance?.amount ?? "0");
    },
    allBalances: (address: string) => {
      const reply = chainQueryOk(
        w,
        "/cosmos.bank.v1beta1.Query/AllBalances",
        QueryAllBalancesRequest.encode({ address, resolveDenom: false }).finish(),
        height,
      );
      return QueryAllBalancesResponse.decode(reply).balances.map((c) => ({
        denom: c.denom,
        amount: BigInt(c.amount),
      }));
    },
    babylon: w.babylon,
    smart: (contract: string, msg: Uint8Array) => {
      if (!w.contracts.has(contract)) throw new QuerierSystemError({ no_such_contract: { addr: contract } });
      return w.querySmart(contract, msg, height);
    },
    raw: (contract: string, key: Uint8Array) => {
      const entry = w.contracts.get(contract);
      if (!entry) throw new QuerierSystemError({ no_such_contract: { addr: contract } });
      return entry.store.get(key);
    },
    contractInfo: (contract: string): JsonValue => {
      const c = w.contracts.get(contract);
      if (!c) throw new QuerierSystemError({ no_such_contract: { addr: contract } });
      return {
        code_id: c.codeId,
        creator: c.creator,
        admin: c.admin === "" ? null : c.admin,
        pinned: false,
        ibc_port: null,
      };
    },
    codeInfo: (codeId: bigint): JsonValue => {
      const c = w.codes.get(codeId);
      if (!c) throw new QuerierSystemError({ no_such_code: { code_id: codeId } });
      return { code_id: c.id, creator: c.creator, checksum: toHex(c.prepared.checksum) };
    },
  };
}

function chainQueryOk(w: QuerierHost, path: string, data: Uint8Array, height: bigint): Uint8Array {
  const r = w.chainQuery(path, data, height);
  if (r.code !== 0) throw new AbciError(r.codespace, r.code, "");
  return r.value;
}
