// A reader for the subset of the Prisma schema language this project uses. It turns schema.prisma into the
// tables, columns and indexes Postgres should hold, so a test can hold the migrations to the schema without
// Prisma's schema engine (which cannot be fetched offline).

export interface ColumnSpec {
  name: string;
  /** Postgres type as information_schema reports it: "text", "bigint", "ARRAY", "USER-DEFINED", … */
  dataType: string;
  /** For enums and arrays: the underlying type name (pg udt_name). */
  udtName: string;
  nullable: boolean;
}

export interface IndexSpec {
  columns: string[];
  unique: boolean;
  primary: boolean;
}

export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
  indexes: IndexSpec[];
}

const scalarTypes: Record<string, { dataType: string; udtName: string }> = {
  String: { dataType: "text", udtName: "text" },
  BigInt: { dataType: "bigint", udtName: "int8" },
  Int: { dataType: "integer", udtName: "int4" },
  Boolean: { dataType: "boolean", udtName: "bool" },
  DateTime: { dataType: "timestamp without time zone", udtName: "timestamp" },
  Json: { dataType: "jsonb", udtName: "jsonb" },
  Bytes: { dataType: "bytea", udtName: "bytea" },
  Float: { dataType: "double precision", udtName: "float8" },
};

function blocks(source: string, keyword: "model" | "enum"): { name: string; body: string[] }[] {
  const found: { name: string; body: string[] }[] = [];
  const re = new RegExp(`^${keyword}\\s+(\\w+)\\s*\\{([\\s\\S]*?)^\\}`, "gm");
  for (const m of source.matchAll(re)) {
    const body = m[2]!
      .split("\n")
      .map((line) => line.replace(/\/\/.*$/, "").trim())
      .filter((line) => line.length > 0);
    found.push({ name: m[1]!, body });
  }
  return found;
}

function mapped(attrs: string): string | undefined {
  return /@map\("([^"]+)"\)/.exec(attrs)?.[1];
}

function listArg(attr: string): string[] {
  const inner = /\[([^\]]*)\]/.exec(attr)?.[1] ?? "";
  return inner
    .split(",")
    .map((s) => s.trim().replace(/\(.*\)$/, ""))
    .filter(Boolean);
}

export function parsePrismaSchema(source: string): TableSpec[] {
  const enums = new Set(blocks(source, "enum").map((e) => e.name));
  const models = blocks(source, "model");
  const modelNames = new Set(models.map((m) => m.name));
  const tables: TableSpec[] = [];
  for (const model of models) {
    const columns: ColumnSpec[] = [];
    const indexes: IndexSpec[] = [];
    const columnOf = new Map<string, string>();
    let tableName = model.name;
    const blockAttrs: string[] = [];
    for (const line of model.body) {
      if (line.startsWith("@@")) {
        blockAttrs.push(line);
        continue;
      }
      const m = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (!m) continue;
      const field = m[1]!;
      const type = m[2]!;
      const list = m[3];
      const optional = m[4];
      const attrs = m[5] ?? "";
      if (modelNames.has(type)) continue; // relation field: no column of its own
      const column = mapped(attrs) ?? field;
      columnOf.set(field, column);
      let dataType: string;
      let udtName: string;
      if (enums.has(type)) {
        dataType = "USER-DEFINED";
        udtName = type;
      } else {
        const scalar = scalarTypes[type];
        if (!scalar)
          throw new Error(`schema.prisma: field ${model.name}.${field} has unsupported type ${type}`);
        dataType = scalar.dataType;
        udtName = scalar.udtName;
      }
      if (list) {
        dataType = "ARRAY";
        udtName = `_${udtName}`;
      }
      columns.push({ name: column, dataType, udtName, nullable: optional === "?" });
      if (/@id\b/.test(attrs)) indexes.push({ columns: [column], unique: true, primary: true });
      if (/@unique\b/.test(attrs)) indexes.push({ columns: [column], unique: true, primary: false });
    }
    for (const attr of blockAttrs) {
      const name = /^@@map\("([^"]+)"\)/.exec(attr);
      if (name) {
        tableName = name[1]!;
        continue;
      }
      const kind = /^@@(id|unique|index)\(/.exec(attr)?.[1];
      if (!kind) continue;
      const cols = listArg(attr).map((f) => {
        const c = columnOf.get(f);
        if (!c) throw new Error(`schema.prisma: ${model.name} ${attr} names unknown field ${f}`);
        return c;
      });
      indexes.push({ columns: cols, unique: kind !== "index", primary: kind === "id" });
    }
    tables.push({ name: tableName, columns, indexes });
  }
  return tables;
}
