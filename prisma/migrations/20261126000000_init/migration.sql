-- CreateEnum
CREATE TYPE "BlockStatus" AS ENUM ('NOT_CHECKED', 'NOT_ACTIVATED', 'PENDING', 'NO_VOTING_POWER', 'FINALIZED', 'ORPHANED');

-- CreateTable
CREATE TABLE "l2_block" (
    "hash" TEXT NOT NULL,
    "height" BIGINT NOT NULL,
    "parent_hash" TEXT NOT NULL,
    "timestamp" BIGINT NOT NULL,
    "canonical" BOOLEAN NOT NULL DEFAULT true,
    "checked" BOOLEAN NOT NULL,
    "status" "BlockStatus" NOT NULL,
    "btc_height" INTEGER,
    "voted_power" BIGINT,
    "total_power" BIGINT,
    "voter_count" INTEGER,
    "evaluated_at" TIMESTAMP(3),
    "finalized_at" TIMESTAMP(3),
    "finalized_by_babylon_height" BIGINT,
    "ingested_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "l2_block_pkey" PRIMARY KEY ("hash")
);

-- CreateTable
CREATE TABLE "finality_signature" (
    "babylon_height" BIGINT NOT NULL,
    "tx_hash" TEXT NOT NULL,
    "msg_index" INTEGER NOT NULL,
    "fp_btc_pk" TEXT NOT NULL,
    "height" BIGINT NOT NULL,
    "block_hash" TEXT NOT NULL,
    "pub_rand" TEXT,
    "signature" TEXT,
    "babylon_time" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "finality_signature_pkey" PRIMARY KEY ("babylon_height","tx_hash","msg_index")
);

-- CreateTable
CREATE TABLE "pub_rand_commit" (
    "fp_btc_pk" TEXT NOT NULL,
    "start_height" BIGINT NOT NULL,
    "num_pub_rand" BIGINT NOT NULL,
    "interval" BIGINT NOT NULL,
    "babylon_epoch" BIGINT,
    "commitment" TEXT,
    "babylon_height" BIGINT NOT NULL,
    "tx_hash" TEXT NOT NULL,
    "msg_index" INTEGER NOT NULL,

    CONSTRAINT "pub_rand_commit_pkey" PRIMARY KEY ("fp_btc_pk","start_height")
);

-- CreateTable
CREATE TABLE "finality_provider" (
    "btc_pk" TEXT NOT NULL,
    "bsn_id" TEXT NOT NULL,
    "addr" TEXT,
    "moniker" TEXT,
    "identity" TEXT,
    "website" TEXT,
    "security_contact" TEXT,
    "details" TEXT,
    "commission" TEXT,
    "jailed" BOOLEAN NOT NULL DEFAULT false,
    "slashed_babylon_height" BIGINT,
    "slashed_btc_height" INTEGER,
    "registered_babylon_height" BIGINT,
    "updated_babylon_height" BIGINT NOT NULL,

    CONSTRAINT "finality_provider_pkey" PRIMARY KEY ("btc_pk")
);

-- CreateTable
CREATE TABLE "finality_provider_event" (
    "babylon_height" BIGINT NOT NULL,
    "event_index" INTEGER NOT NULL,
    "fp_btc_pk" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "btc_height" INTEGER,

    CONSTRAINT "finality_provider_event_pkey" PRIMARY KEY ("babylon_height","event_index")
);

-- CreateTable
CREATE TABLE "btc_delegation" (
    "staking_tx_hash" TEXT NOT NULL,
    "staker_addr" TEXT,
    "staker_btc_pk" TEXT,
    "total_sat" BIGINT NOT NULL,
    "staking_time" INTEGER NOT NULL,
    "start_height" INTEGER NOT NULL,
    "end_height" INTEGER NOT NULL,
    "covenant_quorum_reached" BOOLEAN NOT NULL,
    "unbonded_at_btc_height" INTEGER,
    "status" TEXT NOT NULL,
    "params_version" INTEGER,
    "created_babylon_height" BIGINT,
    "updated_babylon_height" BIGINT NOT NULL,

    CONSTRAINT "btc_delegation_pkey" PRIMARY KEY ("staking_tx_hash")
);

-- CreateTable
CREATE TABLE "delegation_provider" (
    "staking_tx_hash" TEXT NOT NULL,
    "fp_btc_pk" TEXT NOT NULL,

    CONSTRAINT "delegation_provider_pkey" PRIMARY KEY ("staking_tx_hash","fp_btc_pk")
);

-- CreateTable
CREATE TABLE "delegation_status_change" (
    "babylon_height" BIGINT NOT NULL,
    "event_index" INTEGER NOT NULL,
    "staking_tx_hash" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "btc_height" INTEGER,

    CONSTRAINT "delegation_status_change_pkey" PRIMARY KEY ("babylon_height","event_index")
);

-- CreateTable
CREATE TABLE "btc_header" (
    "height" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "timestamp" INTEGER NOT NULL,

    CONSTRAINT "btc_header_pkey" PRIMARY KEY ("height")
);

