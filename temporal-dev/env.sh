# Shared settings for the temporal-dev scripts (sourced, not run).
# Everything can be overridden from the environment, e.g. to run a second,
# isolated dev server in tests: TEMPORAL_STATE_DIR=/tmp/x TEMPORAL_PORT=7299 temporal-dev/start
TEMPORAL_DEV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_DIR="$(cd "$TEMPORAL_DEV_DIR/.." && pwd)"
# shellcheck source=versions.env
. "$TEMPORAL_DEV_DIR/versions.env"

TOOLS_DIR="${NSDEPLOY_TOOLS_DIR:-$PROJECT_DIR/.tools}"
TEMPORAL_CLI_DIR="$TOOLS_DIR/temporal-cli/$TEMPORAL_CLI_VERSION"
TEMPORAL_BIN="$TEMPORAL_CLI_DIR/temporal"
TEST_SERVER_DIR="$TOOLS_DIR/temporal-test-server/$TEMPORAL_TEST_SERVER_VERSION"
TEST_SERVER_BIN="$TEST_SERVER_DIR/temporal-test-server"

TEMPORAL_IP="${TEMPORAL_IP:-127.0.0.1}"
TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
TEMPORAL_NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
TEMPORAL_STATE_DIR="${TEMPORAL_STATE_DIR:-$PROJECT_DIR/.temporal}"
TEMPORAL_DB="$TEMPORAL_STATE_DIR/temporal.db"
TEMPORAL_PID_FILE="$TEMPORAL_STATE_DIR/server.pid"
TEMPORAL_LOG_FILE="$TEMPORAL_STATE_DIR/server.log"

# Flags every dev server of the project starts with (temporal-dev/start, tests, benchmarks).
TEMPORAL_DEV_FLAGS_FILE="$TEMPORAL_DEV_DIR/dev-server.flags"

# Search attributes the workflows set (name=type), kept in step with src/shared.ts.
TEMPORAL_SEARCH_ATTRIBUTES=(DeployPhase=Keyword Fleet=Keyword FleetHealth=Keyword)

# True when the pid file names a live `temporal server start-dev` we started.
temporal_dev_running() {
  [ -f "$TEMPORAL_PID_FILE" ] || return 1
  local pid
  pid="$(cat "$TEMPORAL_PID_FILE")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "server start-dev"
}
