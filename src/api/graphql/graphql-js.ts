// graphql-js has a CommonJS build (index.js, what Node, Pothos and yoga load) and an ESM build (index.mjs,
// what Vite-based tools such as vitest pick from its "module" field). Two copies in one process break its
// instanceof checks ("Cannot use GraphQLScalarType from another module or realm"), so every value import of
// graphql in this project goes through this file, which names the build Node itself loads.
export * from "graphql/index.js";
