#!/usr/bin/env bash
# Sourced by .ci/run: a PostgreSQL cluster for the store's tests (Debian's `postgresql`,
# installed when missing and apt-get runs as root), on its own port, with a role and a scratch
# database the tests create their databases from. Exports GLP_MSP_TEST_PG when it is up;
# otherwise says why, and the PostgreSQL tests report SKIPPED. Idempotent: a second run reuses
# the running cluster.
pg_port="${GLP_MSP_PG_PORT:-54329}"
pg_cluster=glpmsp
pg_setup() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
                || { echo "postgresql could not be installed"; return 1; }
        else
            echo "no PostgreSQL, and no apt-get as root to install it"
            return 1
        fi
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "not root: cannot start a cluster as the postgres user"
        return 1
    fi
    command -v pg_lsclusters >/dev/null 2>&1 || { echo "no pg_lsclusters (Debian's postgresql-common)"; return 1; }
    local version
    version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
    if ! pg_lsclusters -h | awk '{print $2}' | grep -qx "$pg_cluster"; then
        pg_createcluster "$version" "$pg_cluster" -p "$pg_port" >/dev/null \
            || { echo "pg_createcluster failed"; return 1; }
    fi
    version="$(pg_lsclusters -h | awk -v c="$pg_cluster" '$2 == c {print $1}')"
    pg_port="$(pg_lsclusters -h | awk -v c="$pg_cluster" '$2 == c {print $3}')"
    if ! pg_lsclusters -h | awk -v c="$pg_cluster" '$2 == c {print $4}' | grep -q online; then
        pg_ctlcluster "$version" "$pg_cluster" start || { echo "the cluster did not start"; return 1; }
    fi
    local psql=(runuser -u postgres -- psql -X -q -p "$pg_port" -v ON_ERROR_STOP=1)
    "${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'glp_msp_test'" | grep -q 1 \
        || "${psql[@]}" -c "CREATE ROLE glp_msp_test LOGIN CREATEDB PASSWORD 'glp-msp-test'" \
        || { echo "cannot create the test role"; return 1; }
    "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'glp_msp_test'" | grep -q 1 \
        || "${psql[@]}" -c "CREATE DATABASE glp_msp_test OWNER glp_msp_test" \
        || { echo "cannot create the test database"; return 1; }
    export GLP_MSP_TEST_PG="postgres://glp_msp_test:glp-msp-test@127.0.0.1:${pg_port}/glp_msp_test"
    echo "PostgreSQL $version up on port $pg_port: GLP_MSP_TEST_PG is set"
}
if [ -n "${GLP_MSP_TEST_PG:-}" ]; then
    echo "GLP_MSP_TEST_PG is set: the PostgreSQL tests use it"
else
    pg_setup || echo "the PostgreSQL tests will be skipped"
fi
