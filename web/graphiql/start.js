// Starts yoga's GraphiQL from this server's own files: Monaco's workers load from beside this script (not from
// a CDN, not through blob: URLs), and the options come from the page's inert JSON block, so the page needs no
// inline script under the server's Content-Security-Policy. Loaded before yoga-graphiql.umd.js, which reads
// MonacoEnvironment when it starts.
const base = new URL(".", document.currentScript.src).href;
const workers = {
  editorWorkerService: `${base}monacoeditorwork/editor.worker.bundle.js`,
  json: `${base}monacoeditorwork/json.worker.bundle.js`,
  graphql: `${base}monacoeditorwork/graphql.worker..bundle.js`,
};
self.MonacoEnvironment = {
  globalAPI: false,
  getWorkerUrl: (_moduleId, label) => workers[label] ?? workers.editorWorkerService,
};
document.addEventListener("DOMContentLoaded", () => {
  const options = JSON.parse(document.getElementById("graphiql-options").textContent);
  // A shared link's ?query= opens in the editor (yoga's bundle would prefer the prefilled examples).
  const shared = new URLSearchParams(location.search).get("query");
  if (shared) options.query = shared;
  // The endpoint is relative so that the same page works behind any host name or proxy path.
  options.endpoint = new URL(options.endpoint, location.href).href;
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById("root"), options);
});
