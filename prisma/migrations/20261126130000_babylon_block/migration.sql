-- CreateTable
CREATE TABLE "babylon_block" (
    "height" BIGINT NOT NULL,
    "time" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "babylon_block_pkey" PRIMARY KEY ("height")
);

-- CreateIndex
CREATE INDEX "babylon_block_time_idx" ON "babylon_block"("time");
