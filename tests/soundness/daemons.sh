#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Programs from Debian's archive that send no SNI by default and check the
# server's name themselves, each run in the foreground on 127.0.0.1 with
# its configuration in the test's folder and hostpin through OPENSSL_CONF:
# nginx as a proxy (proxy_ssl_verify on, proxy_ssl_server_name off), stunnel
# as a client without sni, HAProxy with verifyhost and no sni, and
# redis-cli --tls without --sni.  Each is first shown to reach the impostor
# without hostpin, then to be refused by it, and to reach the genuine
# server.
. "$HP_SRC/tests/soundness/lib.sh"
hp_need openssl python3 curl
hp_curl_usable || hp_skip "curl cannot run under a preloaded ASan runtime"
PKI=$HP_WORK/pki
hp_pki "$PKI"
hp_start_servers "$PKI"
INTER=$(hp_pin_of "$PKI/ginter.pem")
DEBUG=$HP_WORK/debug
NOPIN=$HP_WORK/none.cnf
printf 'openssl_conf = x\n[x]\n' >"$NOPIN"
hp_pins "$HP_WORK/pins.conf" pinned.test "$INTER"
CNF=$HP_WORK/openssl.cnf
hp_cnf "$CNF" "$HP_WORK/pins.conf"

# start NAME CNF CMD...: run a daemon in the foreground (stopped by the
# test's cleanup, and by timeout at the latest) with OPENSSL_CONF=CNF.
start() {
    local name=$1 cnf=$2
    shift 2
    OPENSSL_CONF=$cnf HOSTPIN_DEBUG=$DEBUG timeout 120 "$@" \
        >"$HP_WORK/$name.out" 2>&1 </dev/null &
    HP_PIDS+=($!)
    LAST=$!
}
stop() {
    kill "$LAST" 2>/dev/null
    wait "$LAST" 2>/dev/null
}
# wait_port PORT: until something listens there (5 s at most).
wait_port() {
    for _ in $(seq 1 100); do
        timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
# http PORT: the HTTP status curl gets from a local plain-HTTP front end.
http() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 15 "http://127.0.0.1:$1/" || true
}
# front DESC NAME WANT_G WANT_I SETUP: with SETUP CNF BACKEND PORT starting
# the front end towards BACKEND on PORT, the status through it to the
# impostor without hostpin, and to both with it.
front() {
    local desc=$1 setup=$2 good=$3 bad=$4 port got
    port=$(hp_free_port)
    "$setup" "$NOPIN" "$IPORT" "$port"
    wait_port "$port" || { hp_fail "$desc: did not start"; cat "$HP_WORK"/*.out; return; }
    got=$(http "$port")
    hp_is "$desc, impostor, without hostpin: reached" "$good" "$got"
    stop
    : >"$DEBUG"
    port=$(hp_free_port)
    "$setup" "$CNF" "$IPORT" "$port"
    wait_port "$port" || { hp_fail "$desc: did not start"; return; }
    got=$(http "$port")
    hp_is "$desc, impostor, with hostpin: refused" "$bad" "$got"
    # nginx clears the environment (and with it HOSTPIN_DEBUG): its own
    # log has the reason.
    if [ "$setup" = nginx_up ]; then
        hp_has "$desc: refused by hostpin" "$(cat "$HP_WORK/nginx/logs/error.log")" \
            "application verification failure"
    else
        hp_debug_has "$desc: refused by hostpin" "does not match the pins for"
    fi
    stop
    port=$(hp_free_port)
    "$setup" "$CNF" "$GPORT" "$port"
    wait_port "$port" || { hp_fail "$desc: did not start"; return; }
    got=$(http "$port")
    hp_is "$desc, genuine server, with hostpin: reached" "$good" "$got"
    stop
}

# --- nginx as a proxy, its defaults: no SNI, the name checked by nginx ----
nginx_up() { # CNF BACKEND PORT
    local d="$HP_WORK/nginx"
    mkdir -p "$d/logs"
    cat >"$d/nginx.conf" <<EOT
daemon off;
master_process off;
pid $d/nginx.pid;
error_log $d/logs/error.log;
events { worker_connections 16; }
http {
    access_log off;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    server {
        listen 127.0.0.1:$3;
        location / {
            proxy_pass https://127.0.0.1:$2/;
            proxy_ssl_verify on;
            proxy_ssl_name pinned.test;
            proxy_ssl_trusted_certificate $PKI/bundle.pem;
        }
    }
}
EOT
    start nginx "$1" nginx -p "$d" -c "$d/nginx.conf"
}
if command -v nginx >/dev/null; then
    front "nginx proxy_ssl_verify on" nginx_up 200 502
else
    hp_fail "nginx is not installed (scripts/deps.sh installs nginx-light)"
fi

# --- stunnel as a TLS client without sni, checkHost pinned.test -----------
# (stunnel then sends the address it connects to as SNI: no host name.)
stunnel_up() {
    cat >"$HP_WORK/stunnel.conf" <<EOT
foreground = yes
pid =
[pinned]
client = yes
accept = 127.0.0.1:$3
connect = 127.0.0.1:$2
verifyChain = yes
CAfile = $PKI/bundle.pem
checkHost = pinned.test
EOT
    start stunnel "$1" stunnel "$HP_WORK/stunnel.conf"
}
if command -v stunnel >/dev/null; then
    front "stunnel checkHost, no sni" stunnel_up 200 000
else
    hp_fail "stunnel is not installed (scripts/deps.sh installs stunnel4)"
fi

# --- HAProxy with verifyhost and no sni -----------------------------------
haproxy_up() {
    cat >"$HP_WORK/haproxy.cfg" <<EOT
defaults
    mode http
    timeout connect 5s
    timeout client 10s
    timeout server 10s
frontend f
    bind 127.0.0.1:$3
    default_backend b
backend b
    server s 127.0.0.1:$2 ssl verify required ca-file $PKI/bundle.pem verifyhost pinned.test
EOT
    start haproxy "$1" haproxy -db -f "$HP_WORK/haproxy.cfg"
}
if command -v haproxy >/dev/null; then
    front "HAProxy verifyhost, no sni" haproxy_up 200 503
else
    hp_fail "haproxy is not installed (scripts/deps.sh installs it)"
fi

# --- redis-cli --tls without --sni, against real TLS Redis servers --------
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
    cat "$PKI/gleaf.pem" "$PKI/ginter.pem" >"$PKI/gchain.pem"
    redis_up() { # NAME CERT KEY: sets RPORT
        RPORT=$(hp_free_port)
        timeout 120 redis-server --port 0 --tls-port "$RPORT" --bind 127.0.0.1 \
            --tls-cert-file "$2" --tls-key-file "$3" --tls-auth-clients no \
            --save '' --appendonly no --dir "$HP_WORK" --logfile "$HP_WORK/$1.log" \
            </dev/null >/dev/null 2>&1 &
        HP_PIDS+=($!)
        wait_port "$RPORT"
    }
    redis_up rgenuine "$PKI/gchain.pem" "$PKI/gleaf.key"
    RG=$RPORT
    redis_up rimpostor "$PKI/ileaf.pem" "$PKI/ileaf.key"
    RI=$RPORT
    cli() { # CNF PORT
        OPENSSL_CONF=$1 HOSTPIN_DEBUG=$DEBUG timeout 20 redis-cli --tls \
            --cacert "$PKI/bundle.pem" -h 127.0.0.1 -p "$2" PING 2>&1
    }
    hp_is "redis-cli --tls, impostor, without hostpin: reached" PONG "$(cli "$NOPIN" "$RI")"
    : >"$DEBUG"
    out=$(cli "$CNF" "$RI")
    hp_lacks "redis-cli --tls, impostor, with hostpin: refused" "$out" PONG
    hp_debug_has "redis-cli: refused by hostpin" "does not match the pins for"
    hp_is "redis-cli --tls, genuine server, with hostpin: reached" PONG "$(cli "$CNF" "$RG")"
else
    hp_fail "redis-server and redis-cli are not installed (scripts/deps.sh installs them)"
fi
hp_done
