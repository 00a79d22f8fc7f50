// The benchmark's measuring half (scripts/benchmark builds and installs, then runs this).
//   node scripts/benchmark.mjs [--seconds N] [--story SLUG] [--no-lighthouse]
// Environment: SHARECARE_BIN, BENCH_DONATIONS_BIN, LIGHTHOUSE_BIN, BENCH_POSTGRES_URL (optional).
// Writes bench-report.json in the repository's root and prints a table.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
};
const seconds = Number(option("--seconds", 10));
const story = option("--story", "lele");
const lighthouseWanted = !args.includes("--no-lighthouse");
const connections = 64;
const sitePort = 3300;
const staticPort = 3301;
const pages = [
  ["home", "/en"],
  ["story", `/en/stories/${story}`],
];
// 10 TCP segments of 1,460 bytes: what a new connection may send before its first ACK.
const FIRST_ROUND_TRIP_BYTES = 14_600;
const TARGETS = { ratio: 0.5, p99_ms: 10, first_load_bytes: 60_000, peak_rss_kb: 64 * 1024, submits_per_s: 1000, lcp_ms: 1200 };

const work = mkdtempSync(join(tmpdir(), "sharecare-bench-"));
// nginx's worker may run as another user (nobody, when started by root): it must read the bytes.
chmodSync(work, 0o755);
const children = [];
const stopAll = () => {
  for (const child of children) child.kill("SIGTERM");
};
process.on("exit", () => {
  stopAll();
  rmSync(work, { recursive: true, force: true });
});
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

const log = (text) => process.stderr.write(`\x1b[1;34m==>\x1b[0m ${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET without decoding: the bytes as they travel. */
function rawGet(port, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path, headers, agent: false }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on("error", reject);
  });
}

async function waitFor(port, path) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await rawGet(port, path)).status === 200) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`nothing answered on port ${port}`);
}

function kilobytes(pid, field) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))[1]);
}

const which = (program) => {
  for (const dir of (process.env.PATH || "").split(":").concat(["/usr/sbin", "/usr/local/sbin"])) {
    if (existsSync(join(dir, program))) return join(dir, program);
  }
  return null;
};

// --- the site, on a fresh database -------------------------------------------------------
log("starting the site on a fresh SQLite database");
const server = spawn(process.env.SHARECARE_BIN, [], {
  env: {
    ...process.env,
    LEPTOS_SITE_ADDR: `127.0.0.1:${sitePort}`,
    LEPTOS_SITE_ROOT: join(root, "target/site"),
    CONTENT_DIR: join(root, "content"),
    DATABASE_URL: `sqlite://${work}/site.db?mode=rwc`,
    // A backup in the middle would be measured with the pages.
    BACKUP_EVERY_SECONDS: "0",
    RUST_LOG: "warn",
  },
  stdio: ["ignore", "ignore", "inherit"],
});
children.push(server);
await waitFor(sitePort, "/healthz");
for (const [, path] of pages) await rawGet(sitePort, path, { "accept-encoding": "br" });
await sleep(500);
const idleRssKb = kilobytes(server.pid, "VmRSS");

