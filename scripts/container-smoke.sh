#!/usr/bin/env bash
# The Docker image's runtime stage, without a Docker engine: in a fresh temporary folder,
# copy what the Dockerfile's final stage copies, install production dependencies only the
# way it does, then run the CLI as a non-root user with the image's environment:
# `demo` (a whole refresh against the built-in simulator, real Chromium) and the health
# check (`health` when this build has it, else `status`).
#
# Usage: scripts/container-smoke.sh        (from anywhere; builds dist/ when missing)
# Needs: node, npm, Chromium at $BROWSER_PATH (default /usr/bin/chromium-headless-shell, as
# in the image).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
browser="${BROWSER_PATH:-/usr/bin/chromium-headless-shell}"

fail() { echo "container-smoke: FAIL: $*" >&2; exit 1; }
step() { echo "container-smoke: $*"; }

[ -x "$browser" ] || fail "no Chromium at $browser (set BROWSER_PATH)"
[ -f "$root/dist/cli/main.js" ] || (cd "$root" && npm run build >/dev/null)

work="$(mktemp -d "${TMPDIR:-/tmp}/kt-container-XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
chmod 0755 "$work"
app="$work/app"
data="$work/data"
home="$work/home"
mkdir -p "$app" "$data" "$home"

# --- the runtime stage's steps (Dockerfile: final stage) ---------------------------------
step "copy package.json, package-lock.json, config/, dist/ into $app"
cp "$root/package.json" "$root/package-lock.json" "$app/"
cp -R "$root/config" "$app/config"
cp -R "$root/dist" "$app/dist"
step "npm ci --omit=dev --ignore-scripts"
(cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)

# No dev dependency may be installed (the image must not ship the toolchain).
dev_deps="$(node -e 'console.log(Object.keys(require(process.argv[1]).devDependencies ?? {}).join(" "))' "$app/package.json")"
for dep in $dev_deps; do
  [ ! -e "$app/node_modules/$dep" ] || fail "dev dependency $dep is installed"
done
[ ! -e "$app/node_modules/typescript" ] || fail "typescript is installed"
step "no dev dependency installed ($(echo "$dev_deps" | wc -w) checked)"

# The image's user: `node` (uid 1000) there; here a non-root user. As root, run as nobody.
if [ "$(id -u)" -eq 0 ]; then
  uid=65534
  gid=65534
  chown "$uid:$gid" "$data" "$home"
  chmod 0700 "$data"
  as_user() { setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"; }
else
  uid="$(id -u)"
  as_user() { "$@"; }
fi

# The image's ENV (Dockerfile), with /data moved into the temporary folder.
run_cli() {
  as_user env -i PATH="$PATH" HOME="$home" \
    NODE_ENV=production TZ=Asia/Kolkata \
    BROWSER_PATH="$browser" BROWSER_NO_SANDBOX=true \
    TOKEN_FILE="$data/token.json" STATE_FILE="$data/state.json" ARTIFACTS_DIR="$data/artifacts" \
    node "$app/dist/cli/main.js" "$@"
}

[ "$(as_user id -u)" -ne 0 ] || fail "the CLI would run as root"
cd "$app"

step "kite-token demo (uid $uid)"
run_cli demo --token-file "$data/token.json" || fail "demo exited with $?"
[ -f "$data/token.json" ] || fail "demo saved no token at $data/token.json"
mode="$(stat -c '%a' "$data/token.json")"
[ "$mode" = "600" ] || fail "token file mode is $mode, not 600"
owner="$(stat -c '%u' "$data/token.json")"
[ "$owner" = "$uid" ] || fail "token file owned by uid $owner, not $uid"
step "token saved, mode $mode, owner uid $owner"

if run_cli --help | grep -qE '^\s+health\b'; then
  check=health
else
  check=status # `health` (the image's HEALTHCHECK) is not in this build yet
fi
step "kite-token $check"
run_cli "$check" || fail "$check exited with $?"

echo "container-smoke: ok (runtime stage: production install, uid $uid, demo and $check passed)"
