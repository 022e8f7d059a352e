#!/usr/bin/env bash
# Installs the servers the tests start as real processes, nats-server (JetStream) and clickhouse-server, and openssl
# (the NATS mutual-TLS test issues its certificates with it). Idempotent: exits 0 at once when all are present. Installs them with apt-get when running as root; otherwise
# prints the command to run and exits 1. Debian may refuse to start the services (policy-rc.d): that is fine,
# the tests start their own processes on free loopback ports.
set -euo pipefail

BINARIES=(nats-server clickhouse-server openssl)

have() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]
}

missing=()
for bin in "${BINARIES[@]}"; do
  have "$bin" || missing+=("$bin")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "== test servers present: ${BINARIES[*]}"
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing ${missing[*]} with apt-get"
  apt-get update -qq
  # Each binary comes in the Debian package of the same name.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  exit 0
fi

echo "missing ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}'" >&2
exit 1
