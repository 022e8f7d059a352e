// The container image's entrypoint: runs one Switchyard service in this process, named by the first argument (or
// SWITCHYARD_SERVICE). Each service is configured by its environment (see the README and services/<name>/).
//
//   node scripts/serve.js router

/** The services the image can run; each is services/<name>/dist/main.js. */
export const SERVICES = ["ingress", "router", "policy", "provider-worker", "metering"];

const name = process.argv[2] ?? process.env.SWITCHYARD_SERVICE;
if (!SERVICES.includes(name)) {
  process.stderr.write(`usage: serve.js <service>: expected one of ${SERVICES.join(", ")}, got "${name ?? ""}"\n`);
  process.exit(2);
}
await import(new URL(`../services/${name}/dist/main.js`, import.meta.url).href);
