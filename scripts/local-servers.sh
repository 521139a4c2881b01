# Sourced by test.sh and bench.sh: installs the Debian packages the throwaway servers need, when missing.
#   ensure_local_servers NAME RABBITMQ_VAR POSTGRES_VAR   (a server named by its variable is not installed)
#   ensure_chromium NAME                                  (the browser the console's browser tests drive)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -q >/dev/null; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

ensure_local_servers() {
  local name=$1 rabbitmq_var=$2 postgres_var=$3
  if [ -z "${!rabbitmq_var:-}" ] && [ ! -x /usr/sbin/rabbitmq-server ]; then
    echo "$name: installing rabbitmq-server (Debian package) for the throwaway broker"
    apt_install rabbitmq-server
  fi
  if [ -z "${!postgres_var:-}" ] && ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "$name: installing the PostgreSQL server (Debian package) for the throwaway database"
    apt_install postgresql
  fi
}

# Playwright cannot download its own browser here (no network but the package registries), so the
# console's browser tests drive Debian's Chromium. When it cannot be installed (no apt, not root and
# no sudo) the run goes on and those tests fail saying how to install it.
ensure_chromium() {
  local name=$1
  [ -x /usr/bin/chromium ] && return 0
  echo "$name: installing chromium (Debian package) for the console's browser tests"
  if ! command -v apt-get >/dev/null || { [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; } || ! apt_install chromium; then
    echo "$name: could not install chromium; the browser tests will fail until it is at /usr/bin/chromium (sudo apt-get install chromium)" >&2
  fi
}
