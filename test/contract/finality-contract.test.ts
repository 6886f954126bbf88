import { describe, expect, it } from "vitest";
import { ContractError } from "../../contracts/finality/contract-error.ts";
import type {
  CommitPublicRandomnessMsg,
  ExecuteMsg,
  SubmitFinalitySignatureMsg,
} from "../../contracts/finality/messages.ts";
import { bytesToHex, eots, finalityVoteMessage, hexToBytes, keys } from "../../src/core/crypto/index.ts";
import {
  ADMIN,
  BSN_ID,
  blockHash,
  CONTRACT,
  type ExecuteResult,
  env,
  NEW_ADMIN,
  Provider,
  setup,
  VOTE_CONTEXT,
} from "./fixture.ts";

const N = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

type Setup = ReturnType<typeof setup>;

/** Runs a call that must fail with exactly `text`, and proves it changed nothing. */
function expectRejected(s: Setup, call: () => unknown, text: string): void {
  const before = s.contract.storage();
  let caught: unknown;
  try {
    call();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected rejection "${text}"`).toBeInstanceOf(ContractError);
  expect((caught as Error).message).toBe(text);
  expect(s.contract.storage()).toBe(before);
}

function messageOf(call: () => unknown): string {
  try {
    call();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected the call to fail");
}

function withSubmit(msg: ExecuteMsg, patch: Partial<SubmitFinalitySignatureMsg>): ExecuteMsg {
  if (!("submit_finality_signature" in msg)) throw new Error("not a submit");
  return { submit_finality_signature: { ...msg.submit_finality_signature, ...patch } };
}

function attrs(r: ExecuteResult): Record<string, string> {
  return Object.fromEntries(r.attributes.map((a) => [a.key, a.value]));
}

/** A timestamped commitment over heights 100, 105, …, 175 for `p`. */
function committed(p: Provider, s: Setup) {
  const c = p.commitment(100n, 16, 5n);
  s.contract.execute(c.msg, env(20n));
  s.host.finalizedEpoch = s.host.epoch;
  return c;
}

describe("finality contract bytecode: the life of a provider", () => {
  const fp = Provider.fromSeed(1);

  it("instantiates with the contract's attributes and config reply", () => {
    const s = setup([fp]);
    expect(s.result.attributes).toEqual([
      { key: "action", value: "instantiate" },
      { key: "allow-list", value: fp.pkHex },
    ]);
    expect(s.contract.queryJson({ config: {} }, env(11n))).toBe(
      `{"bsn_id":"${BSN_ID}","min_pub_rand":10,"rate_limiting":{"max_msgs_per_interval":50,"block_interval":100},"bsn_activation_height":100,"finality_signature_interval":5}`,
    );
    expect(s.contract.query({ admin: {} }, env(11n))).toEqual({ admin: ADMIN });
    expect(s.contract.query({ allowed_finality_providers: {} }, env(11n))).toEqual([fp.pkHex]);
  });

  it("accepts a commitment, a vote, shows it in block_voters, refuses the same vote, turns a second hash into evidence", () => {
    const s = setup([fp]);
    const c = fp.commitment(100n, 16, 5n);
    const commitResult = s.contract.execute(c.msg, env(20n));
    expect(commitResult.events).toEqual([
      {
        type: "public_randomness_commit",
        attributes: [
          { key: "fp_pubkey_hex", value: fp.pkHex },
          { key: "pr_commit.start_height", value: "100" },
          { key: "pr_commit.num_pub_rand", value: "16" },
        ],
      },
    ]);
    const commitJson = s.contract.queryJson({ last_pub_rand_commit: { btc_pk_hex: fp.pkHex } }, env(21n));
    expect(commitJson).toBe(
      `{"start_height":100,"num_pub_rand":16,"interval":5,"babylon_epoch":3,"commitment":[${Array.from(c.root).join(",")}]}`,
    );

    // Not yet BTC-timestamped: no finalized epoch, then an older finalized epoch.
    const hashA = blockHash("block 105 a");
    const voteA = c.vote(105n, hashA);
    expectRejected(s, () => s.contract.execute(voteA, env(22n)), "No finalized epoch yet");
    s.host.finalizedEpoch = 2n;
    expectRejected(
      s,
      () => s.contract.execute(voteA, env(22n)),
      `The finality provider ${fp.pkHex} last committed epoch: 3, last finalized epoch: 2`,
    );
    s.host.finalizedEpoch = 3n;

    const accepted = s.contract.execute(voteA, env(23n));
    expect(accepted.messages).toEqual([]);
    expect(accepted.events).toEqual([
      {
        type: "submit_finality_signature",
        attributes: [
          { key: "fp_pubkey_hex", value: fp.pkHex },
          { key: "block_height", value: "105" },
          { key: "block_hash", value: bytesToHex(hashA) },
        ],
      },
    ]);
    const submitted = (voteA as { submit_finality_signature: SubmitFinalitySignatureMsg })
      .submit_finality_signature;
    expect(
      s.contract.queryJson({ block_voters: { height: 105n, hash_hex: bytesToHex(hashA) } }, env(24n)),
    ).toBe(
      `[{"fp_btc_pk_hex":"${fp.pkHex}","pub_rand":[${Array.from(submitted.pub_rand).join(",")}],"finality_signature":{"finality_sig":[${Array.from(submitted.signature).join(",")}],"block_hash":[${Array.from(hashA).join(",")}]}}]`,
    );
    expect(
      s.contract.query(
        { block_voters: { height: 105n, hash_hex: bytesToHex(blockHash("other")) } },
        env(24n),
      ),
    ).toBeNull();
    expect(s.contract.query({ highest_voted_height: { btc_pk_hex: fp.pkHex } }, env(24n))).toBe(105);

    expectRejected(
      s,
      () => s.contract.execute(voteA, env(25n)),
      `Duplicated finality signature for finality provider ${fp.pkHex} at height 105`,
    );

    // Equivocation: another hash at the same height is stored and produces evidence for Babylon.
    const hashB = blockHash("block 105 b");
    const voteB = c.vote(105n, hashB);
    const fork = s.contract.execute(voteB, env(26n));
    expect(fork.events.map((e) => e.type)).toEqual(["submit_finality_signature"]);
    expect(fork.messages).toHaveLength(1);
    const evidence = fork.messages[0]!.msg_equivocation_evidence;
    const forkSig = (voteB as { submit_finality_signature: SubmitFinalitySignatureMsg })
      .submit_finality_signature;
    expect(evidence).toEqual({
      signer: CONTRACT,
      fp_btc_pk_hex: fp.pkHex,
      block_height: 105,
      pub_rand_hex: bytesToHex(submitted.pub_rand),
      canonical_app_hash_hex: bytesToHex(hashA),
      fork_app_hash_hex: bytesToHex(hashB),
      canonical_finality_sig_hex: bytesToHex(submitted.signature),
      fork_finality_sig_hex: bytesToHex(forkSig.signature),
      signing_context: VOTE_CONTEXT,
    });
    // What Babylon does with it: the two signatures reveal the provider's key.
    const extracted = eots.extractSecretKey(
      hexToBytes(evidence.fp_btc_pk_hex),
      hexToBytes(evidence.pub_rand_hex),
      finalityVoteMessage(105n, hexToBytes(evidence.canonical_app_hash_hex), evidence.signing_context),
      hexToBytes(evidence.canonical_finality_sig_hex),
      finalityVoteMessage(105n, hexToBytes(evidence.fork_app_hash_hex), evidence.signing_context),
      hexToBytes(evidence.fork_finality_sig_hex),
    );
    const x = BigInt(`0x${bytesToHex(extracted)}`);
    const d = BigInt(`0x${bytesToHex(fp.sk)}`);
    expect(x === d || x === N - d).toBe(true);
    expect(keys.publicKeyHex(extracted)).toBe(fp.pkHex);
    // Both blocks now list the provider.
    const votersB = s.contract.query(
      { block_voters: { height: 105n, hash_hex: bytesToHex(hashB) } },
      env(27n),
    );
    expect((votersB as { fp_btc_pk_hex: string }[]).map((v) => v.fp_btc_pk_hex)).toEqual([fp.pkHex]);

    // Babylon slashes it: both handlers now refuse it.
    s.host.providers.set(fp.pkHex, {
      ...s.host.providers.get(fp.pkHex)!,
      slashedBabylonHeight: 27n,
      slashedBtcHeight: 9,
    });
    const slashedText = `Finality provider ${fp.pkHex} has been slashed at Babylon height 27 and BTC height 9`;
    expectRejected(s, () => s.contract.execute(c.vote(110n, blockHash("110")), env(28n)), slashedText);
    const next = fp.commitment(180n, 16, 5n);
    expectRejected(s, () => s.contract.execute(next.msg, env(28n)), slashedText);
  });
});

describe("commit_public_randomness rejections (validation order and texts)", () => {
  const fp = Provider.fromSeed(2);
  const stranger = Provider.fromSeed(3);

  function commitMsg(patch: Partial<CommitPublicRandomnessMsg>): ExecuteMsg {
    const base = fp.commitment(100n, 16, 5n).msg;
    if (!("commit_public_randomness" in base)) throw new Error("not a commit");
    return { commit_public_randomness: { ...base.commit_public_randomness, ...patch } };
  }

  it("rejects malformed input before touching state", () => {
    const s = setup([fp]);
    const run = (m: ExecuteMsg) => () => s.contract.execute(m, env(20n));
    expectRejected(s, run(commitMsg({ fp_pubkey_hex: "" })), "Empty finality provider BTC public key");
    expectRejected(s, run(commitMsg({ signature: new Uint8Array(0) })), "Empty signature from the delegator");
    expectRejected(
      s,
      run(commitMsg({ signature: new Uint8Array(63) })),
      "Invalid signature length: expected 64 bytes, got 63",
    );
    expectRejected(
      s,
      run(commitMsg({ commitment: new Uint8Array(31) })),
      "Invalid commitment length: expected 32 bytes, got 31",
    );
    expectRejected(
      s,
      run(commitMsg({ num_pub_rand: 0n })),
      "Block height overflow detected for start height 100",
    );
    expectRejected(
      s,
      run(commitMsg({ num_pub_rand: 9n })),
      "Too few public randomness values: given 9, required minimum 10",
    );
    expectRejected(s, run(commitMsg({ fp_pubkey_hex: "abc" })), "Odd number of digits");
    expectRejected(s, run(commitMsg({ fp_pubkey_hex: "zz" })), "Invalid character 'z' at position 0");
  });

  it("rejects providers that are not allowed, unknown, or slashed, and bad signatures", () => {
    const s = setup([fp]);
    const strangerCommit = stranger.commitment(100n, 16, 5n).msg;
    expectRejected(
      s,
      () => s.contract.execute(strangerCommit, env(20n)),
      `Finality provider ${stranger.pkHex} is not in the allowlist`,
    );
    s.host.providers.delete(fp.pkHex);
    expectRejected(
      s,
      () => s.contract.execute(commitMsg({}), env(20n)),
      // wasmd redacts a failed chain query to its codespace and code.
      "Generic error: Querier contract error: codespace: btcstaking, code: 1100",
    );
    s.host.register(fp.pkHex);
    s.host.providers.set(fp.pkHex, {
      ...s.host.providers.get(fp.pkHex)!,
      slashedBabylonHeight: 7n,
      slashedBtcHeight: 3,
    });
    expectRejected(
      s,
      () => s.contract.execute(commitMsg({}), env(20n)),
      `Finality provider ${fp.pkHex} has been slashed at Babylon height 7 and BTC height 3`,
    );
    s.host.register(fp.pkHex);
    // Signed over a different start height: the signature check fails (after the rate-limit step).
    const other = fp.commitment(100n, 16, 5n).msg as { commit_public_randomness: { signature: Uint8Array } };
    const forged = commitMsg({ start_height: 105n, signature: other.commit_public_randomness.signature });
    expectRejected(s, () => s.contract.execute(forged, env(20n)), "signature error");
    // Signed for this contract on another chain: the contract signs over the chain it runs on.
    const wrongContext = { ...env(20n), chainId: "bbn-other" };
    expectRejected(s, () => s.contract.execute(commitMsg({}), wrongContext), "signature error");
  });

  it("refuses overlapping commitments and accepts the next eligible start", () => {
    const s = setup([fp]);
    s.contract.execute(fp.commitment(100n, 16, 5n).msg, env(20n)); // ends at 175
    expectRejected(
      s,
      () => s.contract.execute(fp.commitment(175n, 16, 5n).msg, env(21n)),
      "The start height (175) has overlap with the height of the highest public randomness committed (180)",
    );
    s.contract.execute(fp.commitment(180n, 16, 5n).msg, env(21n));
    const list = s.contract.query({ list_pub_rand_commit: { btc_pk_hex: fp.pkHex } }, env(22n)) as {
      start_height: bigint;
    }[];
    expect(list.map((c) => c.start_height)).toEqual([100, 180]);
    const reversed = s.contract.query(
      { list_pub_rand_commit: { btc_pk_hex: fp.pkHex, reverse: true, limit: 1 } },
      env(22n),
    ) as { start_height: bigint }[];
    expect(reversed.map((c) => c.start_height)).toEqual([180]);
    const forHeight = s.contract.query(
      { pub_rand_commit_for_height: { btc_pk_hex: fp.pkHex.toUpperCase(), height: 185n } },
      env(22n),
    ) as { start_height: bigint };
    expect(forHeight.start_height).toBe(180);
    expect(
      s.contract.query({ pub_rand_commit_for_height: { btc_pk_hex: fp.pkHex, height: 183n } }, env(22n)),
    ).toBeNull();
    expect(
      (
        s.contract.query({ first_pub_rand_commit: { btc_pk_hex: fp.pkHex } }, env(22n)) as {
          start_height: bigint;
        }
      ).start_height,
    ).toBe(100);
  });

  it("rate-limits commits and votes together per Babylon interval", () => {
    const s = setup([fp], { max_msgs_per_interval: 2, rate_limiting_interval: 10n });
    const c = committed(fp, s); // message 1 in interval 2 (height 20)
    s.contract.execute(c.vote(100n, blockHash("100")), env(25n)); // message 2
    expectRejected(
      s,
      () => s.contract.execute(c.vote(105n, blockHash("105")), env(29n)),
      `Rate limit exceeded for finality provider ${fp.pkHex} with limit 2`,
    );
    // A new interval resets the counter.
    s.contract.execute(c.vote(105n, blockHash("105")), env(30n));
  });
});

describe("submit_finality_signature rejections (validation order and texts)", () => {
  const fp = Provider.fromSeed(4);
  const other = Provider.fromSeed(5);

  it("covers every gate before the signature check", () => {
    const s = setup([fp, other]);
    const c = committed(fp, s);
    const hash = blockHash("b");
    const run =
      (m: ExecuteMsg, e = env(30n)) =>
      () =>
        s.contract.execute(m, e, "x");
    const vote = c.vote(110n, hash);

    expectRejected(s, run(withSubmit(vote, { fp_pubkey_hex: "0g" })), "Invalid character 'g' at position 1");
    const outsider = Provider.fromSeed(6);
    expectRejected(
      s,
      run(withSubmit(vote, { fp_pubkey_hex: outsider.pkHex })),
      `Finality provider ${outsider.pkHex} is not in the allowlist`,
    );
    expectRejected(
      s,
      run(withSubmit(vote, { height: 95n })),
      "BSN not activated yet. Current height: 95, activation height: 100",
    );
    expectRejected(
      s,
      run(withSubmit(vote, { height: 107n })),
      "Finality signature not at scheduled height. Height 107 not allowed with interval 5",
    );
    s.host.register(fp.pkHex, "another-bsn");
    expectRejected(s, run(vote), `Finality provider not found for BSN ${BSN_ID} with pubkey ${fp.pkHex}`);
    s.host.providers.delete(fp.pkHex);
    expectRejected(s, run(vote), `Finality provider not found for BSN ${BSN_ID} with pubkey ${fp.pkHex}`);
    s.host.register(fp.pkHex);
    s.host.providers.set(fp.pkHex, { ...s.host.providers.get(fp.pkHex)!, slashedBtcHeight: 4 });
    expectRejected(
      s,
      run(vote),
      `Finality provider ${fp.pkHex} has been slashed at Babylon height 0 and BTC height 4`,
    );
    s.host.register(fp.pkHex);
    // Height beyond the commitment (ends at 175) and a provider without any commitment.
    expectRejected(
      s,
      run(withSubmit(vote, { height: 180n })),
      `Public randomness not found for finality provider ${fp.pkHex} at height 180`,
    );
    s.host.register(other.pkHex);
    expectRejected(
      s,
      run(withSubmit(vote, { fp_pubkey_hex: other.pkHex })),
      `Public randomness not found for finality provider ${other.pkHex} at height 110`,
    );
  });

  it("checks the proof's height, total, Merkle path and the EOTS signature", () => {
    const s = setup([fp]);
    const c = committed(fp, s);
    const hash = blockHash("b");
    const vote = c.vote(110n, hash) as { submit_finality_signature: SubmitFinalitySignatureMsg };
    const body = vote.submit_finality_signature;
    const run = (patch: Partial<SubmitFinalitySignatureMsg>) => () =>
      s.contract.execute(withSubmit(vote, patch), env(30n));

    expectRejected(
      s,
      run({ proof: { ...body.proof, index: 3n } }),
      "The inclusion proof for height 115 does not correspond to the given height (110)",
    );
    expectRejected(
      s,
      run({ proof: { ...body.proof, total: 17n } }),
      "The total amount of public randomnesses in the proof (17) does not match the amount of public committed randomness (16)",
    );
    expectRejected(
      s,
      run({ proof: { ...body.proof, leaf_hash: new Uint8Array(31) } }),
      "Merkle error: Expected leaf_hash size to be 32, got 31",
    );
    const aunts = body.proof.aunts.map((a) => a.slice());
    aunts[1]![0]! ^= 1;
    const badAunts = run({ proof: { ...body.proof, aunts } });
    const rootText = messageOf(badAunts);
    expect(rootText).toMatch(/^Merkle error: Invalid root hash: wanted \[[0-9A-F, ]+\] got \[[0-9A-F, ]+\]$/);
    expect(rootText).toContain(
      `wanted [${Array.from(c.root, (b) => b.toString(16).toUpperCase()).join(", ")}]`,
    );
    expectRejected(s, badAunts, rootText);
    // pub_rand of another height: its leaf is not the proof's leaf.
    const leafText = messageOf(run({ pub_rand: c.list.pubRands[0]! }));
    expect(leafText).toBe(
      `Merkle error: Invalid leaf hash: wanted Binary(${bytesToHex(body.proof.leaf_hash)}) got [${Array.from(
        c.proofs[0]!.leafHash,
        (b) => b.toString(16).toUpperCase(),
      ).join(", ")}]`,
    );
    expectRejected(
      s,
      run({ proof: { ...body.proof, aunts: body.proof.aunts.slice(0, -1) } }),
      "Merkle error: Expected at least one inner hash",
    );
    expectRejected(
      s,
      run({ proof: { ...body.proof, aunts: [...body.proof.aunts, new Uint8Array(32)] } }),
      "Merkle error: Unexpected inner hashes",
    );
    expectRejected(
      s,
      run({ proof: { ...body.proof, aunts: Array.from({ length: 101 }, () => new Uint8Array(32)) } }),
      "Merkle error: Expected no more than 100 aunts, got 101",
    );
    expectRejected(
      s,
      run({ proof: { ...body.proof, aunts: [body.proof.aunts[0]!, new Uint8Array(33)] } }),
      "Merkle error: Expected aunt #1 size to be 32, got 33",
    );
    // Signature over another block hash, a truncated signature, and s ≥ n.
    const forOther = c.vote(110n, blockHash("other")) as {
      submit_finality_signature: SubmitFinalitySignatureMsg;
    };
    expectRejected(
      s,
      run({ signature: forOther.submit_finality_signature.signature }),
      "Failed to verify signature: EOTS",
    );
    expectRejected(
      s,
      run({ signature: body.signature.subarray(0, 31) }),
      "EOTS error: Invalid input length: expected 32 bytes, got 31",
    );
    expectRejected(
      s,
      run({ signature: new Uint8Array(32).fill(0xff) }),
      "EOTS error: Failed to parse signature",
    );
    // Signed under another Babylon chain's context.
    expectRejected(
      s,
      () => s.contract.execute(vote, { ...env(30n), chainId: "bbn-other" }, "x"),
      "Failed to verify signature: EOTS",
    );
    // The untouched vote still goes through.
    s.contract.execute(vote, env(30n));
  });
});

describe("admin handlers", () => {
  const fp = Provider.fromSeed(7);
  const fp2 = Provider.fromSeed(8);

  it("update_admin: only the admin, only a valid address", () => {
    const s = setup([fp]);
    expectRejected(
      s,
      () => s.contract.execute({ update_admin: { admin: NEW_ADMIN } }, env(20n), NEW_ADMIN),
      "Admin error: Caller is not admin",
    );
    expectRejected(
      s,
      () => s.contract.execute({ update_admin: { admin: "not-an-address" } }, env(20n), ADMIN),
      "Generic error: addr_validate errored: decoding bech32 failed: invalid separator index -1",
    );
    const r = s.contract.execute({ update_admin: { admin: NEW_ADMIN } }, env(20n), ADMIN);
    expect(r.attributes).toEqual([
      { key: "action", value: "update_admin" },
      { key: "admin", value: NEW_ADMIN },
      { key: "sender", value: ADMIN },
    ]);
    expect(s.contract.query({ admin: {} }, env(21n))).toEqual({ admin: NEW_ADMIN });
  });

  it("update_config: validates each field and needs at least one", () => {
    const s = setup([fp]);
    const run =
      (m: ExecuteMsg, sender = ADMIN) =>
      () =>
        s.contract.execute(m, env(20n), sender);
    expectRejected(
      s,
      run({ update_config: { min_pub_rand: 5n } }, NEW_ADMIN),
      "Admin error: Caller is not admin",
    );
    expectRejected(s, run({ update_config: {} }), "No configuration fields were provided to update");
    expectRejected(
      s,
      run({ update_config: { min_pub_rand: null } }),
      "No configuration fields were provided to update",
    );
    expectRejected(
      s,
      run({ update_config: { min_pub_rand: 0n } }),
      "Invalid min_pub_rand value: 0. Must be at least 1",
    );
    expectRejected(
      s,
      run({ update_config: { max_msgs_per_interval: 0 } }),
      "Invalid max messages per interval: 0. Must be at least 1",
    );
    expectRejected(
      s,
      run({ update_config: { min_pub_rand: 3n, rate_limiting_interval: 0n } }),
      "Invalid rate limiting interval: 0. Must be at least 1",
    );
    expect(attrs(run({ update_config: { min_pub_rand: 3n, max_msgs_per_interval: 7 } })())).toEqual({
      action: "update_config",
    });
    expect(s.contract.queryJson({ config: {} }, env(21n))).toBe(
      `{"bsn_id":"${BSN_ID}","min_pub_rand":3,"rate_limiting":{"max_msgs_per_interval":7,"block_interval":100},"bsn_activation_height":100,"finality_signature_interval":5}`,
    );
  });

  it("allow-list changes keep a per-Babylon-height history (visible from the next height)", () => {
    const s = setup([fp]); // saved at height 10
    const add = s.contract.execute(
      { add_to_allowlist: { fp_pubkey_hex_list: [fp2.pkHex.toUpperCase()] } },
      env(20n),
      ADMIN,
    );
    expect(add.attributes).toEqual([
      { key: "action", value: "add_to_allowlist" },
      { key: "num_added", value: "1" },
    ]);
    expect(add.events).toEqual([
      { type: "add_to_allowlist", attributes: [{ key: "fp_pubkeys", value: fp2.pkHex.toUpperCase() }] },
    ]);
    const remove = s.contract.execute(
      { remove_from_allowlist: { fp_pubkey_hex_list: [fp.pkHex] } },
      env(30n),
      ADMIN,
    );
    expect(attrs(remove)).toEqual({ action: "remove_from_allowlist", num_removed: "1" });
    // The contract lists entries in its own storage order: compare as sets.
    const at = (h: bigint) =>
      (
        s.contract.query(
          { allowed_finality_providers_at_height: { babylon_height: h } },
          env(40n),
        ) as string[]
      ).sort();
    expect(at(5n)).toEqual([]);
    expect(at(10n)).toEqual([]);
    expect(at(11n)).toEqual([fp.pkHex]);
    expect(at(20n)).toEqual([fp.pkHex]);
    expect(at(21n)).toEqual([fp.pkHex, fp2.pkHex].sort());
    expect(at(30n)).toEqual([fp.pkHex, fp2.pkHex].sort());
    expect(at(31n)).toEqual([fp2.pkHex]);
    expect(at(1000n)).toEqual([fp2.pkHex]);
    expect(s.contract.query({ allowed_finality_providers: {} }, env(40n))).toEqual([fp2.pkHex]);

    const run =
      (m: ExecuteMsg, sender = ADMIN) =>
      () =>
        s.contract.execute(m, env(41n), sender);
    expectRejected(
      s,
      run({ add_to_allowlist: { fp_pubkey_hex_list: [fp.pkHex] } }, NEW_ADMIN),
      "Admin error: Caller is not admin",
    );
    expectRejected(
      s,
      run({ add_to_allowlist: { fp_pubkey_hex_list: [] } }),
      "Empty finality provider BTC public key",
    );
    expectRejected(
      s,
      run({ add_to_allowlist: { fp_pubkey_hex_list: [fp.pkHex, ""] } }),
      "Empty finality provider BTC public key",
    );
    expectRejected(
      s,
      run({ remove_from_allowlist: { fp_pubkey_hex_list: ["xy"] } }),
      "Invalid character 'x' at position 0",
    );

    // A removed provider can no longer commit.
    expectRejected(
      s,
      () => s.contract.execute(fp.commitment(100n, 16, 5n).msg, env(42n)),
      `Finality provider ${fp.pkHex} is not in the allowlist`,
    );
  });

  it("instantiate validates its parameters", () => {
    const bad = (overrides: Parameters<typeof setup>[1]) => () => setup([fp], overrides);
    expect(bad({ admin: "nope" })).toThrow(
      "Generic error: addr_validate errored: decoding bech32 failed: invalid separator index -1",
    );
    expect(bad({ bsn_id: "" })).toThrow("Invalid consumer ID: BSN ID cannot be empty");
    expect(bad({ bsn_id: "a b" })).toThrow(
      "Invalid consumer ID: BSN ID can only contain alphanumeric characters, hyphens, and underscores",
    );
    expect(bad({ bsn_id: "x".repeat(101) })).toThrow(
      "Invalid consumer ID: BSN ID cannot exceed 100 characters",
    );
    expect(bad({ min_pub_rand: 0n })).toThrow("Invalid min_pub_rand value: 0. Must be at least 1");
    expect(bad({ rate_limiting_interval: 0n })).toThrow(
      "Invalid rate limiting interval: 0. Must be at least 1",
    );
    expect(bad({ max_msgs_per_interval: 0 })).toThrow(
      "Invalid max messages per interval: 0. Must be at least 1",
    );
    expect(bad({ finality_signature_interval: 0n })).toThrow(
      "Invalid finality_signature_interval value: 0. Must be at least 1",
    );
    expect(bad({ allowed_finality_providers: [""] })).toThrow("Empty finality provider BTC public key");
  });
});

describe("pruning", () => {
  it("removes signatures, signatories and randomness values up to a height, oldest first, within limits", () => {
    const fps = [Provider.fromSeed(9), Provider.fromSeed(10)];
    const s = setup(fps);
    const commits = fps.map((p) => {
      const c = p.commitment(100n, 16, 5n);
      s.contract.execute(c.msg, env(20n));
      return c;
    });
    s.host.finalizedEpoch = 3n;
    for (const h of [100n, 105n, 110n]) {
      for (const c of commits) s.contract.execute(c.vote(h, blockHash(`h${h}`)), env(30n));
    }
    const voters = (h: bigint) =>
      s.contract.query({ block_voters: { height: h, hash_hex: bytesToHex(blockHash(`h${h}`)) } }, env(31n));
    expect(voters(100n)).toHaveLength(2);

    expect(() => s.contract.execute({ prune_data: { rollup_height: 105n } }, env(31n), NEW_ADMIN)).toThrow(
      "Admin error: Caller is not admin",
    );
    const first = s.contract.execute(
      { prune_data: { rollup_height: 105n, max_signatures_to_prune: 3, max_pub_rand_values_to_prune: 1 } },
      env(31n),
      ADMIN,
    );
    // Signatures: (100,a) (100,b) (105,x); signatories: (100,hash) (105,hash); one randomness value.
    expect(attrs(first)).toEqual({
      action: "prune_data",
      rollup_height: "105",
      pruned_signatures: "3",
      pruned_signatories: "2",
      pruned_pub_rand_values: "1",
    });
    expect(voters(100n)).toBeNull();
    const second = s.contract.execute({ prune_data: { rollup_height: 105n } }, env(32n), ADMIN);
    expect(attrs(second)).toMatchObject({
      pruned_signatures: "1",
      pruned_signatories: "0",
      pruned_pub_rand_values: "3",
    });
    expect(voters(110n)).toHaveLength(2);
    // Highest voted heights and commitments are kept.
    expect(s.contract.query({ highest_voted_height: { btc_pk_hex: fps[0]!.pkHex } }, env(33n))).toBe(110);
  });
});

describe("persistence and atomicity", () => {
  const fp = Provider.fromSeed(11);

  it("exported host state imported into a fresh host behaves the same", () => {
    const s = setup([fp]);
    const c = committed(fp, s);
    s.contract.execute(c.vote(100n, blockHash("x")), env(30n));
    s.contract.execute(
      { add_to_allowlist: { fp_pubkey_hex_list: [Provider.fromSeed(12).pkHex] } },
      env(31n),
      ADMIN,
    );
    const json = s.contract.storage();
    const copy = setup([fp]);
    copy.sandbox.wasm.importState(JSON.parse(JSON.stringify(s.sandbox.wasm.exportState())));
    copy.host.finalizedEpoch = 3n;
    expect(copy.contract.storage()).toBe(json);
    expect(() => copy.contract.execute(c.vote(100n, blockHash("x")), env(32n))).toThrow(
      `Duplicated finality signature for finality provider ${fp.pkHex} at height 100`,
    );
    const fork = copy.contract.execute(c.vote(100n, blockHash("y")), env(32n));
    expect(fork.messages).toHaveLength(1);
  });

  it("undoes a vote whose evidence Babylon rejects, and keeps it when Babylon accepts it", () => {
    const s = setup([fp]);
    const c = committed(fp, s);
    s.contract.execute(c.vote(100n, blockHash("a")), env(30n));
    s.contract.execute(c.vote(110n, blockHash("d")), env(30n));
    const before = s.contract.storage();
    s.sandbox.onMessage = () => {
      throw new Error("invalid equivocation evidence");
    };
    expect(() => s.contract.execute(c.vote(100n, blockHash("b")), env(31n))).toThrow(
      "invalid equivocation evidence",
    );
    expect(s.contract.storage()).toBe(before);
    s.sandbox.onMessage = () => {};
    expect(s.contract.execute(c.vote(100n, blockHash("b")), env(32n)).messages).toHaveLength(1);
    expect(
      s.contract.query({ block_voters: { height: 100n, hash_hex: bytesToHex(blockHash("b")) } }, env(33n)),
    ).toHaveLength(1);
  });

  it("handles a thousand votes quickly", () => {
    const s = setup([fp], {
      max_msgs_per_interval: 100_000,
      min_pub_rand: 1n,
      finality_signature_interval: 1n,
    });
    const c = fp.commitment(100n, 1000, 1n);
    s.contract.execute(c.msg, env(20n));
    s.host.finalizedEpoch = 3n;
    const votes = c.list.heights.map((h) => c.vote(h, blockHash(`blk${h}`)));
    const t0 = performance.now();
    for (const v of votes) s.contract.execute(v, env(30n));
    const perVoteMs = (performance.now() - t0) / votes.length;
    expect(s.contract.query({ highest_voted_height: { btc_pk_hex: fp.pkHex } }, env(31n))).toBe(1099);
    console.log(`bytecode: ${perVoteMs.toFixed(3)} ms per accepted vote (1000 votes)`);
    expect(perVoteMs).toBeLessThan(20);
  });
});
