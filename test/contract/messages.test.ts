import { describe, expect, it } from "vitest";
import { parseJson, stringifyJson } from "../../contracts/finality/json.ts";
import {
  adminResponseCodec,
  blockVotersResponseCodec,
  ContractMsgError,
  configResponseCodec,
  contractSchemas,
  highestVotedHeightCodec,
  legacyBlockVotersResponseCodec,
  legacyConfigResponseCodec,
  legacyOptionalPubRandCommitCodec,
  optionalPubRandCommitCodec,
  parseExecuteMsg,
  parseInstantiateMsg,
  parseLegacyExecuteMsg,
  parseLegacyInstantiateMsg,
  parseLegacyQueryMsg,
  parseQueryMsg,
  pubRandCommitListCodec,
  serializeExecuteMsg,
  serializeInstantiateMsg,
  serializeLegacyExecuteMsg,
  serializeLegacyInstantiateMsg,
  serializeLegacyQueryMsg,
  serializeQueryMsg,
} from "../../contracts/finality/messages.ts";

const PK = "a85d8331aa6cc07395ae7528348cd8ce3dad6f3699cfc1bd7c5eb34246d83d7c";
const B32_1 = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
const B64_2 = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg==";
const B32_3 = "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=";
const B32_4 = "BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=";
const B32_5 = "BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU=";
const B32_6 = "BgYGBgYGBgYGBgYGBgYGBgYGBgYGBgYGBgYGBgYGBgY=";
const HASH_HEX = "0707070707070707070707070707070707070707070707070707070707070707";

// The example messages of contract-eots-reference.md §2.6, §4.1.2, §4.1.3 with concrete values.
const executeExamples = [
  `{"commit_public_randomness":{"fp_pubkey_hex":"${PK}","start_height":100,"num_pub_rand":1000,"commitment":"${B32_1}","signature":"${B64_2}"}}`,
  `{"submit_finality_signature":{"fp_pubkey_hex":"${PK}","height":101,"pub_rand":"${B32_3}","proof":{"total":1000,"index":1,"leaf_hash":"${B32_4}","aunts":["${B32_5}","${B32_6}"]},"block_hash":"${B32_1}","signature":"${B32_3}"}}`,
  // A single-leaf commitment: index 0 and aunts [] must be written, never omitted.
  `{"submit_finality_signature":{"fp_pubkey_hex":"${PK}","height":100,"pub_rand":"${B32_3}","proof":{"total":1,"index":0,"leaf_hash":"${B32_4}","aunts":[]},"block_hash":"${B32_1}","signature":"${B32_3}"}}`,
  `{"submit_finality_signature":{"fp_pubkey_hex":"${PK}","l1_block_number":19000000,"l1_block_hash_hex":"${HASH_HEX}","height":101,"pub_rand":"${B32_3}","proof":{"total":2,"index":1,"leaf_hash":"${B32_4}","aunts":["${B32_5}"]},"block_hash":"${B32_1}","signature":"${B32_3}"}}`,
  `{"submit_finality_signature":{"fp_pubkey_hex":"${PK}","l1_block_number":null,"l1_block_hash_hex":null,"height":101,"pub_rand":"${B32_3}","proof":{"total":2,"index":1,"leaf_hash":"${B32_4}","aunts":["${B32_5}"]},"block_hash":"${B32_1}","signature":"${B32_3}"}}`,
  `{"update_admin":{"admin":"bbn1qqadmqqqq"}}`,
  `{"prune_data":{"rollup_height":5000}}`,
  `{"prune_data":{"rollup_height":5000,"max_signatures_to_prune":100,"max_pub_rand_values_to_prune":null}}`,
  `{"add_to_allowlist":{"fp_pubkey_hex_list":["${PK}"]}}`,
  `{"remove_from_allowlist":{"fp_pubkey_hex_list":["${PK}","${HASH_HEX}"]}}`,
  `{"update_config":{"min_pub_rand":500,"max_msgs_per_interval":20,"rate_limiting_interval":10000}}`,
  `{"update_config":{"max_msgs_per_interval":20}}`,
];

