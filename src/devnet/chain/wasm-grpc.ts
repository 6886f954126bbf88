// x/wasm's gRPC queries (what CosmJS's CosmWasmClient asks): contract state, info, history, codes.
import {
  QueryCodeInfoRequest,
  QueryCodeInfoResponse,
  QueryCodeRequest,
  QueryCodeResponse,
  QueryCodesResponse,
  QueryContractHistoryRequest,
  QueryContractHistoryResponse,
  QueryContractInfoRequest,
  QueryContractInfoResponse,
  QueryContractsByCodeRequest,
  QueryContractsByCodeResponse,
  QueryRawContractStateRequest,
  QueryRawContractStateResponse,
  QuerySmartContractStateRequest,
  QuerySmartContractStateResponse,
} from "cosmjs-types/cosmwasm/wasm/v1/query";
import { AccessType } from "cosmjs-types/cosmwasm/wasm/v1/types";
import type { Code, ContractEntry } from "./wasm-state.ts";

/** What the queries read of the module (which throws wasmd's errors for an unknown code or contract). */
export interface WasmRegistry {
  contract(address: string): ContractEntry;
  code(id: bigint): Code;
  codes(): Code[];
  contracts(): ContractEntry[];
  querySmart(address: string, msg: Uint8Array, height: bigint): Uint8Array;
}

function codeInfo(c: Code) {
  return {
    codeId: c.id,
    creator: c.creator,
    dataHash: c.prepared.checksum,
    instantiatePermission: { permission: AccessType.ACCESS_TYPE_EVERYBODY, addresses: [] },
  };
}

export function wasmQueries(w: WasmRegistry) {
  return {
    "/cosmwasm.wasm.v1.Query/SmartContractState": (request: Uint8Array, height: bigint): Uint8Array => {
      const { address, queryData } = QuerySmartContractStateRequest.decode(request);
      return QuerySmartContractStateResponse.encode({
        data: w.querySmart(address, queryData, height),
      }).finish();
    },
    "/cosmwasm.wasm.v1.Query/RawContractState": (request: Uint8Array): Uint8Array => {
      const { address, queryData } = QueryRawContractStateRequest.decode(request);
      const data = w.contract(address).store.get(queryData) ?? new Uint8Array();
      return QueryRawContractStateResponse.encode({ data }).finish();
    },
    "/cosmwasm.wasm.v1.Query/ContractInfo": (request: Uint8Array): Uint8Array => {
      const { address } = QueryContractInfoRequest.decode(request);
      const e = w.contract(address);
      return QueryContractInfoResponse.encode({
        address: e.address,
        contractInfo: {
          codeId: e.codeId,
          creator: e.creator,
          admin: e.admin,
          label: e.label,
          created: { blockHeight: e.createdHeight, txIndex: 0n },
          ibcPortId: "",
          ibc2PortId: "",
        },
      }).finish();
    },
    "/cosmwasm.wasm.v1.Query/ContractsByCode": (request: Uint8Array): Uint8Array => {
      const { codeId } = QueryContractsByCodeRequest.decode(request);
      const contracts = w
        .contracts()
        .filter((c) => c.codeId === codeId)
        .map((c) => c.address);
      return QueryContractsByCodeResponse.encode({
        contracts,
        pagination: { nextKey: new Uint8Array(), total: BigInt(contracts.length) },
      }).finish();
    },
    "/cosmwasm.wasm.v1.Query/ContractHistory": (request: Uint8Array): Uint8Array => {
      const { address } = QueryContractHistoryRequest.decode(request);
      const entries = w.contract(address).history.map((h) => ({
        operation: h.operation,
        codeId: h.codeId,
        updated: { blockHeight: h.height, txIndex: 0n },
        msg: h.msg,
      }));
      return QueryContractHistoryResponse.encode({
        entries,
        pagination: { nextKey: new Uint8Array(), total: BigInt(entries.length) },
      }).finish();
    },
    "/cosmwasm.wasm.v1.Query/Code": (request: Uint8Array): Uint8Array => {
      const code = w.code(QueryCodeRequest.decode(request).codeId);
      return QueryCodeResponse.encode({
        codeInfo: codeInfo(code),
        data: code.prepared.original,
      }).finish();
    },
    "/cosmwasm.wasm.v1.Query/Codes": (): Uint8Array => {
      const codeInfos = w.codes().map((c) => codeInfo(c));
      return QueryCodesResponse.encode({
        codeInfos,
        pagination: { nextKey: new Uint8Array(), total: BigInt(codeInfos.length) },
      }).finish();
    },
    "/cosmwasm.wasm.v1.Query/CodeInfo": (request: Uint8Array): Uint8Array => {
      const code = w.code(QueryCodeInfoRequest.decode(request).codeId);
      return QueryCodeInfoResponse.encode({
        codeId: code.id,
        creator: code.creator,
        checksum: code.prepared.checksum,
        instantiatePermission: { permission: AccessType.ACCESS_TYPE_EVERYBODY, addresses: [] },
      }).finish();
    },
  };
}
