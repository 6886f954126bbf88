// The shape of one keyset page query, as the API's pagination builds it: a filter, the sort keys, and how many
// rows (one more than the page, to learn whether there is a next one). Each read module takes it for its table.

export interface PageQuery<Where> {
  where: Where;
  orderBy: Array<Record<string, "asc" | "desc">>;
  take: number;
}
