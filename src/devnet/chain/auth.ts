// x/auth: account numbers, sequences and public keys.
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { Any } from "cosmjs-types/google/protobuf/any";
import { AbciError, type Module } from "./module.ts";

export interface Account {
  address: string;
  accountNumber: bigint;
  sequence: bigint;
  /** Compressed secp256k1 key, set by the account's first tx. */
  pubKey?: Uint8Array;
}

interface AuthState {
  nextAccountNumber: bigint;
  accounts: Map<string, Account>;
}

export class AuthModule implements Module {
  readonly name = "auth";
  private state: AuthState = { nextAccountNumber: 0n, accounts: new Map() };

  readonly queries = {
    "/cosmos.auth.v1beta1.Query/Account": (request: Uint8Array): Uint8Array => {
      const { address } = QueryAccountRequest.decode(request);
      const account = this.state.accounts.get(address);
      if (!account) {
        // CosmJS getAccount returns null only when the log carries the gRPC NotFound text.
        throw new AbciError(
          "sdk",
          22,
          `rpc error: code = NotFound desc = account ${address} not found: key not found`,
        );
      }
      const value = BaseAccount.encode(
        BaseAccount.fromPartial({
          address,
          accountNumber: account.accountNumber,
          sequence: account.sequence,
          pubKey: account.pubKey
            ? Any.fromPartial({
                typeUrl: "/cosmos.crypto.secp256k1.PubKey",
                value: PubKey.encode({ key: account.pubKey }).finish(),
              })
            : undefined,
        }),
      ).finish();
      return QueryAccountResponse.encode({
        account: { typeUrl: "/cosmos.auth.v1beta1.BaseAccount", value },
      }).finish();
    },
  };

  get(address: string): Account | undefined {
    return this.state.accounts.get(address);
  }

  /** Creates the account (next account number) on first use, as the SDK does when funds arrive. */
  ensure(address: string): Account {
    let account = this.state.accounts.get(address);
    if (!account) {
      account = { address, accountNumber: this.state.nextAccountNumber++, sequence: 0n };
      this.state.accounts.set(address, account);
    }
    return account;
  }

  /** Called by the ante handler after a signature was accepted. */
  recordSignature(address: string, pubKey: Uint8Array): void {
    const account = this.ensure(address);
    account.pubKey ??= pubKey;
    account.sequence += 1n;
  }

  snapshot(): unknown {
    return cloneState(this.state);
  }

  restore(snapshot: unknown): void {
    this.state = cloneState(snapshot as AuthState);
  }

  exportState(): unknown {
    return {
      nextAccountNumber: this.state.nextAccountNumber.toString(),
      accounts: [...this.state.accounts.values()].map((a) => ({
        address: a.address,
        accountNumber: a.accountNumber.toString(),
        sequence: a.sequence.toString(),
        pubKey: a.pubKey ? Buffer.from(a.pubKey).toString("base64") : undefined,
      })),
    };
  }

  importState(state: unknown): void {
    const s = state as {
      nextAccountNumber: string;
      accounts: { address: string; accountNumber: string; sequence: string; pubKey?: string }[];
    };
    this.state = {
      nextAccountNumber: BigInt(s.nextAccountNumber),
      accounts: new Map(
        s.accounts.map((a) => [
          a.address,
          {
            address: a.address,
            accountNumber: BigInt(a.accountNumber),
            sequence: BigInt(a.sequence),
            pubKey: a.pubKey ? new Uint8Array(Buffer.from(a.pubKey, "base64")) : undefined,
          },
        ]),
      ),
    };
  }
}

function cloneState(state: AuthState): AuthState {
  return {
    nextAccountNumber: state.nextAccountNumber,
    accounts: new Map([...state.accounts].map(([k, v]) => [k, { ...v }])),
  };
}