-- CreateTable
CREATE TABLE "equivocation" (
    "babylon_height" BIGINT NOT NULL,
    "event_index" INTEGER NOT NULL,
    "fp_btc_pk" TEXT NOT NULL,
    "height" BIGINT NOT NULL,
    "canonical_block_hash" TEXT NOT NULL,
    "fork_block_hash" TEXT NOT NULL,
    "canonical_signature" TEXT NOT NULL,
    "fork_signature" TEXT NOT NULL,
    "pub_rand" TEXT NOT NULL,
    "signing_context" TEXT,
    "extracted_secret_key" TEXT,
    "tx_hash" TEXT,

    CONSTRAINT "equivocation_pkey" PRIMARY KEY ("babylon_height","event_index")
);

-- CreateTable
CREATE TABLE "contract_config" (
    "contract_address" TEXT NOT NULL,
    "dialect" TEXT NOT NULL,
    "bsn_id" TEXT NOT NULL,
    "min_pub_rand" BIGINT NOT NULL,
    "bsn_activation_height" BIGINT NOT NULL,
    "finality_signature_interval" BIGINT NOT NULL,
    "max_msgs_per_interval" BIGINT,
    "rate_limiting_interval" BIGINT,
    "updated_babylon_height" BIGINT NOT NULL,

    CONSTRAINT "contract_config_pkey" PRIMARY KEY ("contract_address")
);

-- CreateTable
CREATE TABLE "allowlist_entry" (
    "fp_btc_pk" TEXT NOT NULL,
    "added_at_babylon" BIGINT NOT NULL,
    "removed_at_babylon" BIGINT,

    CONSTRAINT "allowlist_entry_pkey" PRIMARY KEY ("fp_btc_pk","added_at_babylon")
);

-- CreateTable
CREATE TABLE "staking_params" (
    "babylon_height" BIGINT NOT NULL,
    "covenant_quorum" INTEGER NOT NULL,
    "confirmation_depth" INTEGER NOT NULL,
    "finalization_timeout" INTEGER NOT NULL,

    CONSTRAINT "staking_params_pkey" PRIMARY KEY ("babylon_height")
);

-- CreateTable
CREATE TABLE "voting_power" (
    "btc_height" INTEGER NOT NULL,
    "fp_btc_pk" TEXT NOT NULL,
    "power" BIGINT NOT NULL,

    CONSTRAINT "voting_power_pkey" PRIMARY KEY ("btc_height","fp_btc_pk")
);

-- CreateTable
CREATE TABLE "ingest_cursor" (
    "name" TEXT NOT NULL,
    "height" BIGINT NOT NULL,
    "hash" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ingest_cursor_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "gadget_state" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "gadget_state_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "safety_incident" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "height" BIGINT,
    "details" TEXT NOT NULL,
    "detected_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMP(3),

    CONSTRAINT "safety_incident_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "l2_block_height_idx" ON "l2_block"("height");

-- CreateIndex
CREATE INDEX "l2_block_canonical_height_idx" ON "l2_block"("canonical", "height");

-- CreateIndex
CREATE INDEX "l2_block_status_height_idx" ON "l2_block"("status", "height");

-- CreateIndex
CREATE INDEX "finality_signature_height_block_hash_idx" ON "finality_signature"("height", "block_hash");

-- CreateIndex
CREATE INDEX "finality_signature_fp_btc_pk_height_idx" ON "finality_signature"("fp_btc_pk", "height");

-- CreateIndex
CREATE INDEX "pub_rand_commit_babylon_height_idx" ON "pub_rand_commit"("babylon_height");

-- CreateIndex
CREATE INDEX "finality_provider_bsn_id_idx" ON "finality_provider"("bsn_id");

-- CreateIndex
CREATE INDEX "finality_provider_event_fp_btc_pk_babylon_height_idx" ON "finality_provider_event"("fp_btc_pk", "babylon_height");

-- CreateIndex
CREATE INDEX "btc_delegation_status_idx" ON "btc_delegation"("status");

-- CreateIndex
CREATE INDEX "delegation_provider_fp_btc_pk_idx" ON "delegation_provider"("fp_btc_pk");

-- CreateIndex
CREATE INDEX "delegation_status_change_staking_tx_hash_idx" ON "delegation_status_change"("staking_tx_hash");

-- CreateIndex
CREATE UNIQUE INDEX "btc_header_hash_key" ON "btc_header"("hash");

-- CreateIndex
CREATE INDEX "equivocation_fp_btc_pk_idx" ON "equivocation"("fp_btc_pk");

-- CreateIndex
CREATE INDEX "equivocation_height_idx" ON "equivocation"("height");

-- CreateIndex
CREATE INDEX "safety_incident_resolved_at_idx" ON "safety_incident"("resolved_at");

-- AddForeignKey
ALTER TABLE "delegation_provider" ADD CONSTRAINT "delegation_provider_staking_tx_hash_fkey" FOREIGN KEY ("staking_tx_hash") REFERENCES "btc_delegation"("staking_tx_hash") ON DELETE CASCADE ON UPDATE CASCADE;
