#!/usr/bin/env bash
# Sourced by .ci/run: a PostgreSQL cluster for the store's tests (Debian's `postgresql`,
# installed when missing and apt-get runs as root), on its own port, with a role and a scratch
# database the tests create their databases from. Exports GLP_MSP_TEST_PG when it is up;
# otherwise says why, and the PostgreSQL tests report SKIPPED. The cluster also serves TLS with
# a certificate for `localhost` signed by a CA made here (openssl), and GLP_MSP_TEST_PG_CA names
# that CA's PEM; `wrong-ca.pem` beside it is another CA, which signed nothing (the tests' wrong
# CA). Idempotent: a second run reuses the running cluster, and one without the certificate
# gets it.
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
    pg_tls "$version" || echo "no TLS on the cluster: the PostgreSQL TLS tests will be skipped"
}
# The cluster's TLS: a CA, a certificate for localhost signed by it (in the cluster's data
# directory), ssl_cert_file and ssl_key_file set and the configuration reloaded; then a
# verified connection proves it before GLP_MSP_TEST_PG_CA is exported.
pg_tls() {
    command -v openssl >/dev/null 2>&1 || { echo "no openssl to make the test certificates"; return 1; }
    local data dir
    data="$(pg_lsclusters -h | awk -v c="$pg_cluster" '$2 == c {print $6}')"
    dir="$data/glp-msp-tls"
    if [ ! -s "$dir/ca.pem" ] || [ ! -s "$dir/server.crt" ] || [ ! -s "$dir/server.key" ] \
        || [ ! -s "$dir/wrong-ca.pem" ]; then
        rm -rf "$dir" && mkdir -p "$dir" || return 1
        local ca_ext=(-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign")
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=glp-msp test CA" \
            "${ca_ext[@]}" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null \
            && openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=glp-msp wrong CA" \
                "${ca_ext[@]}" -keyout "$dir/wrong-ca.key" -out "$dir/wrong-ca.pem" 2>/dev/null \
            && openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
                -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null \
            && printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=critical,CA:FALSE" \
                "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
                >"$dir/server.ext" \
            && openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
                -CAcreateserial -days 3650 -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null \
            || { echo "openssl could not make the test certificates"; rm -rf "$dir"; return 1; }
        rm -f "$dir/ca.key" "$dir/wrong-ca.key" "$dir/server.csr"
        chown -R postgres:postgres "$dir" && chmod 755 "$dir" && chmod 600 "$dir/server.key" \
            && chmod 644 "$dir/ca.pem" "$dir/wrong-ca.pem" "$dir/server.crt" || return 1
    fi
    local psql=(runuser -u postgres -- psql -X -q -p "$pg_port" -v ON_ERROR_STOP=1)
    if [ "$("${psql[@]}" -tAc "SHOW ssl_cert_file")" != "$dir/server.crt" ] \
        || [ "$("${psql[@]}" -tAc "SHOW ssl_key_file")" != "$dir/server.key" ] \
        || [ "$("${psql[@]}" -tAc "SHOW ssl")" != on ]; then
        "${psql[@]}" -c "ALTER SYSTEM SET ssl_cert_file = '$dir/server.crt'" \
            -c "ALTER SYSTEM SET ssl_key_file = '$dir/server.key'" \
            -c "ALTER SYSTEM SET ssl = on" -c "SELECT pg_reload_conf()" >/dev/null \
            || { echo "cannot set the cluster's certificate"; return 1; }
    fi
    # The reload is asynchronous, and one that fails keeps the old certificate (and only logs
    # it): wait for a connection verified with the new one.
    local try
    for try in 1 2 3 4 5 6 7 8 9 10; do
        PGPASSWORD=glp-msp-test psql -X -q -tA "host=localhost port=$pg_port \
            dbname=glp_msp_test user=glp_msp_test sslmode=verify-full sslrootcert=$dir/ca.pem" \
            -c "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()" 2>/dev/null | grep -qx t \
            && break
        [ "$try" = 10 ] && { echo "the cluster does not serve the test certificate (see its log)"; return 1; }
        sleep 0.5
    done
    export GLP_MSP_TEST_PG_CA="$dir/ca.pem"
    echo "the cluster serves TLS for localhost: GLP_MSP_TEST_PG_CA is set"
}
if [ -n "${GLP_MSP_TEST_PG:-}" ]; then
    echo "GLP_MSP_TEST_PG is set: the PostgreSQL tests use it"
else
    pg_setup || echo "the PostgreSQL tests will be skipped"
fi
