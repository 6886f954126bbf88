// A contract's response messages (CosmosMsg) turned into the SDK messages wasmd's message handler builds,
// and dispatched through the tx: bank sends, wasm calls, Babylon's custom messages, stargate/any.
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import {
  MsgClearAdmin,
  MsgExecuteContract,
  MsgInstantiateContract,
  MsgMigrateContract,
  MsgUpdateAdmin,
} from "cosmjs-types/cosmwasm/wasm/v1/tx";
import { type JsonValue, stringifyJson } from "../../../contracts/finality/json.ts";
import { utf8 } from "./encoding.ts";
import { AbciError, type MsgContext } from "./module.ts";

/** Contract custom messages (BabylonMsg variants) and the Babylon type URLs they are dispatched as. */
export const CUSTOM_MESSAGE_TYPES: Record<string, string> = {
  msg_equivocation_evidence: "/babylon.finality.v1.MsgEquivocationEvidence",
};

/** A CosmosMsg from a contract, dispatched as the SDK message wasmd's handler would build. */
export function dispatchContractMessage(
  sender: string,
  msg: Record<string, JsonValue>,
  ctx: MsgContext,
): Uint8Array {
  const [kind, body] = Object.entries(msg)[0] ?? [];
  const [variant, raw] = Object.entries((body ?? {}) as Record<string, JsonValue>)[0] ?? [];
  const args = (raw ?? {}) as Record<string, JsonValue>;
  const binary = (v: JsonValue | undefined) => Uint8Array.from(Buffer.from(String(v ?? ""), "base64"));
  const coins = (v: JsonValue | undefined) =>
    ((v ?? []) as { denom: string; amount: string }[]).map((c) => ({
      denom: c.denom,
      amount: String(c.amount),
    }));
  switch (kind) {
    case "bank":
      if (variant === "send") {
        const send = MsgSend.encode({
          fromAddress: sender,
          toAddress: String(args.to_address),
          amount: coins(args.amount),
        }).finish();
        return ctx.dispatch("/cosmos.bank.v1beta1.MsgSend", send, sender);
      }
      break;
    case "wasm": {
      const dispatch = (typeUrl: string, value: Uint8Array) => ctx.dispatch(typeUrl, value, sender);
      if (variant === "execute") {
        return dispatch(
          "/cosmwasm.wasm.v1.MsgExecuteContract",
          MsgExecuteContract.encode({
            sender,
            contract: String(args.contract_addr),
            msg: binary(args.msg),
            funds: coins(args.funds),
          }).finish(),
        );
      }
      if (variant === "instantiate") {
        return dispatch(
          "/cosmwasm.wasm.v1.MsgInstantiateContract",
          MsgInstantiateContract.encode({
            sender,
            admin: args.admin ? String(args.admin) : "",
            codeId: BigInt(args.code_id as number),
            label: String(args.label),
            msg: binary(args.msg),
            funds: coins(args.funds),
          }).finish(),
        );
      }
      if (variant === "migrate") {
        return dispatch(
          "/cosmwasm.wasm.v1.MsgMigrateContract",
          MsgMigrateContract.encode({
            sender,
            contract: String(args.contract_addr),
            codeId: BigInt(args.new_code_id as number),
            msg: binary(args.msg),
          }).finish(),
        );
      }
      if (variant === "update_admin") {
        return dispatch(
          "/cosmwasm.wasm.v1.MsgUpdateAdmin",
          MsgUpdateAdmin.encode({
            sender,
            contract: String(args.contract_addr),
            newAdmin: String(args.admin),
          }).finish(),
        );
      }
      if (variant === "clear_admin") {
        return dispatch(
          "/cosmwasm.wasm.v1.MsgClearAdmin",
          MsgClearAdmin.encode({ sender, contract: String(args.contract_addr) }).finish(),
        );
      }
      break;
    }
    case "custom": {
      const [name, inner] = Object.entries((body ?? {}) as Record<string, JsonValue>)[0] ?? [];
      const typeUrl = name === undefined ? undefined : CUSTOM_MESSAGE_TYPES[name];
      if (!typeUrl) throw new AbciError("wasm", 10, `unsupported custom message ${name}: invalid`);
      // Babylon's wasm binding decodes the contract's JSON; the devnet hands that JSON over unchanged.
      return ctx.dispatch(typeUrl, utf8(stringifyJson(inner ?? null)), sender);
    }
    case "any":
    case "stargate": {
      const b = body as Record<string, JsonValue>;
      return ctx.dispatch(String(b.type_url), binary(b.value), sender);
    }
  }
  throw new AbciError("wasm", 10, `unsupported message ${kind}${variant ? `.${variant}` : ""}: invalid`);
}
