# Sourced by test.sh and bench.sh: installs the Debian packages the throwaway servers need, when missing.
#   ensure_local_servers NAME RABBITMQ_VAR POSTGRES_VAR   (a server named by its variable is not installed)

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
