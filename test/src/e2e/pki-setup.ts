// A throwaway certificate authority for tests that need TLS: a CA, a server certificate for 127.0.0.1 and a client
// certificate, issued with the openssl command-line tool (scripts/install-deps.sh installs it) into a fresh directory.

import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM file paths. */
export interface TestPki {
  readonly dir: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Issues a key pair signed by the CA in `dir`, with the given X.509 v3 extensions. */
function issue(dir: string, name: string, subject: string, extensions: string): [cert: string, key: string] {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  const curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(["req", ...curve, "-keyout", key, "-out", csr, "-subj", subject]);
  const ca = ["-CA", join(dir, "ca.crt"), "-CAkey", join(dir, "ca.key"), "-CAcreateserial"];
  openssl(["x509", "-req", "-in", csr, ...ca, "-out", cert, "-days", "2", "-extfile", ext]);
  return [cert, key];
}

/** Creates the CA and issues the server and client certificates. */
export function issueTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-pki-"));
  const curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const ca = join(dir, "ca.crt");
  openssl([
    "req",
    "-x509",
    ...curve,
    "-keyout",
    join(dir, "ca.key"),
    "-out",
    ca,
    "-days",
    "2",
    "-subj",
    "/CN=switchyard-test-ca",
  ]);
  const [serverCert, serverKey] = issue(
    dir,
    "server",
    "/CN=127.0.0.1",
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  const [clientCert, clientKey] = issue(dir, "client", "/CN=switchyard", "extendedKeyUsage=clientAuth\n");
  return { dir, ca, serverCert, serverKey, clientCert, clientKey };
}
