// `allow_requests_on_db_unavailable: true`: while the policy service is down, keys the ingress has seen keep working
// (their limits unenforced and counted), while a key it has never seen still cannot get in.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { within } from "./admin-setup.js";
import { chat, FAST, type LimitsGateway, post, startLimitsGateway } from "./limits-setup.js";
import { MASTER_KEY } from "./setup.js";

let gw: LimitsGateway;

before(async () => {
  gw = await startLimitsGateway({ replicas: 1, failOpen: true });
});
after(() => gw?.stop());

describe("failing open", () => {
  it("serves known keys without limits during a policy outage, refuses unknown ones with 503, and logs it", async () => {
    const url = gw.mesh.restUrl;
    const generated = await post(url, "/key/generate", MASTER_KEY, { rpm_limit: 2 });
    assert.equal(generated.status, 200, JSON.stringify(generated.json));
    const secret = generated.json["key"] as string;
    const spare = await post(url, "/key/generate", MASTER_KEY, {});
    const unseen = spare.json["key"] as string;
    assert.equal((await chat(url, secret, FAST)).status, 200);

    await gw.mesh.kill("policy", 0, "SIGKILL");
    const during = await Promise.all(Array.from({ length: 6 }, () => chat(url, secret, FAST)));
    assert.deepEqual(
      during.map((a) => a.status),
      [200, 200, 200, 200, 200, 200],
      "the rpm limit of 2 is not enforced while the policy is down",
    );
    const stranger = await chat(url, unseen, FAST);
    assert.equal(stranger.status, 503, JSON.stringify(stranger.json));
    assert.ok(
      gw.lines.some((line) => line.includes("allow_requests_on_db_unavailable")),
      "the outage is logged loudly",
    );
    // Counted on the ingress's metrics listener (its public port serves none).
    const metrics = await (await fetch(gw.ingressMetricsUrl)).text();
    const counted = [...metrics.matchAll(/^switchyard_policy_fail_open_total\{[^}]*\} (\d+)$/gm)];
    const total = counted.reduce((sum, m) => sum + Number(m[1]), 0);
    assert.ok(total >= 1, `the outage is counted: ${counted.map((m) => m[0]).join(", ")}`);

    await gw.mesh.restart("policy", 0);
    // Back to normal: the limit applies again (a new minute of it may already hold the outage's requests or not).
    await within(10_000, async () => (await chat(url, unseen, FAST)).status === 200);
    const burst = await Promise.all(Array.from({ length: 5 }, () => chat(url, secret, FAST)));
    assert.ok(burst.filter((a) => a.status === 429).length >= 3, JSON.stringify(burst.map((a) => a.status)));
  });
});
