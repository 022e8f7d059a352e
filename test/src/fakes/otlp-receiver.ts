// An in-process OTLP/HTTP trace receiver: `POST /v1/traces` with an ExportTraceServiceRequest in protobuf (what the
// services' exporter sends by default), decoded just far enough to check traces: resource service name, ids, name,
// kind, attributes and status of every span. The wire reader is protobuf-es's; the OTLP field numbers are those of
// opentelemetry/proto/trace/v1/trace.proto and common/v1/common.proto.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** An attribute value as OTLP carries it. */
export type AttributeValue = string | number | boolean | bigint | AttributeValue[] | undefined;

/** One received span. */
export interface ReceivedSpan {
  /** `service.name` of the resource that sent it. */
  service: string;
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, AttributeValue>;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
}

/** Span kinds as OTLP numbers them. */
export const KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

/** A running receiver. */
export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`: the value of OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Requests received, and those that failed to decode. */
  readonly stats: { requests: number; malformed: number };
  /** Resolves once `predicate` holds for the spans received (checked on every export), or rejects after `ms`. */
  waitFor(predicate: (spans: readonly ReceivedSpan[]) => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Reads the length-delimited fields of a message, calling `on` for each; other wire types are skipped. */
function fields(bytes: Uint8Array, on: (field: number, reader: BinaryReader, wire: WireType) => void): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wire] = reader.tag();
    const before = reader.pos;
    on(field, reader, wire);
    if (reader.pos === before) reader.skip(wire, field);
  }
}

function anyValue(bytes: Uint8Array): AttributeValue {
  let value: AttributeValue;
  fields(bytes, (field, r) => {
    if (field === 1) value = r.string();
    else if (field === 2) value = r.bool();
    else if (field === 3) value = Number(r.int64());
    else if (field === 4) value = r.double();
    else if (field === 5) {
      const items: AttributeValue[] = [];
      fields(r.bytes(), (f, rr) => {
        if (f === 1) items.push(anyValue(rr.bytes()));
      });
      value = items;
    }
  });
  return value;
}

function keyValue(bytes: Uint8Array, into: Record<string, AttributeValue>): void {
  let key = "";
  let value: AttributeValue;
  fields(bytes, (field, r) => {
    if (field === 1) key = r.string();
    else if (field === 2) value = anyValue(r.bytes());
  });
  into[key] = value;
}

function span(bytes: Uint8Array, service: string): ReceivedSpan {
  const out: ReceivedSpan = {
    service,
    traceId: "",
    spanId: "",
    parentSpanId: "",
    name: "",
    kind: 0,
    attributes: {},
    statusCode: 0,
  };
  fields(bytes, (field, r, wire) => {
    if (field === 1) out.traceId = hex(r.bytes());
    else if (field === 2) out.spanId = hex(r.bytes());
    else if (field === 4) out.parentSpanId = hex(r.bytes());
    else if (field === 5) out.name = r.string();
    else if (field === 6 && wire === WireType.Varint) out.kind = r.int32();
    else if (field === 9) keyValue(r.bytes(), out.attributes);
    else if (field === 15) {
      fields(r.bytes(), (f, rr, w) => {
        if (f === 3 && w === WireType.Varint) out.statusCode = rr.int32();
      });
    }
  });
  return out;
}

/** Decodes an ExportTraceServiceRequest into its spans. */
export function decodeTraces(body: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  fields(body, (field, r) => {
    if (field !== 1) return;
    const resourceSpans = r.bytes();
    const resource: Record<string, AttributeValue> = {};
    const scopes: Uint8Array[] = [];
    fields(resourceSpans, (f, rr) => {
      if (f === 1) {
        fields(rr.bytes(), (ff, rrr) => {
          if (ff === 1) keyValue(rrr.bytes(), resource);
        });
      } else if (f === 2) scopes.push(rr.bytes());
    });
    const service = String(resource["service.name"] ?? "");
    for (const scope of scopes) {
      fields(scope, (f, rr) => {
        if (f === 2) spans.push(span(rr.bytes(), service));
      });
    }
  });
  return spans;
}

/** Starts a receiver on a free loopback port. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const stats = { requests: 0, malformed: 0 };
  const waiters = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      stats.requests++;
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      try {
        let body = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        spans.push(...decodeTraces(body));
      } catch {
        stats.malformed++;
        res.writeHead(400).end();
        return;
      }
      // An empty ExportTraceServiceResponse: everything accepted.
      res.writeHead(200, { "content-type": "application/x-protobuf", "content-length": 0 }).end();
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    stats,
    waitFor(predicate, ms = 20_000) {
      if (predicate(spans)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(spans)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected spans within ${ms} ms; received ${spans.length}`));
        }, ms);
        waiters.add(check);
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
