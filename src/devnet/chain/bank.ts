// x/bank: balances, MsgSend and the balance queries CosmJS uses.
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { MsgSend, MsgSendResponse } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import type { AuthModule } from "./auth.ts";
import { formatCoins, parseAmount, requireAddress } from "./encoding.ts";
import { AbciError, type Coin, type Module, type MsgContext } from "./module.ts";

type Balances = Map<string, Map<string, bigint>>;

export class BankModule implements Module {
  readonly name = "bank";
  private balances: Balances = new Map();

  constructor(private readonly auth: AuthModule) {}

  readonly queries = {
    "/cosmos.bank.v1beta1.Query/Balance": (request: Uint8Array): Uint8Array => {
      const { address, denom } = QueryBalanceRequest.decode(request);
      requireAddress(address, "account");
      const amount = this.balance(address, denom);
      return QueryBalanceResponse.encode({ balance: { denom, amount: amount.toString() } }).finish();
    },
    "/cosmos.bank.v1beta1.Query/AllBalances": (request: Uint8Array): Uint8Array => {
      const { address } = QueryAllBalancesRequest.decode(request);
      requireAddress(address, "account");
      const balances = [...(this.balances.get(address) ?? new Map<string, bigint>())]
        .filter(([, amount]) => amount > 0n)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([denom, amount]) => ({ denom, amount: amount.toString() }));
      return QueryAllBalancesResponse.encode({
        balances,
        pagination: { nextKey: new Uint8Array(), total: BigInt(balances.length) },
      }).finish();
    },
  };

  readonly messages = {
    "/cosmos.bank.v1beta1.MsgSend": (value: Uint8Array, ctx: MsgContext): Uint8Array => {
      const msg = MsgSend.decode(value);
      requireAddress(msg.fromAddress, "from");
      requireAddress(msg.toAddress, "to");
      if (msg.fromAddress !== ctx.signer) {
        throw new AbciError(
          "sdk",
          8,
          `invalid signer; expected ${msg.fromAddress}, got ${ctx.signer}: invalid pubkey`,
        );
      }
      const coins = msg.amount.map((c) => ({ denom: c.denom, amount: parseAmount(c.amount, c.denom) }));
      if (coins.length === 0 || coins.some((c) => c.amount === 0n)) {
        throw new AbciError("sdk", 10, `${formatCoins(coins) || "empty"}: invalid coins`);
      }
      this.transfer(msg.fromAddress, msg.toAddress, coins, ctx);
      ctx.emit({ type: "message", attributes: [{ key: "sender", value: msg.fromAddress }] });
      return MsgSendResponse.encode({}).finish();
    },
  };

  balance(address: string, denom: string): bigint {
    return this.balances.get(address)?.get(denom) ?? 0n;
  }

  /** Creates coins out of thin air (genesis, devnet faucet). */
  mint(address: string, coins: readonly Coin[]): void {
    this.auth.ensure(address);
    for (const c of coins) this.add(address, c.denom, c.amount);
  }

  /** Moves coins, emitting the SDK's coin_spent / coin_received / transfer events when `events` is given. */
  transfer(from: string, to: string, coins: readonly Coin[], events?: { emit: MsgContext["emit"] }): void {
    for (const c of coins) {
      const have = this.balance(from, c.denom);
      if (have < c.amount) {
        throw new AbciError(
          "sdk",
          5,
          `spendable balance ${have}${c.denom} is smaller than ${c.amount}${c.denom}: insufficient funds`,
        );
      }
    }
    this.auth.ensure(to);
    for (const c of coins) {
      this.add(from, c.denom, -c.amount);
      this.add(to, c.denom, c.amount);
    }
    if (!events) return;
    const amount = formatCoins(coins);
    events.emit({
      type: "coin_spent",
      attributes: [
        { key: "spender", value: from },
        { key: "amount", value: amount },
      ],
    });
    events.emit({
      type: "coin_received",
      attributes: [
        { key: "receiver", value: to },
        { key: "amount", value: amount },
      ],
    });
    events.emit({
      type: "transfer",
      attributes: [
        { key: "recipient", value: to },
        { key: "sender", value: from },
        { key: "amount", value: amount },
      ],
    });
  }

  private add(address: string, denom: string, delta: bigint): void {
    let account = this.balances.get(address);
    if (!account) {
      account = new Map();
      this.balances.set(address, account);
    }
    account.set(denom, (account.get(denom) ?? 0n) + delta);
  }

  snapshot(): unknown {
    return cloneBalances(this.balances);
  }

  restore(snapshot: unknown): void {
    this.balances = cloneBalances(snapshot as Balances);
  }

  exportState(): unknown {
    return [...this.balances].map(([address, coins]) => ({
      address,
      coins: [...coins].map(([denom, amount]) => ({ denom, amount: amount.toString() })),
    }));
  }

  importState(state: unknown): void {
    const s = state as { address: string; coins: { denom: string; amount: string }[] }[];
    this.balances = new Map(
      s.map((a) => [a.address, new Map(a.coins.map((c) => [c.denom, BigInt(c.amount)]))]),
    );
  }
}

function cloneBalances(balances: Balances): Balances {
  return new Map([...balances].map(([k, v]) => [k, new Map(v)]));
}