// --- the same bytes from nginx (or, without nginx, a tiny static server) -------------------
const variants = {};
for (const [name, path] of pages) {
  const response = await rawGet(sitePort, path, { "accept-encoding": "br" });
  if (response.status !== 200 || response.headers["content-encoding"] !== "br") {
    throw new Error(`${path}: expected brotli 200, got ${response.status}`);
  }
  writeFileSync(join(work, `${name}.br`), response.body);
  variants[path] = { file: join(work, `${name}.br`), bytes: response.body.length, html: response.body };
}
let staticServer;
const nginx = which("nginx");
if (nginx) {
  mkdirSync(join(work, "nginx"), { recursive: true });
  const locations = pages
    .map(([name, path]) => `location = ${path} { alias ${join(work, `${name}.br`)}; default_type "text/html; charset=utf-8"; add_header Content-Encoding br; add_header Vary Accept-Encoding; }`)
    .join("\n    ");
  writeFileSync(
    join(work, "nginx.conf"),
    `worker_processes 1;
daemon off;
pid ${work}/nginx/nginx.pid;
error_log ${work}/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${work}/nginx/body;
  proxy_temp_path ${work}/nginx/proxy;
  fastcgi_temp_path ${work}/nginx/fastcgi;
  uwsgi_temp_path ${work}/nginx/uwsgi;
  scgi_temp_path ${work}/nginx/scgi;
  server {
    listen 127.0.0.1:${staticPort};
    ${locations}
  }
}
`,
  );
  log("serving the same bytes from nginx (1 worker)");
  staticServer = { name: "nginx 1 worker", process: spawn(nginx, ["-c", join(work, "nginx.conf"), "-p", join(work, "nginx")], { stdio: "ignore" }) };
} else {
  log("nginx is missing: serving the same bytes from a small Node static server instead");
  const script = `
    const http = require("http"); const fs = require("fs");
    const files = ${JSON.stringify(Object.fromEntries(pages.map(([name, path]) => [path, join(work, `${name}.br`)])))};
    const bodies = Object.fromEntries(Object.entries(files).map(([p, f]) => [p, fs.readFileSync(f)]));
    http.createServer((q, s) => { const b = bodies[q.url]; if (!b) { s.writeHead(404); return s.end(); }
      s.writeHead(200, {"content-type": "text/html; charset=utf-8", "content-encoding": "br", "vary": "Accept-Encoding"}); s.end(b); })
      .listen(${staticPort}, "127.0.0.1");`;
  staticServer = { name: "node http (nginx missing)", process: spawn(process.execPath, ["-e", script], { stdio: "ignore" }) };
}
children.push(staticServer.process);
await waitFor(staticPort, pages[0][1]);

// --- page throughput -------------------------------------------------------------------------
const wrk = which("wrk");
function toMs(text) {
  const [, value, unit] = text.match(/([\d.]+)(us|ms|s|m)/);
  return Number(value) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit];
}
function load(port, path) {
  const url = `http://127.0.0.1:${port}${path}`;
  if (wrk) {
    const run = spawnSync(wrk, ["-t2", `-c${connections}`, `-d${seconds}s`, "--latency", "-H", "Accept-Encoding: br", url], { encoding: "utf8" });
    const out = run.stdout;
    if (run.status !== 0 || !/Requests\/sec/.test(out)) throw new Error(`wrk failed on ${url}: ${run.stderr || out}`);
    const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
    return {
      tool: `wrk -t2 -c${connections} -d${seconds}s`,
      requests_per_s: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1])),
      p50_ms: toMs(/\s50%\s+(\S+)/.exec(out)[1]),
      p99_ms: toMs(/\s99%\s+(\S+)/.exec(out)[1]),
      non_2xx: errors ? Number(errors[1]) : 0,
    };
  }
  const run = spawnSync(process.env.BENCH_DONATIONS_BIN, ["--url", url, "--requests", String(seconds * 3000), "--concurrency", String(connections)], { encoding: "utf8" });
  const out = run.stdout;
  return {
    tool: "bench_donations --url (wrk missing)",
    requests_per_s: Number(/throughput\s+(\d+)/.exec(out)[1]),
    p50_ms: Number(/latency p50\s+([\d.]+)/.exec(out)[1]),
    p99_ms: Number(/latency p99\s+([\d.]+)/.exec(out)[1]),
    non_2xx: Number(/pages served\s+\d+ \((\d+) failed\)/.exec(out)?.[1] ?? 0),
  };
}
const throughput = {};
for (const [name, path] of pages) {
  log(`reading ${path}: the site, then ${staticServer.name}, ${seconds} s each, ${connections} connections`);
  const site = load(sitePort, path);
  const reference = load(staticPort, path);
  throughput[name] = {
    path,
    brotli_bytes: variants[path].bytes,
    site,
    reference: { server: staticServer.name, ...reference },
    ratio: Number((site.requests_per_s / reference.requests_per_s).toFixed(3)),
  };
}

