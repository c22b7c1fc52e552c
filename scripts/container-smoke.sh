#!/usr/bin/env bash
# The Docker image's runtime stage, without a Docker engine: in a fresh temporary folder,
# copy what the Dockerfile's final stage copies, install production dependencies only the
# way it does, then run the CLI as a non-root user with the image's environment:
# `demo` (a whole refresh against the built-in simulator, real Chromium), the health
# check (`health` when this build has it, else `status`), and the console as the image
# runs it (HOST=0.0.0.0): reached beyond loopback with ADMIN_TOKEN, refused without it.
#
# Usage: scripts/container-smoke.sh        (from anywhere; builds dist/ when missing)
# Needs: node, npm, curl, Chromium at $BROWSER_PATH (default /usr/bin/chromium-headless-shell,
# as in the image). As root, the console is reached in a private network namespace at an
# address that is not loopback (unshare -n, iproute2); otherwise its listening socket is
# checked with ss.
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
step "copy package.json, package-lock.json, config/, dist/, public/ into $app"
cp "$root/package.json" "$root/package-lock.json" "$app/"
cp -R "$root/config" "$app/config"
cp -R "$root/dist" "$app/dist"
cp -R "$root/public" "$app/public"
step "npm ci --omit=dev --omit=optional --ignore-scripts"
(cd "$app" && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error)

# No dev dependency may be installed (the image must not ship the toolchain).
dev_deps="$(node -e 'console.log(Object.keys(require(process.argv[1]).devDependencies ?? {}).join(" "))' "$app/package.json")"
for dep in $dev_deps; do
  [ ! -e "$app/node_modules/$dep" ] || fail "dev dependency $dep is installed"
done
[ ! -e "$app/node_modules/typescript" ] || fail "typescript is installed"
step "no dev dependency installed ($(echo "$dev_deps" | wc -w) checked)"
# Nor the bundled Chromium: the image's browser is Debian's headless shell.
[ ! -e "$app/node_modules/@sparticuz/chromium" ] || fail "the bundled Chromium is installed"
step "no bundled Chromium installed"

# The image's user: `node` (uid 1000) there; here a non-root user. As root, run as nobody.
if [ "$(id -u)" -eq 0 ]; then
  uid=65534
  gid=65534
  chown "$uid:$gid" "$data" "$home"
  chmod 0700 "$data"
  as_user() { ${EXEC:-} setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"; }
else
  uid="$(id -u)"
  as_user() { ${EXEC:-} "$@"; }
fi

# The image's ENV (Dockerfile), with /data moved into the temporary folder.
run_cli() {
  as_user env -i PATH="$PATH" HOME="$home" \
    NODE_ENV=production TZ=Asia/Kolkata HOST=0.0.0.0 \
    BROWSER_PATH="$browser" BROWSER_NO_SANDBOX=true \
    TOKEN_FILE="$data/token.json" STATE_FILE="$data/state.json" ARTIFACTS_DIR="$data/artifacts" \
    ${CONSOLE_ENV:-} node "$app/dist/cli/main.js" "$@"
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

# --- the console, as the image serves it (HOST=0.0.0.0) -----------------------------------
admin="smoke-admin-token-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"

step "kite-token serve without ADMIN_TOKEN: refused"
set +e
refused="$(run_cli serve --port "$port" 2>&1 >/dev/null)"
code=$?
set -e
[ "$code" -eq 2 ] || fail "serve without ADMIN_TOKEN exited with $code, not 2: $refused"
grep -q "CONFIG_INVALID: HOST=0.0.0.0 would open the console beyond this machine, and ADMIN_TOKEN is not set" <<<"$refused" ||
  fail "serve without ADMIN_TOKEN said: $refused"
step "kite-token worker with SERVER_ENABLED=true without ADMIN_TOKEN: refused"
set +e
refused="$(CONSOLE_ENV="SERVER_ENABLED=true KITE_API_KEY=k KITE_API_SECRET=s KITE_USER_ID=AB1234 KITE_PASSWORD=p KITE_TOTP_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" run_cli worker 2>&1 >/dev/null)"
code=$?
set -e
[ "$code" -eq 2 ] || fail "the worker with an unguarded console exited with $code, not 2: $refused"
grep -q "ADMIN_TOKEN is not set" <<<"$refused" || fail "the worker said: $refused"

# With ADMIN_TOKEN: serve, then reach it from beyond loopback.
beyond=192.0.2.10 # TEST-NET-1, only ever on the loopback device of a private network namespace
console_check() {
  # EXEC=exec: the background job becomes node itself, so its pid is the console's.
  (EXEC=exec CONSOLE_ENV="ADMIN_TOKEN=$admin KITE_API_KEY=smokekey" run_cli serve --port "$port" >"$work/serve.log" 2>&1) &
  local pid=$!
  local host="$1"
  local ok=""
  for _ in $(seq 1 100); do
    if curl -fsS "http://$host:$port/healthz" >/dev/null 2>&1; then ok=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if [ -z "$ok" ]; then
    kill "$pid" 2>/dev/null || true
    fail "the console did not answer at http://$host:$port: $(cat "$work/serve.log")"
  fi
  if [ -n "${2:-}" ]; then
    ss -ltnH "sport = :$port" | grep -q "0.0.0.0:$port" || fail "the console does not listen on 0.0.0.0:$port"
  fi
  local unauth authed
  unauth="$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$host:$port/api/token/refresh")"
  authed="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin" "http://$host:$port/api/token/refresh-info")"
  kill -TERM "$pid"
  wait "$pid" || fail "serve exited with $? on SIGTERM"
  [ "$unauth" = 401 ] || fail "a refresh without ADMIN_TOKEN got HTTP $unauth, not 401"
  [ "$authed" = 200 ] || fail "refresh-info with ADMIN_TOKEN got HTTP $authed, not 200"
  step "the console answered at http://$host:$port (401 without the token, 200 with it)"
}
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null && command -v ip >/dev/null 2>&1; then
  step "kite-token serve with ADMIN_TOKEN, reached at $beyond (not loopback) in a private network namespace"
  export -f console_check run_cli as_user step fail
  export work app data home browser uid gid port admin
  unshare -n bash -c "set -euo pipefail; ip link set lo up; ip addr add $beyond/32 dev lo; console_check $beyond"
else
  step "kite-token serve with ADMIN_TOKEN (not root: its socket checked instead)"
  console_check 127.0.0.1 check-socket
fi

echo "container-smoke: ok (runtime stage: production install, uid $uid, demo, $check, console beyond loopback with ADMIN_TOKEN and refused without)"
