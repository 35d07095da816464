#!/usr/bin/env bash
# apt-install.sh "<why>" pkg... : installs the Debian packages given (none: does nothing), saying
# which and why first; needs root.
set -euo pipefail
why="$1"
shift
[ $# -gt 0 ] || exit 0
echo "setup: installing $* ($why; this can take a few minutes)"
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root, or install them yourself: apt-get install $*" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
echo "setup: installed $*"