// --- the first load's bytes --------------------------------------------------------------------
const firstLoad = {};
for (const [name, path] of pages) {
  const html = (await rawGet(sitePort, path)).body.toString("utf8");
  // The stylesheet is linked in the head; the JS and WASM are what the island script loads
  // (named in its call: "sharecare.<hash>").
  const bundle = /"(sharecare\.[0-9a-f]+)", "(sharecare\.[0-9a-f]+)"/.exec(html);
  const files = {
    css: /<link rel="stylesheet" href="([^"]+\.css)"/.exec(html)?.[1],
    js: bundle && `/pkg/${bundle[1]}.js`,
    wasm: bundle && `/pkg/${bundle[2]}.wasm`,
  };
  const sizes = { html: variants[path].bytes };
  for (const [kind, file] of Object.entries(files)) {
    sizes[kind] = file ? (await rawGet(sitePort, file, { "accept-encoding": "br" })).body.length : 0;
  }
  const total = sizes.html + sizes.css + sizes.js + sizes.wasm;
  firstLoad[name] = {
    path,
    brotli_bytes: sizes,
    total_brotli_bytes: total,
    html_and_css_brotli_bytes: sizes.html + sizes.css,
    html_and_css_in_first_round_trip: sizes.html + sizes.css <= FIRST_ROUND_TRIP_BYTES,
  };
}

