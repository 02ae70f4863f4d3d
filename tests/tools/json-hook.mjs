// The workflow parser imports .json files without import attributes, which
// Node 20 refuses; this load hook supplies the attribute.
export async function load(url, context, next) {
  if (url.endsWith(".json")) return next(url, { ...context, importAttributes: { type: "json" } });
  return next(url, context);
}
