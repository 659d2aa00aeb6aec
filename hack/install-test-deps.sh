#!/usr/bin/env bash
# Installs the Debian packages the test suites run for real: dnsmasq (the DNS server behind
# the domain-verification tests), openssl and chromium (the console's browser tests, driven by
# playwright-core; its version is whatever Debian ships, printed by the tests), umoci and skopeo
# (the daemonless container image build, hack/build-image.sh). Idempotent: a second run with everything
# present does nothing, and `apt-get update` runs only when something is missing, so CI
# pays for the package index only on a fresh machine.
#
#   hack/install-test-deps.sh           install what is missing (needs root, or sudo)
set -euo pipefail

log() { printf '[install-test-deps] %s\n' "$*" >&2; }

# package:binary — the binary tells whether the package is already usable, which is
# cheaper than dpkg and also accepts a tool that came from elsewhere (e.g. openssl).
wanted=(
  dnsmasq-base:/usr/sbin/dnsmasq
  openssl:openssl
  chromium:/usr/bin/chromium
  umoci:/usr/bin/umoci
  skopeo:/usr/bin/skopeo
)

missing=()
for entry in "${wanted[@]}"; do
  pkg=${entry%%:*} bin=${entry#*:}
  if [[ $bin == /* ]] && [ -x "$bin" ]; then continue; fi
  if [[ $bin != /* ]] && command -v "$bin" >/dev/null 2>&1; then continue; fi
  missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  log "${wanted[*]%%:*}: present"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { log "need root to install: ${missing[*]}"; exit 1; }
  sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
log "installing: ${missing[*]}"
start=$SECONDS
"${sudo[@]}" apt-get update -qq
# --no-install-recommends: the tests run the binary directly; no services or extras.
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
log "installed in $((SECONDS - start))s: ${missing[*]}"
