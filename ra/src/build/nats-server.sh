#!/usr/bin/env bash
# Makes sure a nats-server binary of one Debian suite is at a path, fetching it when it is not.
#
#   nats-server.sh <suite> <path>
#
#   suite  bookworm (2.9.10, the oldest release the project supports) or sid (the newest release)
#   path   where the binary must be; an existing executable there is used as it is, so pointing
#          the build at your own binary (-Dnats.server.oldest=... / -Dnats.server.newest=...)
#          fetches nothing
#
# The binary comes from the machine's own Debian archive through apt, by package name, into a
# private folder: nothing is installed system-wide and no system server is touched. A binary
# fetched for sid (which moves) is fetched again when it is more than 7 days old.
set -euo pipefail

suite=${1:?usage: nats-server.sh <suite> <path>}
dest=${2:?usage: nats-server.sh <suite> <path>}
stamp="$dest.fetched"

fail() {
  echo "ERROR: cannot provide nats-server from Debian '$suite' at $dest: $*" >&2
  echo "ERROR: provide one yourself: -Dnats.server.$( [ "$suite" = sid ] && echo newest || echo oldest )=/path/to/nats-server" \
       "(Debian packages: 'nats-server' in $suite)" >&2
  exit 1
}

if [ -x "$dest" ]; then
  # Ours and stale: fetch anew (sid only; keep the old one if that fails). Someone else's: use it.
  if [ "$suite" != sid ] || [ ! -f "$stamp" ] || [ -z "$(find "$stamp" -mtime +7 2>/dev/null)" ]; then
    echo "nats-server ($suite): $dest ($("$dest" --version 2>/dev/null || echo '?'))"
    exit 0
  fi
  refresh=1
else
  refresh=0
fi

command -v apt-get >/dev/null || fail "apt-get is not available (not a Debian machine)"
command -v dpkg-deb >/dev/null || fail "dpkg-deb is not available"
sources=/etc/apt/sources.list.d/debian.sources
uri=""
[ -f "$sources" ] && uri=$(awk '/^URIs:/ {print $2; exit}' "$sources")
[ -n "$uri" ] || uri=$(awk '/^deb / && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' \
                        /etc/apt/sources.list 2>/dev/null || true)
[ -n "$uri" ] || uri=http://deb.debian.org/debian

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" > "$work/sources.list"
A=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
   -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Debug::NoLocking=1)

echo "nats-server ($suite): fetching Debian's package from $uri"
if ! apt-get "${A[@]}" -qq update > "$work/apt.log" 2>&1 \
   || ! (cd "$work" && apt-get "${A[@]}" -qq download nats-server >> "$work/apt.log" 2>&1); then
  if [ "$refresh" = 1 ]; then
    echo "nats-server ($suite): could not refresh, keeping $dest ($("$dest" --version))" >&2
    exit 0
  fi
  cat "$work/apt.log" >&2
  fail "apt-get could not download package nats-server from $uri ($suite)"
fi
dpkg-deb -x "$work"/nats-server_*.deb "$work/x" || fail "cannot unpack $(ls "$work"/nats-server_*.deb)"
"$work/x/usr/sbin/nats-server" --version >/dev/null || fail "the fetched binary does not run"
mkdir -p "$(dirname "$dest")"
cp "$work/x/usr/sbin/nats-server" "$dest.tmp"
mv -f "$dest.tmp" "$dest"
touch "$stamp"
echo "nats-server ($suite): $dest ($("$dest" --version))"
