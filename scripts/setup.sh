# Sourced by scripts/run and scripts/test: installs whatever this machine lacks, idempotently,
# so both commands work on a fresh Debian machine that has Rust and Node.
#   ensure_build_tools   wasm32 target, wasm-bindgen-cli, npm packages (wasm-opt, lightningcss, esbuild)
#   ensure_chromium      Debian's chromium for Playwright (installed when running as root)
#   ensure_postgres      a PostgreSQL server for the tests: the machine's own on 127.0.0.1:5432,
#                        else a throwaway cluster (Debian's postgresql, initdb + pg_ctl)
#   build_site           release build of server + WASM, then precompressed assets

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

# The wasm-bindgen CLI must match the library version in Cargo.lock exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_build_tools() {
  export PATH="$HOME/.cargo/bin:$PATH"
  command -v cargo >/dev/null || { echo "Rust is required: https://rustup.rs" >&2; exit 1; }
  command -v npm >/dev/null || { echo "Node.js and npm are required (apt-get install nodejs npm)" >&2; exit 1; }

  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  local wbg
  wbg="$(wasm_bindgen_version)"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
    log "installing wasm-bindgen-cli $wbg (must match Cargo.lock)"
    # Not --locked: the CLI's own lock file pins crates that no longer build here.
    cargo install wasm-bindgen-cli --version "$wbg"
  fi
  if [ ! -x "$ROOT/end2end/node_modules/.bin/wasm-opt" ] || [ ! -x "$ROOT/end2end/node_modules/.bin/lightningcss" ] \
     || [ ! -x "$ROOT/end2end/node_modules/.bin/esbuild" ] || [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] \
     || [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
    log "installing npm packages in end2end/"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund)
  fi
  # binaryen 132's wasm-opt first on PATH: Debian's older wasm-opt emits WASM that never hydrates.
  export PATH="$ROOT/end2end/node_modules/.bin:$PATH"
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian's chromium for the browser tests"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: run 'sudo apt-get install chromium' (the tests drive /usr/bin/chromium)" >&2
    exit 1
  fi
}

# Exports TEST_POSTGRES_URL, the server the integration tests create their databases on.
# PostgreSQL tests never skip: if no server answers and none can be started, this fails.
ensure_postgres() {
  # The fault tests start clusters of their own (and crash them), so the programs are needed
  # even when a server already answers.
  ensure_postgres_programs
  if [ -n "${TEST_POSTGRES_URL:-}" ]; then return; fi
  if pg_ready 127.0.0.1 5432; then
    export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/test"
    if psql "$TEST_POSTGRES_URL" -Atc 'select 1' >/dev/null 2>&1; then return; fi
    # The server answers but has no "test" database: use the always-present "postgres".
    export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/postgres"
    return
  fi
  local bin="$TEST_POSTGRES_BIN"
  local port=55432 dir
  dir="$(mktemp -d /tmp/sharecare-pg.XXXXXX)"
  log "starting a throwaway PostgreSQL cluster in $dir on port $port"
  # initdb refuses to run as root; Debian's package makes a "postgres" user for this.
  local as=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null
  SHARECARE_PG_DIR="$dir"
  SHARECARE_PG_AS="${as[*]}"
  trap 'stop_throwaway_postgres' EXIT
  export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

# Exports TEST_POSTGRES_BIN, the folder of Debian's PostgreSQL programs (initdb, pg_ctl),
# installing the package when missing and run as root.
ensure_postgres_programs() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    if [ "$(id -u)" = 0 ]; then
      log "installing Debian's postgresql for the database tests"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    else
      echo "PostgreSQL is needed for the tests: run 'sudo apt-get install postgresql'" >&2
      exit 1
    fi
  fi
  export TEST_POSTGRES_BIN="$bin"
}

stop_throwaway_postgres() {
  [ -n "${SHARECARE_PG_DIR:-}" ] || return 0
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  # shellcheck disable=SC2086
  $SHARECARE_PG_AS "$bin/pg_ctl" -D "$SHARECARE_PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$SHARECARE_PG_DIR"
}

# Whether a PostgreSQL server accepts connections (pg_isready if present, else bash's /dev/tcp).
pg_ready() {
  if command -v pg_isready >/dev/null; then
    pg_isready -q -h "$1" -p "$2"
  else
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
  fi
}

# The release site, built with plain cargo and three small tools rather than cargo-leptos (whose
# own compile took 18 of a first run's 33 minutes): the same layout cargo-leptos writes, so
# `cargo leptos watch` stays a contributor's dev loop.
#   target/release/sharecare            the server
#   target/release/hash.txt             `js|wasm|css: <hash>`, read by Leptos and src/server/assets.rs
#   target/site/pkg/sharecare.<hash>.*  the browser bundle (wasm-bindgen, wasm-opt, esbuild,
#                                       lightningcss), named by content so it is cached for a year
#   target/site/...                     public/ copied, every text file precompressed (.br, .gz)
build_site() {
  local site="$ROOT/target/site" wasm_dir="$TARGET_DIR/wasm32-unknown-unknown/wasm-release"
  local work
  work="$(mktemp -d)"
  log "building the release server"
  (cd "$ROOT" && cargo build --release --bin sharecare)
  log "building the browser bundle (WASM)"
  (cd "$ROOT" && cargo build -p sharecare-browser --profile wasm-release --target wasm32-unknown-unknown)
  wasm-bindgen --target web --no-typescript --out-name sharecare --out-dir "$work" "$wasm_dir/sharecare_browser.wasm"
  # The features rustc's wasm32 target emits; binaryen 132 (npm) rather than Debian's 108, whose
  # output never hydrates.
  wasm-opt -Oz --enable-reference-types --enable-bulk-memory --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-multivalue \
    "$work/sharecare_bg.wasm" -o "$work/sharecare.wasm"
  esbuild "$work/sharecare.js" --minify --format=esm --log-level=warning --outfile="$work/sharecare.min.js"
  lightningcss --minify --targets defaults "$ROOT/style/main.css" -o "$work/sharecare.css"

  rm -rf "$site"
  mkdir -p "$site/pkg"
  cp -R "$ROOT/public/." "$site/"
  local hashes="" kind file hash
  for kind in js wasm css; do
    file="$work/sharecare.$kind"
    [ "$kind" = js ] && file="$work/sharecare.min.js"
    hash="$(sha256sum "$file" | cut -c1-20)"
    cp "$file" "$site/pkg/sharecare.$hash.$kind"
    hashes+="$kind: $hash"$'\n'
  done
  printf '%s' "$hashes" > "$TARGET_DIR/release/hash.txt"
  rm -rf "$work"
  node "$ROOT/scripts/precompress.mjs" "$site"
}

# Runs the release server with the built site. Extra environment passes through.
release_binary() { echo "$TARGET_DIR/release/sharecare"; }