const queryExamples = [
  `{"block_voters":{"height":101,"hash_hex":"${HASH_HEX}"}}`,
  `{"first_pub_rand_commit":{"btc_pk_hex":"${PK}"}}`,
  `{"last_pub_rand_commit":{"btc_pk_hex":"${PK}"}}`,
  `{"pub_rand_commit_for_height":{"btc_pk_hex":"${PK}","height":105}}`,
  `{"list_pub_rand_commit":{"btc_pk_hex":"${PK}"}}`,
  `{"list_pub_rand_commit":{"btc_pk_hex":"${PK}","start_after":100,"limit":30,"reverse":true}}`,
  `{"highest_voted_height":{"btc_pk_hex":"${PK}"}}`,
  `{"admin":{}}`,
  `{"config":{}}`,
  `{"allowed_finality_providers":{}}`,
  `{"allowed_finality_providers_at_height":{"babylon_height":12345}}`,
];

const instantiateExamples = [
  `{"admin":"bbn1qqadmqqqq","bsn_id":"op-stack-l2-11155420","min_pub_rand":100,"rate_limiting_interval":10000,"max_msgs_per_interval":100,"bsn_activation_height":0,"finality_signature_interval":1}`,
  `{"admin":"bbn1qqadmqqqq","bsn_id":"op-stack-l2-11155420","min_pub_rand":100,"rate_limiting_interval":10000,"max_msgs_per_interval":100,"bsn_activation_height":0,"finality_signature_interval":1,"allowed_finality_providers":["${PK}"]}`,
];

describe("rollup-BSN messages round-trip byte for byte", () => {
  it.each(executeExamples)("execute %s", (text) => {
    expect(serializeExecuteMsg(parseExecuteMsg(parseJson(text)))).toBe(text);
  });
  it.each(queryExamples)("query %s", (text) => {
    expect(serializeQueryMsg(parseQueryMsg(parseJson(text)))).toBe(text);
  });
  it.each(instantiateExamples)("instantiate %s", (text) => {
    expect(serializeInstantiateMsg(parseInstantiateMsg(parseJson(text)))).toBe(text);
  });

  it("parses into typed values", () => {
    const msg = parseExecuteMsg(parseJson(executeExamples[1]!));
    if (!("submit_finality_signature" in msg)) throw new Error("wrong variant");
    const body = msg.submit_finality_signature;
    expect(body.height).toBe(101n);
    expect(body.proof.total).toBe(1000n);
    expect(body.proof.aunts[1]).toEqual(new Uint8Array(32).fill(6));
    expect(body.signature).toEqual(new Uint8Array(32).fill(3));
  });

  it("round-trips the replies, with Vec<u8> as number arrays", () => {
    const replies: [{ parse(v: unknown, p: string): unknown; toJson(v: never): unknown }, string][] = [
      [
        configResponseCodec,
        `{"bsn_id":"op-stack-l2-11155420","min_pub_rand":100,"rate_limiting":{"max_msgs_per_interval":100,"block_interval":10000},"bsn_activation_height":0,"finality_signature_interval":1}`,
      ],
      [
        optionalPubRandCommitCodec,
        `{"start_height":100,"num_pub_rand":3,"interval":5,"babylon_epoch":7,"commitment":[1,2,255]}`,
      ],
      [optionalPubRandCommitCodec, "null"],
      [
        pubRandCommitListCodec,
        `[{"start_height":100,"num_pub_rand":3,"interval":5,"babylon_epoch":7,"commitment":[1]},{"start_height":115,"num_pub_rand":3,"interval":5,"babylon_epoch":8,"commitment":[2]}]`,
      ],
      [
        blockVotersResponseCodec,
        `[{"fp_btc_pk_hex":"${PK}","pub_rand":[3,3],"finality_signature":{"finality_sig":[9,0],"block_hash":[7,7]}}]`,
      ],
      [blockVotersResponseCodec, "null"],
      [highestVotedHeightCodec, "18446744073709551615"],
      [highestVotedHeightCodec, "null"],
      [adminResponseCodec, `{"admin":"bbn1qqadmqqqq"}`],
      [adminResponseCodec, `{"admin":null}`],
    ];
    for (const [codec, text] of replies) {
      expect(stringifyJson(codec.toJson(codec.parse(parseJson(text), "reply") as never))).toBe(text);
    }
    expect(highestVotedHeightCodec.parse(parseJson("18446744073709551615"), "h")).toBe(18446744073709551615n);
  });
});

