// One trivial process hop for floor.ts and the benchmark's floor target: a server that reads each request body and
// forwards it unchanged to the next address, then returns the answer (a whole body with its length as one write; a
// body without a length, such as server-sent events, passed on as it arrives). It does no parsing, routing or
// encoding, so a chain of them measures what process hops alone cost on a machine. Arguments: `<serve h1|h2> <next>`, where next is `host:port` (HTTP/1.1 via
// an undici Pool) or `h2:host:port` (one HTTP/2 session). Prints `{"port":N}` when listening.

import { createServer as createHttp, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, createServer as createHttp2, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import { Pool } from "undici";

function read(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on("data", (part: Buffer) => parts.push(part));
    stream.on("end", () => resolve(Buffer.concat(parts)));
    stream.on("error", reject);
  });
}

/** The next hop's answer: a whole body, or (without a length) its parts as they arrive. */
interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer | AsyncIterable<Buffer>;
}

type Forward = (path: string, authorization: string, body: Buffer) => Promise<Answer>;

function forwarder(next: string): Forward {
  if (next.startsWith("h2:")) {
    const session = connect(`http://${next.slice(3)}`);
    return (path, authorization, body) => {
      const req = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/json",
        authorization,
      });
      req.end(body);
      return read(req).then((answer) => ({ status: 200, contentType: "application/json", body: answer }));
    };
  }
  const pool = new Pool(`http://${next}`, { connections: 64 });
  return async (path, authorization, body) => {
    const headers = { "content-type": "application/json", authorization };
    const res = await pool.request({ method: "POST", path, headers, body });
    const contentType = String(res.headers["content-type"] ?? "application/json");
    if (res.headers["content-length"] === undefined) return { status: res.statusCode, contentType, body: res.body };
    return { status: res.statusCode, contentType, body: Buffer.from(await res.body.arrayBuffer()) };
  };
}

const [serve, next] = process.argv.slice(2);
if (!next || (serve !== "h1" && serve !== "h2")) throw new Error("expected arguments <h1|h2> <next address>");
const forward = forwarder(next);
const handle = async (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
  const answer = await forward(req.url ?? "/", String(req.headers.authorization ?? ""), await read(req));
  if (Buffer.isBuffer(answer.body)) {
    res.writeHead(answer.status, { "content-type": answer.contentType, "content-length": answer.body.byteLength });
    res.end(answer.body);
    return;
  }
  res.writeHead(answer.status, { "content-type": answer.contentType });
  const out = res as { write(part: Buffer): boolean };
  for await (const part of answer.body) out.write(part);
  res.end();
};
const server =
  serve === "h2"
    ? createHttp2((req, res) => void handle(req, res))
    : createHttp({ keepAlive: true }, (req, res) => void handle(req, res));
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
