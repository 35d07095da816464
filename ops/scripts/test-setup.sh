#!/usr/bin/env bash
# What only the tests need (npm test runs this after setup.sh): tools the tests check outputs with,
# a headless browser for the console tests, real FTP/FTPS and SFTP servers for the distribution
# tests, jq for the README walkthrough. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/../.."

need_apt=()
command -v 7z >/dev/null || need_apt+=(p7zip-full)
command -v cksfv >/dev/null || need_apt+=(cksfv)
command -v unzip >/dev/null || need_apt+=(unzip)
command -v zip >/dev/null || need_apt+=(zip)
command -v jq >/dev/null || need_apt+=(jq)
command -v curl >/dev/null || need_apt+=(curl)
command -v redis-server >/dev/null || need_apt+=(redis-server)
[ -e /usr/bin/epubcheck ] || need_apt+=(epubcheck)
[ -x /usr/bin/time ] || need_apt+=(time)
# The durable-publish test watches a packing process's fsync and rename calls.
command -v strace >/dev/null || need_apt+=(strace)
# Headless browser for the console tests (driven by playwright-core; no browser download).
command -v chromium >/dev/null || need_apt+=(chromium)
# The multi-host test runs its hosts in network namespaces (ip netns, veth, bridge).
command -v ip >/dev/null || need_apt+=(iproute2)
# Distribution tests run real FTP/FTPS and SFTP servers.
[ -x /usr/sbin/pure-ftpd ] || need_apt+=(pure-ftpd)
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
command -v ssh-keygen >/dev/null || need_apt+=(openssh-client)
command -v openssl >/dev/null || need_apt+=(openssl)
# The bench smoke (CI) drives the API with hey (requests in step) and wrk (independent arrivals).
command -v hey >/dev/null || need_apt+=(hey)
command -v wrk >/dev/null || need_apt+=(wrk)
bash ops/scripts/apt-install.sh "needed by the tests only" "${need_apt[@]}"

# The real-book corpus (test/corpus/books.json) is cut from Debian packages at pinned versions:
# download them here, once (the cache keeps them), so the corpus test only unpacks and checks.
# A version the mirror no longer has is left to the test, which fails naming it and what to do.
corpus_debs="${CORPUS_CACHE:-$HOME/.cache/esp-corpus}/debs"
mkdir -p "$corpus_debs"
node -e "for (const s of new Set(require('./test/corpus/books.json').books.map((b) => b.package + '=' + b.version))) console.log(s)" |
  while IFS='=' read -r pkg version; do
    compgen -G "$corpus_debs/${pkg}_${version//:/%3a}_*.deb" >/dev/null && continue
    echo "test-setup: downloading $pkg=$version for the real-book corpus"
    (cd "$corpus_debs" && apt-get download -qq -o APT::Sandbox::User=root "$pkg=$version") || echo "test-setup: $pkg=$version could not be downloaded; the corpus test will say why" >&2
  done