describe("replies are read leniently", () => {
  it("skips fields a newer contract adds, but still requires the known ones", () => {
    const cfg = configResponseCodec.parse(
      parseJson(
        `{"bsn_id":"x","min_pub_rand":1,"rate_limiting":{"max_msgs_per_interval":2,"block_interval":3,"burst":9},"bsn_activation_height":4,"finality_signature_interval":5,"new_field":true}`,
      ),
      "config",
    );
    expect(cfg.rate_limiting.block_interval).toBe(3n);
    expect(() => configResponseCodec.parse(parseJson(`{"bsn_id":"x"}`), "config")).toThrow(
      "config.min_pub_rand: missing field",
    );
  });
});

describe("op-finality-gadget dialect", () => {
  it("round-trips its messages and replies", () => {
    const exec = [
      `{"commit_public_randomness":{"fp_pubkey_hex":"${PK}","start_height":100,"num_pub_rand":1000,"commitment":"${B32_1}","signature":"${B64_2}"}}`,
      `{"submit_finality_signature":{"fp_pubkey_hex":"${PK}","height":101,"pub_rand":"${B32_3}","proof":{"total":1000,"index":1,"leaf_hash":"${B32_4}","aunts":["${B32_5}"]},"block_hash":"${B32_1}","signature":"${B32_3}"}}`,
      `{"set_enabled":{"enabled":false}}`,
      `{"update_admin":{"admin":"bbn1qqadmqqqq"}}`,
      `{"slashing":{"sender":"bbn1qqadmqqqq","evidence":{"fp_btc_pk":[1],"block_height":7,"pub_rand":[2],"canonical_app_hash":[3],"fork_app_hash":[4],"canonical_finality_sig":[5],"fork_finality_sig":[6]}}}`,
    ];
    for (const text of exec)
      expect(serializeLegacyExecuteMsg(parseLegacyExecuteMsg(parseJson(text)))).toBe(text);
    const queries = [
      `{"block_voters":{"height":101,"hash":"${HASH_HEX}"}}`,
      `{"is_enabled":{}}`,
      `{"config":{}}`,
      `{"admin":{}}`,
      `{"first_pub_rand_commit":{"btc_pk_hex":"${PK}"}}`,
      `{"last_pub_rand_commit":{"btc_pk_hex":"${PK}"}}`,
    ];
    for (const text of queries)
      expect(serializeLegacyQueryMsg(parseLegacyQueryMsg(parseJson(text)))).toBe(text);
    const inst = `{"admin":"bbn1qqadmqqqq","consumer_id":"op-stack-l2-706114","is_enabled":true}`;
    expect(serializeLegacyInstantiateMsg(parseLegacyInstantiateMsg(parseJson(inst)))).toBe(inst);

    const cfg = `{"consumer_id":"op-stack-l2-706114"}`;
    expect(
      stringifyJson(legacyConfigResponseCodec.toJson(legacyConfigResponseCodec.parse(parseJson(cfg), "c"))),
    ).toBe(cfg);
    const voters = `["${PK}"]`;
    const parsedVoters = legacyBlockVotersResponseCodec.parse(parseJson(voters), "v");
    expect(parsedVoters).toEqual([PK]);
    const commit = `{"start_height":1,"num_pub_rand":2,"height":3,"commitment":[4]}`;
    const parsedCommit = legacyOptionalPubRandCommitCodec.parse(parseJson(commit), "c");
    expect(stringifyJson(legacyOptionalPubRandCommitCodec.toJson(parsedCommit))).toBe(commit);
  });

  it("differs where the contracts differ", () => {
    const withL1 = `{"submit_finality_signature":{"fp_pubkey_hex":"${PK}","l1_block_number":1,"height":101,"pub_rand":"${B32_3}","proof":{"total":2,"index":1,"leaf_hash":"${B32_4}","aunts":["${B32_5}"]},"block_hash":"${B32_1}","signature":"${B32_3}"}}`;
    // Unknown fields are ignored, as the compiled contracts ignore them: the old contract never sees l1_*.
    expect(parseLegacyExecuteMsg(parseJson(withL1))).not.toHaveProperty(
      "submit_finality_signature.l1_block_number",
    );
    expect(() => parseQueryMsg(parseJson(`{"block_voters":{"height":1,"hash":"${HASH_HEX}"}}`))).toThrow(
      "block_voters.hash_hex: missing field",
    );
    expect(() =>
      parseLegacyQueryMsg(parseJson(`{"block_voters":{"height":1,"hash_hex":"${HASH_HEX}"}}`)),
    ).toThrow("block_voters.hash: missing field");
    expect(() => parseExecuteMsg(parseJson(`{"set_enabled":{"enabled":true}}`))).toThrow(
      /^set_enabled: unknown variant/,
    );
  });
});

