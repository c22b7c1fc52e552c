#!/usr/bin/env bash
# Runs a command as on a machine with no Chromium installed: in a private mount namespace,
# every folder on the PATH that holds one of the names kite-token looks for is overlaid with
# a whiteout of that name (the file is gone, the rest of the folder is untouched), and the
# browsers' own install folders (Debian's /usr/lib/chromium, Google's /opt/google, Playwright's
# download cache) are covered by an empty tmpfs. Nothing changes outside the command.
#
# Usage: scripts/without-system-chromium.sh COMMAND [ARG...]
# Needs: root (mounts), unshare (util-linux), overlayfs. Exits 77 when it cannot hide them.
set -euo pipefail

names=(chromium-headless-shell chrome-headless-shell chromium chromium-browser google-chrome google-chrome-stable)

if [ "${1:-}" = "--inside" ]; then
  work="$2"
  shift 2
  declare -A covered=()
  i=0
  IFS=: read -ra dirs <<<"$PATH"
  for dir in "${dirs[@]}"; do
    [ -n "$dir" ] && [ -d "$dir" ] || continue
    real="$(readlink -f "$dir")"
    [ -z "${covered[$real]:-}" ] || continue
    found=()
    for name in "${names[@]}"; do
      if [ -e "$real/$name" ] || [ -L "$real/$name" ]; then found+=("$name"); fi
    done
    [ "${#found[@]}" -gt 0 ] || continue
    i=$((i + 1))
    mkdir -p "$work/$i/upper" "$work/$i/work"
    for name in "${found[@]}"; do mknod "$work/$i/upper/$name" c 0 0; done
    mount -t overlay overlay -o "lowerdir=$real,upperdir=$work/$i/upper,workdir=$work/$i/work" "$real"
    covered[$real]=1
  done
  for dir in /usr/lib/chromium /usr/lib/chromium-browser /opt/google /opt/chromium.org \
    "${HOME:-/root}/.cache/ms-playwright"; do
    if [ -d "$dir" ]; then mount -t tmpfs -o size=1m,mode=0755 tmpfs "$dir"; fi
  done
  for name in "${names[@]}"; do
    if command -v "$name" >/dev/null 2>&1; then
      echo "without-system-chromium: $name is still visible at $(command -v "$name")" >&2
      exit 1
    fi
  done
  exec "$@"
fi

[ "$#" -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 || ! unshare -m true 2>/dev/null; then
  echo "without-system-chromium: cannot hide the system's browsers here (needs root and unshare -m)" >&2
  exit 77
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/kt-nochromium-XXXXXX")"
trap 'rm -rf "$work"' EXIT
status=0
unshare -m --propagation private bash "$0" --inside "$work" "$@" || status=$?
exit "$status"
