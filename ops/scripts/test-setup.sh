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
bash ops/scripts/apt-install.sh "needed by the tests only" "${need_apt[@]}"