describe("untrusted JSON is rejected at the first offending path", () => {
  const submit = (proof: string, extra = "") =>
    `{"submit_finality_signature":{"fp_pubkey_hex":"${PK}"${extra},"height":101,"pub_rand":"${B32_3}","proof":${proof},"block_hash":"${B32_1}","signature":"${B32_3}"}}`;

  function reject(text: string, expected: string): void {
    let caught: unknown;
    try {
      parseExecuteMsg(parseJson(text));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ContractMsgError);
    expect((caught as Error).message).toBe(expected);
  }

  it("names nested paths", () => {
    reject(
      submit(`{"total":3,"index":1,"leaf_hash":"${B32_4}","aunts":["${B32_5}","${B32_6}","not base64!"]}`),
      "submit_finality_signature.proof.aunts[2]: expected base64",
    );
    reject(
      submit(`{"total":3,"index":1,"leaf_hash":"${B32_4}","aunts":"${B32_5}"}`),
      "submit_finality_signature.proof.aunts: expected array, got a string",
    );
    reject(
      submit(`{"total":3,"index":1,"leaf_hash":"${B32_4}"}`),
      "submit_finality_signature.proof.aunts: missing field",
    );
    // An unknown field is skipped (the contract skips it too), not reported.
    expect(
      parseExecuteMsg(parseJson(submit(`{"total":3,"index":1,"leaf_hash":"${B32_4}","aunts":[],"extra":1}`))),
    ).not.toHaveProperty("submit_finality_signature.proof.extra");
    reject(
      submit(`{"total":3,"index":1,"leaf_hash":"${B32_4}","aunts":[]}`, `,"l1_block_number":"7"`),
      "submit_finality_signature.l1_block_number: expected u64 number, got a string",
    );
  });

  it("checks u64, u32 and types strictly", () => {
    const commit = (start: string, num = "1000") =>
      `{"commit_public_randomness":{"fp_pubkey_hex":"${PK}","start_height":${start},"num_pub_rand":${num},"commitment":"${B32_1}","signature":"${B64_2}"}}`;
    reject(commit(`"100"`), "commit_public_randomness.start_height: expected u64 number, got a string");
    reject(commit("-1"), "commit_public_randomness.start_height: expected u64 number, got a number");
    reject(commit("1.5"), "commit_public_randomness.start_height: expected u64 number, got a number");
    reject(
      commit("18446744073709551616"),
      "commit_public_randomness.start_height: expected u64 number, got a number",
    );
    reject(commit("null"), "commit_public_randomness.start_height: expected u64 number, got null");
    // The first offending field in document order is the one named.
    reject(commit(`"x"`, `"y"`), "commit_public_randomness.start_height: expected u64 number, got a string");
    const max = parseExecuteMsg(parseJson(commit("18446744073709551615")));
    expect("commit_public_randomness" in max && max.commit_public_randomness.start_height).toBe(
      18446744073709551615n,
    );
    expect(serializeExecuteMsg(max)).toBe(commit("18446744073709551615"));
    // JSON.parse has already rounded such a value: refuse it rather than use a wrong height.
    expect(() => parseExecuteMsg(JSON.parse(commit("9007199254740993")))).toThrow(/lost precision/);
    expect(() =>
      parseExecuteMsg(parseJson(`{"prune_data":{"rollup_height":1,"max_signatures_to_prune":4294967296}}`)),
    ).toThrow("prune_data.max_signatures_to_prune: expected u32 number, got a number");
  });

  it("rejects malformed envelopes", () => {
    reject(
      `{"nope":{}}`,
      "nope: unknown variant, expected one of commit_public_randomness, submit_finality_signature, update_admin, prune_data, add_to_allowlist, remove_from_allowlist, update_config",
    );
    reject(
      `{"update_admin":{"admin":"a"},"prune_data":{"rollup_height":1}}`,
      "message: expected exactly one of commit_public_randomness, submit_finality_signature, update_admin, prune_data, add_to_allowlist, remove_from_allowlist, update_config; got 2 keys",
    );
    reject(`[]`, "message: expected object, got an array");
    reject(`{"update_admin":{"admin":null}}`, "update_admin.admin: expected string, got null");
    reject(`{"update_admin":"x"}`, "update_admin: expected object, got a string");
    reject(
      `{"__proto__":{}}`,
      "__proto__: unknown variant, expected one of commit_public_randomness, submit_finality_signature, update_admin, prune_data, add_to_allowlist, remove_from_allowlist, update_config",
    );
    expect(() => parseInstantiateMsg(parseJson(`{"admin":"a"}`))).toThrow(
      "instantiate.bsn_id: missing field",
    );
  });

  it("accepts unpadded base64 as cosmwasm does, and writes it padded", () => {
    const unpadded = B32_1.replace(/=+$/, "");
    const text = `{"commit_public_randomness":{"fp_pubkey_hex":"${PK}","start_height":1,"num_pub_rand":1,"commitment":"${unpadded}","signature":"${B64_2}"}}`;
    expect(serializeExecuteMsg(parseExecuteMsg(parseJson(text)))).toBe(text.replace(unpadded, B32_1));
  });

  it("JSON text errors are reported, not thrown as TypeErrors", () => {
    expect(() => parseJson(`{"a":1,}`)).toThrow(/invalid JSON at position/);
    expect(() => parseJson(`{"a":1} x`)).toThrow(
      "invalid JSON at position 8: unexpected trailing characters",
    );
  });
});

