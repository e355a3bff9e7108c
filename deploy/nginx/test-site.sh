#!/usr/bin/env bash
# Try kindred.conf against a running gunicorn without touching /etc/nginx: a throwaway prefix,
# high ports, a self-signed certificate. Checks the micro-cache, static and media headers.
#
#   deploy/nginx/test-site.sh [gunicorn host:port] [collected static folder]
#
# The site must have at least one published article (manage.py load_demo).
set -euo pipefail

upstream=${1:-127.0.0.1:8000}
static=$(realpath "${2:-staticfiles}")
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d)
http_port=18080
https_port=18443
trap '[ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")"; rm -rf "$work"' EXIT

chmod 755 "$work"  # nginx workers may run as another user
mkdir -p "$work/tls" "$work/media" "$work/logs"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -keyout "$work/tls/privkey.pem" -out "$work/tls/fullchain.pem" 2>/dev/null
# Tiny valid PNG, plus a file that must never render as a page.
printf '\x89PNG\r\n\x1a\n' > "$work/media/pixel.png"
echo '<script>alert(1)</script>' > "$work/media/evil.html"
# A waiting post's picture: never served by nginx, whatever the path looks like.
mkdir -p "$work/media/private/comments"
printf '\x89PNG\r\n\x1a\n' > "$work/media/private/comments/waiting.png"

sed -e "s|127.0.0.1:8000|$upstream|" \
    -e "s|listen 80;|listen $http_port;|; s|listen 443 |listen $https_port |" \
    -e '/listen \[::\]/d' \
    -e "s|/etc/kindred/tls|$work/tls|" \
    -e "s|/var/cache/nginx-kindred|$work/cache|" \
    -e "s|/srv/kindred/app/staticfiles/|$static/|" \
    -e "s|/srv/kindred/media/|$work/media/|" \
    -e "s|/var/log/nginx/|$work/logs/|" \
    "$here/kindred.conf" > "$work/site.conf"

cat > "$work/nginx.conf" <<EOF
pid $work/nginx.pid;
error_log $work/logs/error.log;
events {}
http {
    include /etc/nginx/mime.types;
    access_log $work/logs/access.log;
    client_body_temp_path $work/body;
    proxy_temp_path $work/proxy;
    include $work/site.conf;
}
EOF

nginx -t -q -p "$work" -c "$work/nginx.conf"
nginx -p "$work" -c "$work/nginx.conf"
sleep 0.5

base="https://localhost:$https_port"
fails=0
header() {  # header NAME URL [curl args...]: the value of one response header
    local name=$1 url=$2
    shift 2
    curl -sk -o /dev/null -D - "$@" "$url" | tr -d '\r' | grep -i "^$name:" | head -1 | cut -d' ' -f2-
}
expect() {  # expect WHAT GOT WANTED
    if [ "$2" = "$3" ]; then echo "ok   $1: $2"; else echo "FAIL $1: got '$2', wanted '$3'"; fails=$((fails + 1)); fi
}

article=$(curl -sk "$base/" | grep -o 'href="/articles/[^"/]*/"' | head -1 | cut -d'"' -f2)
[ -n "$article" ] || { echo "FAIL no article link on the home page"; exit 1; }
other=$(curl -sk "$base/" | grep -o 'href="/articles/[^"/]*/"' | sort -u | sed -n 2p | cut -d'"' -f2)

expect "http redirects to https" "$(curl -s -o /dev/null -w '%{http_code}' "http://localhost:$http_port$article")" 301
expect "healthz" "$(curl -sk -o /dev/null -w '%{http_code}' "$base/healthz")" 200
expect "first anonymous GET" "$(header X-Cache-Status "$base$article")" MISS
expect "second anonymous GET" "$(header X-Cache-Status "$base$article")" HIT
expect "anonymous with only a CSRF cookie" "$(header X-Cache-Status "$base$article" -H 'Cookie: csrftoken=abc')" HIT
expect "with the language cookie, a copy of its own" "$(header X-Cache-Status "$base$article" -H 'Cookie: language=es')" MISS
expect "...shared by that language" "$(header X-Cache-Status "$base$article" -H 'Cookie: csrftoken=abc; language=es')" HIT
expect "...in that language" "$(header Content-Language "$base$article" -H 'Cookie: language=es')" es
expect "another Accept-Language, a copy of its own" "$(header Content-Language "$base$article" -H 'Accept-Language: es')" es
expect "with a session cookie" "$(header X-Cache-Status "$base$article" -H 'Cookie: csrftoken=abc; sessionid=xyz')" BYPASS
expect "session request on a fresh page" "$(header X-Cache-Status "$base$other" -H 'Cookie: sessionid=xyz')" BYPASS
expect "...was not stored" "$(header X-Cache-Status "$base$other")" MISS
expect "...and is shared from then on" "$(header X-Cache-Status "$base$other")" HIT
header X-Cache-Status "$base/csrf/" > /dev/null
expect "private page never cached" "$(header X-Cache-Status "$base/csrf/")" MISS

css=$(curl -sk "$base$article" | grep -o '/static/[^"]*\.[0-9a-f]\{12\}\.css' | head -1)
expect "hashed static file" "$(header Cache-Control "$base$css")" "public, max-age=31536000, immutable"
expect "static gzip" "$(header Content-Encoding "$base$css" -H 'Accept-Encoding: gzip')" gzip
expect "media picture inline" "$(header Content-Disposition "$base/media/pixel.png")" ""
expect "media picture type" "$(header Content-Type "$base/media/pixel.png")" image/png
expect "media nosniff" "$(header X-Content-Type-Options "$base/media/evil.html")" nosniff
expect "media sandbox" "$(header Content-Security-Policy "$base/media/evil.html")" "default-src 'none'; img-src 'self'; sandbox"
expect "media other files download" "$(header Content-Disposition "$base/media/evil.html")" attachment
expect "media other files type" "$(header Content-Type "$base/media/evil.html")" application/octet-stream
expect "media revalidated" "$(header Cache-Control "$base/media/pixel.png")" "public, no-cache"
expect "private picture refused" "$(curl -sk -o /dev/null -w '%{http_code}' "$base/media/private/comments/waiting.png")" 404
expect "...also by a detour" "$(curl -sk -o /dev/null -w '%{http_code}' --path-as-is "$base/media/x/../private/comments/waiting.png")" 404

curl -sk -o /dev/null "$base/unsubscribe/SeCrEtKeY0123456789/your-data/" \
    -H "Referer: $base/subscribe/confirm/SeCrEtToKeN0123456789/"
curl -sk -o /dev/null --path-as-is "$base//UNSUBSCRIBE/SeCrEtKeY0123456789/"
expect "access log names secrets" "$(grep -c 'SeCrEt' "$work/logs/kindred.access.log" || true)" 0
expect "...and still logs the requests" "$(grep -c 'unsubscribe/\[secret\]/your-data/' "$work/logs/kindred.access.log")" 1

head -c 12000000 /dev/zero > "$work/big"
expect "upload over the cap" "$(curl -sk -o /dev/null -w '%{http_code}' -F "image=@$work/big" "$base$article"comments/)" 413

echo "$fails failed"
exit $((fails > 0))
