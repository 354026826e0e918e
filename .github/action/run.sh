#!/usr/bin/env bash
# The shell steps of the composite action (action.yml), kept here so that a test runs them as
# GitHub does:
#   run.sh install   build the harness in the action's own checkout ($GITHUB_ACTION_PATH)
#   run.sh run       run it with the INPUT_* variables action.yml sets, write the reports to
#                    INPUT_REPORT_DIR, append the Markdown to $GITHUB_STEP_SUMMARY, set the step's
#                    outputs in $GITHUB_OUTPUT, and exit with the harness's exit code
set -euo pipefail
ACTION_PATH="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: run.sh runs as a step of action.yml}"
CLI="$ACTION_PATH/dist/harness/cli.js"

install() {
  if [ -f "$CLI" ]; then
    echo "gateway-lock-conformance is built already ($CLI)"
  else
    # npm ci runs the package's prepare script, which builds dist/.
    (cd "$ACTION_PATH" && npm ci --no-audit --no-fund)
  fi
  # strace lets CONFLICT-1 to 3 see each bind(); without it the harness says so in a note.
  if ! command -v strace >/dev/null && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get install -y -qq strace >/dev/null || echo "strace not installed: CONFLICT checks run without bind tracing"
  fi
}

run() {
  local dir="${INPUT_REPORT_DIR:-gateway-lock-report}"
  mkdir -p "$dir"
  local args=(--json "$dir/report.json" --html "$dir/report.html" --junit "$dir/junit.xml" --markdown "$dir/summary.md")
  [ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
  [ -n "${INPUT_EXPECTED_FAILURES:-}" ] && args+=(--expected-failures "$INPUT_EXPECTED_FAILURES")
  local extra=() command=()
  read -r -a extra <<< "${INPUT_ARGS:-}"
  read -r -a command <<< "${INPUT_COMMAND:-}"
  [ "${#extra[@]}" -gt 0 ] && args+=("${extra[@]}")
  [ "${#command[@]}" -gt 0 ] && args+=(-- "${command[@]}")

  local code=0
  node "$CLI" "${args[@]}" || code=$?

  if [ "${INPUT_SUMMARY:-true}" = true ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -s "$dir/summary.md" ]; then
    cat "$dir/summary.md" >> "$GITHUB_STEP_SUMMARY"
  fi
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    {
      echo "exit-code=$code"
      echo "conformant=$([ "$code" = 0 ] && echo true || echo false)"
      echo "report-json=$dir/report.json"
      echo "report-html=$dir/report.html"
    } >> "$GITHUB_OUTPUT"
  fi
  return "$code"
}

case "${1:-}" in
  install) install ;;
  run) run ;;
  *) echo "usage: run.sh install|run" >&2; exit 2 ;;
esac
