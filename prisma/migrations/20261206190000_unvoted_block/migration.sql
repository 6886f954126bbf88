-- CreateTable
CREATE TABLE "unvoted_block" (
    "fp_btc_pk" TEXT NOT NULL,
    "height" BIGINT NOT NULL,
    "block_hash" TEXT NOT NULL,

    CONSTRAINT "unvoted_block_pkey" PRIMARY KEY ("fp_btc_pk","height","block_hash")
);

-- Every evaluated checked block's providers with power and no vote, as the engine records them from now on.
INSERT INTO "unvoted_block" ("fp_btc_pk", "height", "block_hash")
SELECT vp."fp_btc_pk", b."height", b."hash"
FROM "l2_block" b
JOIN "voting_power" vp ON vp."btc_height" = b."btc_height" AND vp."power" > 0
WHERE b."checked"
  AND NOT EXISTS (SELECT 1 FROM "finality_signature" s
                  WHERE s."height" = b."height" AND s."block_hash" = b."hash" AND s."fp_btc_pk" = vp."fp_btc_pk");