describe("JSON Schemas", () => {
  it("describe every variant and forbid unknown fields", () => {
    const schemas = contractSchemas() as {
      execute: {
        oneOf: { required: string[]; properties: Record<string, { additionalProperties?: boolean }> }[];
      };
      query: { oneOf: unknown[] };
    };
    expect(schemas.execute.oneOf.map((v) => v.required[0])).toEqual([
      "commit_public_randomness",
      "submit_finality_signature",
      "update_admin",
      "prune_data",
      "add_to_allowlist",
      "remove_from_allowlist",
      "update_config",
    ]);
    expect(schemas.execute.oneOf[1]!.properties["submit_finality_signature"]!.additionalProperties).toBe(
      false,
    );
    expect(schemas.query.oneOf).toHaveLength(10);
    // Intervals are at least one block, everywhere they appear; other u64s start at 0.
    const all = contractSchemas() as {
      instantiate: { properties: Record<string, { minimum?: number }> };
      responses: {
        config: {
          properties: Record<string, { minimum?: number; properties?: Record<string, { minimum?: number }> }>;
          additionalProperties: boolean;
        };
        pub_rand_commit: { anyOf: { properties?: Record<string, { minimum?: number }> }[] };
      };
    };
    const inst = all.instantiate.properties;
    expect([inst.finality_signature_interval!.minimum, inst.rate_limiting_interval!.minimum]).toEqual([1, 1]);
    expect(inst.bsn_activation_height!.minimum).toBe(0);
    const config = all.responses.config;
    expect(config.additionalProperties).toBe(false);
    expect(config.properties.finality_signature_interval!.minimum).toBe(1);
    expect(config.properties.rate_limiting!.properties!.block_interval!.minimum).toBe(1);
    expect(all.responses.pub_rand_commit.anyOf[0]!.properties!.interval!.minimum).toBe(1);
    const legacy = contractSchemas("op-finality-gadget") as { query: { oneOf: unknown[] } };
    expect(legacy.query.oneOf).toHaveLength(6);
  });
});
