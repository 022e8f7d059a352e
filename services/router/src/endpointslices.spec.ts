import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "@switchyard/runtime";
import { readyAddresses, watchEndpointSlices } from "./endpointslices.js";
import { type FakeKubeApi, slice, startFakeKubeApi } from "./kube-testkit.js";

const log = createLogger("endpointslices-spec", "silent");

/** Waits until `check` holds; a change must be seen within a second. */
async function within(ms: number, check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(5);
  }
}

describe("readyAddresses", () => {
  it("takes ready endpoints on the named port, numbers as they are, IPv6 in brackets", () => {
    const a = slice("a", "w", [["10.0.0.2"], ["10.0.0.1", true], ["10.0.0.9", false]]);
    const other = slice("b", "w", [["10.0.0.3"]], { name: "metrics", port: 9090 });
    const v6 = { ...slice("c", "w", [["fd00::1"], ["10.0.0.1"]]), addressType: "IPv6" };
    assert.deepEqual(readyAddresses([a, other, v6], "http"), ["10.0.0.1:8084", "10.0.0.2:8084", "[fd00::1]:8084"]);
    assert.deepEqual(readyAddresses([other], 7000), ["10.0.0.3:7000"]);
    assert.deepEqual(readyAddresses([{ ...a, endpoints: undefined as never }], "http"), [], "an empty slice");
  });
});

describe("EndpointSlice watch", () => {
  let api: FakeKubeApi;
  let stop: (() => void) | undefined;
  let workers: string[] | undefined;
  let updates = 0;

  before(async () => {
    api = await startFakeKubeApi();
  });
  after(() => api.close());
  afterEach(() => {
    stop?.();
    stop = undefined;
  });

  const start = (options: { retryMinMs?: number } = {}) => {
    workers = undefined;
    updates = 0;
    const w = watchEndpointSlices({
      kubeConfig: api.kubeConfig(),
      namespace: "workers",
      service: "provider-worker",
      port: "http",
      log,
      onAddresses: (addresses) => {
        workers = addresses;
        updates++;
      },
      ...options,
    });
    stop = w.stop;
  };
  const lists = () => api.requests.filter((u) => !u.searchParams.has("watch")).length;
  const lastWatch = () => api.requests.filter((u) => u.searchParams.has("watch")).at(-1);
  const is = (expected: string[]) => () => JSON.stringify(workers) === JSON.stringify(expected);

  it("lists, then applies an added endpoint, one turning not ready and a deleted slice as they come", async () => {
    api.put(slice("pw-a", "provider-worker", [["10.0.0.1"], ["10.0.0.2", true]]));
    api.put(slice("other", "some-other-service", [["10.9.9.9"]]));
    start();
    await within(1000, is(["10.0.0.1:8084", "10.0.0.2:8084"]), "the listed workers");
    const list = api.requests[0]!;
    assert.equal(list.searchParams.get("labelSelector"), "kubernetes.io/service-name=provider-worker");
    await within(1000, () => api.openWatches === 1, "a watch");
    assert.equal(lastWatch()?.searchParams.get("resourceVersion"), "102", "the watch starts at the list's version");

    api.put(slice("pw-b", "provider-worker", [["10.0.0.3"]]));
    await within(1000, is(["10.0.0.1:8084", "10.0.0.2:8084", "10.0.0.3:8084"]), "the added endpoint");
    api.put(slice("pw-a", "provider-worker", [["10.0.0.1"], ["10.0.0.2", false]]));
    await within(1000, is(["10.0.0.1:8084", "10.0.0.3:8084"]), "the endpoint turned not ready left");
    api.remove("pw-b");
    await within(1000, is(["10.0.0.1:8084"]), "the deleted slice's endpoints left");
    const seen = updates;
    api.put(slice("other", "some-other-service", [["10.9.9.8"]]));
    api.put(slice("pw-a", "provider-worker", [["10.0.0.1"], ["10.0.0.2", false]]));
    await sleep(50);
    assert.equal(updates, seen, "changes that leave the ready set alone publish nothing");
    assert.equal(lists(), 1);
  });

  it("resumes a dropped watch from its last resourceVersion, bookmarks included, without listing again", async () => {
    const listsBefore = lists();
    start();
    await within(1000, () => workers !== undefined && api.openWatches === 1, "the first watch");
    api.bookmark();
    const bookmarked = api.resourceVersion;
    await sleep(50);
    api.dropWatches();
    api.put(slice("pw-c", "provider-worker", [["10.0.0.4"]]));
    await within(1000, is(["10.0.0.1:8084", "10.0.0.4:8084"]), "the change made while the watch was down");
    assert.equal(lists(), listsBefore + 1, "resumed, not listed again");
    const resumedFrom = Number(lastWatch()?.searchParams.get("resourceVersion"));
    assert.equal(resumedFrom, bookmarked, "from the bookmark's version");
  });

  it("lists again when the watch's resourceVersion expired, as an ERROR event or as 410 Gone", async () => {
    for (const how of ["event", "status"] as const) {
      const listsBefore = lists();
      start();
      await within(1000, () => workers !== undefined && api.openWatches === 1, "the first watch");
      api.dropWatches();
      api.remove("pw-c");
      api.put(slice(`pw-${how}`, "provider-worker", [["10.0.1.1"]]));
      api.remove(`pw-${how}`);
      api.compact(how);
      await within(1500, () => lists() === listsBefore + 2, "a second list");
      await within(1000, is(["10.0.0.1:8084"]), "the state after the relist");
      await within(1000, () => api.openWatches === 1, "a new watch");
      api.put(slice("pw-d", "provider-worker", [["10.0.0.5"]]));
      await within(1000, is(["10.0.0.1:8084", "10.0.0.5:8084"]), "changes after the relist");
      api.remove("pw-d");
      stop?.();
      await within(1000, () => api.openWatches === 0, "the watch ends on stop");
    }
  });

  it("retries while the API server fails, and stops for good", async () => {
    api.failLists(3);
    const listsBefore = lists();
    start({ retryMinMs: 20 });
    await within(2000, is(["10.0.0.1:8084"]), "the workers once the API server answers");
    assert.equal(lists(), listsBefore + 4);
    stop?.();
    await within(1000, () => api.openWatches === 0, "no watch after stop");
    api.put(slice("pw-e", "provider-worker", [["10.0.0.6"]]));
    await sleep(300);
    assert.deepEqual(workers, ["10.0.0.1:8084"]);
    assert.equal(api.openWatches, 0);
  });

  it("keeps retrying when the API server is unreachable", async () => {
    const closed = await startFakeKubeApi();
    const kubeConfig = closed.kubeConfig();
    await closed.close();
    let published = false;
    const w = watchEndpointSlices({
      kubeConfig,
      namespace: "workers",
      service: "provider-worker",
      port: "http",
      log,
      retryMinMs: 10,
      onAddresses: () => {
        published = true;
      },
    });
    await sleep(200);
    w.stop();
    assert.equal(published, false);
  });
});
