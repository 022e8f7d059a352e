import { createServer, type Server } from "node:net";

/**
 * Resolves with a TCP port that was free on `host` a moment ago: binds port 0, reads the port the kernel chose and
 * closes the socket. Another process may take it before it is used, so callers bind it soon.
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  await listen(server, 0, host);
  const address = server.address();
  await close(server);
  if (address === null || typeof address === "string") throw new Error(`expected a TCP address on ${host}`);
  return address.port;
}

/** Resolves with `count` distinct free ports on `host`, none of them in `exclude`. */
export async function freePorts(count: number, host = "127.0.0.1", exclude: Iterable<number> = []): Promise<number[]> {
  const taken = new Set(exclude);
  const ports: number[] = [];
  // The kernel may hand out a just-closed port again; a bounded retry keeps the ports distinct.
  for (let attempts = 0; ports.length < count; attempts++) {
    if (attempts > count * 20)
      throw new Error(`expected ${count} distinct free ports on ${host}, found ${ports.length}`);
    const port = await freePort(host);
    if (taken.has(port)) continue;
    taken.add(port);
    ports.push(port);
  }
  return ports;
}

/** True when `port` can be bound on `host` right now; false only when it is in use (other errors are thrown). */
export async function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  const server = createServer();
  try {
    await listen(server, port, host);
  } catch (err) {
    if (isErrno(err, "EADDRINUSE")) return false;
    throw err;
  }
  await close(server);
  return true;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
