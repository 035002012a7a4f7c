#!/usr/bin/env node
// examples/site in a real browser: Debian's headless Chromium driven by
// playwright-core, against `spindle up --build` of a copy of the example.
//
//   node site_browser_test.mjs --store kv|redis --spindle build/src/cli/spindle \
//     --source . --out build/browser [--cache build/test-cache]
//
// It opens a post, sees the count, clicks like and sees it go up, reloads and
// sees it kept, clicks again and sees it not counted twice, likes as a second
// visitor, and opens a draft page (not in sitemap.xml) and sees the error the
// likes service gives. Screenshots go to <out>/site-<store>*.png. With
// `--store redis` the likes live in a real redis-server on a free loopback
// port and a subscriber on `messages` must receive every like.
//
// Only loopback is used: the browser may reach nothing but the app.
// Exit status 0 when every check passed; the last line says how many did.
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import process from "node:process";

const DEADLINE_MS = 330_000;
const POST = "/posts/hello-spindle/";
const POST_PAGE = "/posts/hello-spindle";
const DRAFT = "/posts/notes-on-redis/";

function parseArgs(argv) {
  const args = { store: "kv", cache: "" };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!["store", "spindle", "source", "out", "cache"].includes(key) || i + 1 >= argv.length) {
      throw new Error(`usage: site_browser_test.mjs --store kv|redis --spindle BIN --source DIR --out DIR [--cache DIR] (bad: ${argv[i]})`);
    }
    args[key] = path.resolve(argv[i + 1]);
    if (key === "store") args.store = argv[i + 1];
  }
  for (const k of ["spindle", "source", "out"]) if (!args[k]) throw new Error(`--${k} is required`);
  if (!["kv", "redis"].includes(args.store)) throw new Error("--store must be kv or redis");
  return args;
}

let passed = 0;
let failed = 0;
function check(ok, what, detail = "") {
  if (ok) {
    passed++;
    console.log(`ok   ${what}`);
  } else {
    failed++;
    console.log(`FAIL ${what}${detail ? ": " + detail : ""}`);
  }
  return ok;
}

const children = [];
function start(cmd, argv, options, logFile) {
  const child = spawn(cmd, argv, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  child.output = "";
  const log = logFile ? fs.createWriteStream(logFile) : null;
  for (const stream of [child.stdout, child.stderr]) {
    stream.on("data", (d) => {
      child.output += d.toString();
      if (log) log.write(d);
    });
  }
  child.on("error", (e) => {
    child.output += `\ncannot start ${cmd}: ${e.message}\n`;
  });
  children.push(child);
  return child;
}

function stopAll() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
  }
}