// --- donation submits ---------------------------------------------------------------------------
function submits(database) {
  const extra = database ? ["--database", database] : [];
  log(`donation submits on ${database ? "PostgreSQL" : "SQLite"} (20,000, 32 clients)`);
  const run = spawnSync(process.env.BENCH_DONATIONS_BIN, ["--requests", "20000", "--concurrency", "32", ...extra], {
    encoding: "utf8",
    env: { ...process.env, RUST_LOG: "warn" },
  });
  const out = run.stdout;
  const rows = /rows stored\s+(\d+) \(lost (\d+), extra (\d+)\)/.exec(out);
  return {
    database: database ? "PostgreSQL" : "SQLite",
    ok: run.status === 0,
    submits_per_s: Number(/throughput\s+(\d+)/.exec(out)?.[1] ?? 0),
    p50_ms: Number(/latency p50\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p99_ms: Number(/latency p99\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    accepted: Number(/submits accepted\s+(\d+)/.exec(out)?.[1] ?? 0),
    rows_stored: rows ? Number(rows[1]) : null,
    lost: rows ? Number(rows[2]) : null,
    extra: rows ? Number(rows[3]) : null,
    peak_rss_kb_with_client: Number(/peak RSS\s+(\d+)/.exec(out)?.[1] ?? 0),
  };
}
const donations = [submits(null)];
if (process.env.BENCH_POSTGRES_URL) donations.push(submits(process.env.BENCH_POSTGRES_URL));

// --- Lighthouse ------------------------------------------------------------------------------------
const lighthouse = [];
if (lighthouseWanted && process.env.LIGHTHOUSE_BIN && existsSync(process.env.LIGHTHOUSE_BIN)) {
  const flags = "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync";
  for (const [name, path] of pages) {
    for (const formFactor of ["mobile", "desktop"]) {
      log(`Lighthouse 12.8.2, ${formFactor}, ${path}`);
      const output = join(work, `lh-${name}-${formFactor}.json`);
      const run = spawnSync(
        process.env.LIGHTHOUSE_BIN,
        [`http://127.0.0.1:${sitePort}${path}`, "--quiet", "--output=json", `--output-path=${output}`, "--chrome-path=/usr/bin/chromium", `--chrome-flags=${flags}`, ...(formFactor === "desktop" ? ["--preset=desktop"] : [])],
        { encoding: "utf8", env: { ...process.env, CHROME_PATH: "/usr/bin/chromium" } },
      );
      if (run.status !== 0 || !existsSync(output)) {
        lighthouse.push({ page: name, path, form_factor: formFactor, error: (run.stderr || "").split("\n").slice(-3).join(" ") });
        continue;
      }
      const report = JSON.parse(readFileSync(output, "utf8"));
      const score = (id) => Math.round((report.categories[id]?.score ?? 0) * 100);
      const audit = (id) => report.audits[id]?.numericValue;
      lighthouse.push({
        page: name,
        path,
        form_factor: formFactor,
        performance: score("performance"),
        accessibility: score("accessibility"),
        best_practices: score("best-practices"),
        seo: score("seo"),
        lcp_ms: Math.round(audit("largest-contentful-paint")),
        cls: Number((audit("cumulative-layout-shift") ?? NaN).toFixed(3)),
        tbt_ms: Math.round(audit("total-blocking-time")),
      });
    }
  }
}

const peakRssKb = kilobytes(server.pid, "VmHWM");
stopAll();

// --- the report -------------------------------------------------------------------------------------
const report = {
  measured_at: new Date().toISOString(),
  machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  targets: TARGETS,
  pages: throughput,
  first_load: firstLoad,
  donations,
  server_rss_kb: { idle: idleRssKb, peak: peakRssKb },
  lighthouse,
};
writeFileSync(join(root, "bench-report.json"), JSON.stringify(report, null, 2) + "\n");

const rows = [];
const mark = (ok) => (ok ? "yes" : "NO");
for (const [name, t] of Object.entries(throughput)) {
  rows.push([`${t.path} req/s (site / ${t.reference.server})`, `${t.site.requests_per_s} / ${t.reference.requests_per_s}`, `ratio ${t.ratio}`, `>= ${TARGETS.ratio}: ${mark(t.ratio >= TARGETS.ratio)}`]);
  rows.push([`${t.path} latency p50 / p99 (site)`, `${t.site.p50_ms.toFixed(2)} / ${t.site.p99_ms.toFixed(2)} ms`, `nginx p99 ${t.reference.p99_ms.toFixed(2)} ms`, `p99 < ${TARGETS.p99_ms} ms: ${mark(t.site.p99_ms < TARGETS.p99_ms)}`]);
  const f = firstLoad[name];
  rows.push([`${f.path} first load, brotli`, `${f.total_brotli_bytes} B`, `html ${f.brotli_bytes.html} css ${f.brotli_bytes.css} js ${f.brotli_bytes.js} wasm ${f.brotli_bytes.wasm}`, `<= ${TARGETS.first_load_bytes}: ${mark(f.total_brotli_bytes <= TARGETS.first_load_bytes)}`]);
  rows.push([`${f.path} HTML + CSS, brotli`, `${f.html_and_css_brotli_bytes} B`, `first round trip ${FIRST_ROUND_TRIP_BYTES} B`, `fits: ${mark(f.html_and_css_in_first_round_trip)}`]);
}
for (const d of donations) {
  rows.push([`submits/s, ${d.database}`, `${d.submits_per_s}`, `p99 ${d.p99_ms} ms; rows ${d.rows_stored} of ${d.accepted} (lost ${d.lost}, extra ${d.extra})`, `>= ${TARGETS.submits_per_s}, 0 lost: ${mark(d.ok && d.submits_per_s >= TARGETS.submits_per_s && d.lost === 0)}`]);
}
rows.push(["server RSS idle / peak", `${(idleRssKb / 1024).toFixed(1)} / ${(peakRssKb / 1024).toFixed(1)} MB`, "", `peak <= 64 MB: ${mark(peakRssKb <= TARGETS.peak_rss_kb)}`]);
for (const l of lighthouse) {
  if (l.error) {
    rows.push([`Lighthouse ${l.form_factor} ${l.path}`, "failed", l.error.slice(0, 60), ""]);
    continue;
  }
  const all100 = [l.performance, l.accessibility, l.best_practices, l.seo].every((s) => s === 100);
  rows.push([`Lighthouse ${l.form_factor} ${l.path} (perf/a11y/BP/SEO)`, `${l.performance}/${l.accessibility}/${l.best_practices}/${l.seo}`, `LCP ${l.lcp_ms} ms CLS ${l.cls} TBT ${l.tbt_ms} ms`, l.form_factor === "mobile" ? `all 100, LCP <= ${TARGETS.lcp_ms}, CLS 0: ${mark(all100 && l.lcp_ms <= TARGETS.lcp_ms && l.cls === 0)}` : ""]);
}
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
console.log(`\nsharecare benchmark, ${report.measured_at} (${cpus().length} cores); bench-report.json written\n`);
for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("  "));