async function waitFor(what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// A minimal RESP client on one connection: commands as arrays of bulk
// strings, replies parsed as they arrive (enough for PING, GET, SUBSCRIBE).
class Resp {
  constructor(port) {
    this.buf = Buffer.alloc(0);
    this.replies = [];
    this.socket = net.connect(port, "127.0.0.1");
    this.socket.on("data", (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (;;) {
        const r = Resp.parse(this.buf, 0);
        if (!r) break;
        this.replies.push(r.value);
        this.buf = this.buf.subarray(r.end);
      }
    });
    this.socket.on("error", () => {});
    this.ready = new Promise((resolve, reject) => {
      this.socket.once("connect", resolve);
      this.socket.once("error", reject);
    });
  }
  static parse(b, i) {
    const nl = b.indexOf("\r\n", i);
    if (nl < 0) return null;
    const type = String.fromCharCode(b[i]);
    const line = b.toString("utf8", i + 1, nl);
    if (type === "+" || type === "-" || type === ":") return { value: line, end: nl + 2 };
    const n = parseInt(line, 10);
    if (type === "$") {
      if (n < 0) return { value: null, end: nl + 2 };
      if (b.length < nl + 2 + n + 2) return null;
      return { value: b.toString("utf8", nl + 2, nl + 2 + n), end: nl + 2 + n + 2 };
    }
    if (type === "*") {
      const items = [];
      let at = nl + 2;
      for (let k = 0; k < n; k++) {
        const r = Resp.parse(b, at);
        if (!r) return null;
        items.push(r.value);
        at = r.end;
      }
      return { value: items, end: at };
    }
    throw new Error(`unexpected RESP type ${type}`);
  }
  send(...args) {
    let s = `*${args.length}\r\n`;
    for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
    this.socket.write(s);
  }
  async command(...args) {
    const before = this.replies.length;
    this.send(...args);
    await waitFor(`redis reply to ${args[0]}`, () => this.replies.length > before, 5000);
    return this.replies[before];
  }
  close() {
    this.socket.destroy();
  }
}

// The example as `spindle build` sees it in the checkout: examples/site next to
// examples/static-fileserver (whose source the static component compiles).
function copyExample(source, work) {
  fs.rmSync(work, { recursive: true, force: true });
  const skip = new Set(["public", "target", ".spin", ".env", "node_modules"]);
  fs.cpSync(path.join(source, "examples/site"), path.join(work, "examples/site"), {
    recursive: true,
    filter: (src) => !skip.has(path.basename(src)),
  });
  fs.cpSync(
    path.join(source, "examples/static-fileserver/src"),
    path.join(work, "examples/static-fileserver/src"),
    { recursive: true },
  );
  return path.join(work, "examples/site");
}

async function likesApi(url, page) {
  const res = await fetch(`${url}/likes?page=${encodeURIComponent(page)}`);
  return { status: res.status, body: await res.json() };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (e) {
    throw new Error(`playwright-core is not installed (${e.message}); run scripts/setup, ` +
                    "which runs `npm ci --prefix tests/browser`");
  }
  const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
  if (!fs.existsSync(executablePath)) {
    throw new Error(`${executablePath} is missing; run scripts/setup (Debian package chromium)`);
  }
  fs.mkdirSync(args.out, { recursive: true });
  const work = path.join(args.out, `site-${args.store}`);
  const app = copyExample(args.source, work);
  const shot = (name) => path.join(args.out, `site-${args.store}${name}.png`);

  const env = { ...process.env, SPIN_VARIABLE_JWT_SECRET: crypto.randomBytes(32).toString("hex") };
  for (const k of Object.keys(env)) {
    if (k.startsWith("SPIN_VARIABLE_") && k !== "SPIN_VARIABLE_JWT_SECRET") delete env[k];
  }
  if (args.cache) env.XDG_CACHE_HOME = args.cache;
  env.SPINDLE_SDK = path.join(args.source, "sdk/cpp");

  let subscriber = null;
  let redisPort = 0;
  if (args.store === "redis") {
    redisPort = await freePort();
    const redisDir = path.join(work, "redis");
    fs.mkdirSync(redisDir, { recursive: true });
    const redis = start("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1",
      "--save", "", "--appendonly", "no", "--dir", redisDir], {}, path.join(work, "redis.log"));
    await waitFor("redis-server", async () => {
      if (redis.exitCode !== null) throw new Error(`redis-server exited:\n${redis.output}`);
      try {
        const c = new Resp(redisPort);
        await c.ready;
        const pong = await c.command("PING");
        c.close();
        return pong === "PONG";
      } catch (e) {
        return false;
      }
    }, 10_000);
    subscriber = new Resp(redisPort);
    await subscriber.ready;
    const sub = await subscriber.command("SUBSCRIBE", "messages");
    check(Array.isArray(sub) && sub[0] === "subscribe", "a subscriber listens on `messages`");
    env.SPIN_VARIABLE_REDIS_ADDRESS = `redis://127.0.0.1:${redisPort}`;
  }

  console.log(`+ spindle up --build --from ${app} --listen 127.0.0.1:0 (store: ${args.store})`);
  const up = start(args.spindle, ["up", "--build", "--from", app, "--listen", "127.0.0.1:0"],
    { env, cwd: work }, path.join(work, "up.log"));
  const url = await waitFor("`spindle up` to serve", () => {
    if (up.exitCode !== null) throw new Error(`spindle up exited (${up.exitCode}):\n${up.output}`);
    const m = up.output.match(/Serving (http:\/\/127\.0\.0\.1:\d+)/);
    return m && m[1];
  }, 240_000);
  console.log(`serving ${url}`);

  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-proxy-server", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  try {
    const newVisitor = async () => {
      const context = await browser.newContext({ viewport: { width: 960, height: 1000 } });
      // Loopback only: anything but the app is refused.
      await context.route("**/*", (route) =>
        route.request().url().startsWith(url + "/") ? route.continue() : route.abort());
      const page = await context.newPage();
      page.on("pageerror", (e) => check(false, "no JavaScript error", e.message));
      return { context, page };
    };
    const state = (page) => page.locator(".likes").getAttribute("data-state");
    const ready = (page) => page.waitForSelector('.likes[data-state="ready"], .likes[data-state="error"]',
      { timeout: 15_000 });
    const count = async (page) => page.locator(".like-count").getAttribute("data-count");
    const message = async (page) => (await page.locator(".like-message").textContent()).trim();
    const waitCount = async (page, n) => {
      try {
        await page.waitForSelector(`.like-count[data-count="${n}"]`, { timeout: 15_000 });
        return true;
      } catch (e) {
        return false;
      }
    };

    const home = await newVisitor();
    await home.page.goto(url + "/");
    check((await home.page.title()).includes("spindle notes"), "the home page is served");
    check(await home.page.locator(`.post-list a[href="${POST}"]`).count() === 1,
      "the home page links the post");
    check(await home.page.locator(`.post-list a[href="${DRAFT}"]`).count() === 0,
      "the home page does not link the draft");
    await home.page.screenshot({ path: shot("-home"), fullPage: true });
    await home.context.close();

    // Visitor one: see 0, like, see 1, reload, still 1, like again, still 1.
    const one = await newVisitor();
    await one.page.goto(url + POST);
    await ready(one.page);
    check(await state(one.page) === "ready", "the post shows its like count", await message(one.page));
    check(await count(one.page) === "0", "the count starts at 0", await count(one.page));
    check((await one.page.locator(".like-count").textContent()) === "0 likes", "it reads `0 likes`");
    await one.page.click(".like-button");
    check(await waitCount(one.page, 1), "a click makes it 1", await count(one.page));
    check((await message(one.page)).includes("Thanks"), "the page thanks the visitor",
      await message(one.page));
    check((await one.page.locator(".like-count").textContent()) === "1 like", "it reads `1 like`");
    await one.page.reload();
    await ready(one.page);
    check(await waitCount(one.page, 1), "after a reload the count is still 1", await count(one.page));
    check(await one.page.locator(".likes.liked").count() === 1,
      "after a reload the button shows it was liked");
    await one.page.click(".like-button");
    await one.page.waitForFunction(() =>
      document.querySelector(".like-message").textContent.includes("already"), null,
    { timeout: 15_000 }).catch(() => {});
    check((await message(one.page)).includes("already liked"),
      "a second click is refused and says so", await message(one.page));
    check(await count(one.page) === "1", "a second click does not count twice",
      await count(one.page));
    await one.page.screenshot({ path: shot(""), fullPage: true });
    const api = await likesApi(url, POST_PAGE);
    check(api.status === 200 && api.body.likes === 1 && api.body.page === POST_PAGE,
      "GET /likes agrees: 1", JSON.stringify(api));

    // Visitor two (a fresh browser profile, so a new token): 2.
    const two = await newVisitor();
    await two.page.goto(url + POST);
    await ready(two.page);
    check(await count(two.page) === "1", "a second visitor sees 1", await count(two.page));
    await two.page.click(".like-button");
    check(await waitCount(two.page, 2), "the second visitor's like makes it 2",
      await count(two.page));
    await two.context.close();
    await one.page.reload();
    await ready(one.page);
    check(await waitCount(one.page, 2), "the first visitor sees 2 after a reload",
      await count(one.page));

    // A draft page is not in sitemap.xml: the service refuses it, the page says why.
    await one.page.goto(url + DRAFT);
    await ready(one.page);
    check(await state(one.page) === "error", "the draft page shows an error");
    const draftMessage = await message(one.page);
    check(draftMessage.includes("not in the site's sitemap.xml"),
      "the error says the page is not in the sitemap", draftMessage);
    check(await one.page.locator(".like-button").isDisabled(), "its like button is disabled");
    await one.page.screenshot({ path: shot("-draft"), fullPage: true });
    await one.context.close();
  } finally {
    await browser.close();
  }

  if (args.store === "redis") {
    const events = () => subscriber.replies
      .filter((r) => Array.isArray(r) && r[0] === "message" && r[1] === "messages")
      .map((r) => JSON.parse(r[2]));
    await waitFor("two like events on `messages`", () => events().length >= 2, 5000).catch(() => {});
    const got = events();
    check(got.length === 2, "the subscriber got one event per like (2)", JSON.stringify(got));
    check(got.every((e) => e.page === POST_PAGE), "each event names the page", JSON.stringify(got));
    check(got.map((e) => e.likes).join(",") === "1,2", "the events carry the counts 1 then 2",
      JSON.stringify(got));
    check(got.length === 2 && got[0].visitor !== got[1].visitor && /^[0-9a-f]{32}$/.test(got[0].visitor),
      "the events name two different visitors", JSON.stringify(got));
    subscriber.close();
    const c = new Resp(redisPort);
    await c.ready;
    check(await c.command("GET", `likes:${POST_PAGE}`) === "2", "Redis holds the count 2");
    check(await c.command("SCARD", `likers:${POST_PAGE}`) === "2", "Redis holds the two likers");
    c.close();
  } else {
    check(fs.existsSync(path.join(app, ".spin/sqlite_key_value.db")),
      "the likes are in the embedded key-value store (.spin/sqlite_key_value.db)");
  }
  console.log(`screenshots: ${shot("")}, ${shot("-draft")}, ${shot("-home")}`);
}

const timer = setTimeout(() => {
  console.log(`FAIL the test took longer than ${DEADLINE_MS / 1000} s`);
  stopAll();
  process.exit(1);
}, DEADLINE_MS);

try {
  await main();
} catch (e) {
  check(false, "the test ran to the end", e.stack || String(e));
} finally {
  clearTimeout(timer);
  stopAll();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
