#!/usr/bin/env node
// node componentize.mjs CORE.wasm -o OUT.wasm [--wit WORLD.wit|DIR] [--world NAME]
//                       [--node-modules DIR] [--if-available]
//
// Turns a clang-19 wasm32-wasi reactor (-mexec-model=reactor) into a
// WebAssembly component:
//   1. stages WORLD.wit (default: the SDK's wit/world.wit, what a module built
//      with -DSPINDLE_WASI_HTTP needs) in a temporary folder, with jco's copy
//      of the WASI 0.2.12 WIT (@bytecodealliance/jco/lib/wit/builtin/0.2.12)
//      as deps/; --wit DIR stages DIR's *.wit files and its deps/ folders
//      (other packages the world uses) beside WASI's;
//   2. embeds the world NAME (default: http-component) into the module
//      (jco-transpile's componentEmbed, i.e. `wasm-tools component embed`);
//   3. wraps it with jco's WASI preview 1 reactor adapter (componentNew, as
//      `jco new --wasi-reactor` does) and writes OUT.wasm.
// The npm packages come from DIR (default: node_modules beside this SDK,
// installed by scripts/setup, or `npm ci` in sdk/cpp; pinned by its
// package-lock.json). When they are missing it says how to get them and
// exits 1, or, with --if-available, removes OUT.wasm and exits 0 (a build
// that goes on without the component).
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const sdk = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const usage = 'usage: node componentize.mjs CORE.wasm -o OUT.wasm [--wit WORLD.wit|DIR] [--world NAME] ' +
  '[--node-modules DIR] [--if-available]';
const opts = { wit: join(sdk, 'wit/world.wit'), world: 'http-component', modules: join(sdk, 'node_modules') };
let core, out, ifAvailable = false;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; ++i) {
  const a = args[i];
  const value = () => {
    if (i + 1 >= args.length) fail(`${a} needs a value\n${usage}`);
    return args[++i];
  };
  if (a === '-o' || a === '--out') out = resolve(value());
  else if (a === '--wit') opts.wit = resolve(value());
  else if (a === '--world') opts.world = value();
  else if (a === '--node-modules') opts.modules = resolve(value());
  else if (a === '--if-available') ifAvailable = true;
  else if (a === '-h' || a === '--help') { console.log(usage); process.exit(0); }
  else if (a.startsWith('-') || core) fail(`unexpected argument \`${a}\`\n${usage}`);
  else core = resolve(a);
}
if (!core || !out) fail(usage);

function fail(message) {
  console.error(`componentize: ${message}`);
  process.exit(1);
}

const transpile = join(opts.modules, '@bytecodealliance/jco-transpile');
const jco = join(opts.modules, '@bytecodealliance/jco');
const wasiWit = join(jco, 'lib/wit/builtin/0.2.12');
const adapter = join(jco, 'lib/wasi_snapshot_preview1.reactor.wasm');
// preview2-shim as jco-transpile resolves it (its own copy, else a hoisted one).
const shim = [join(transpile, 'node_modules/@bytecodealliance/preview2-shim'),
  join(opts.modules, '@bytecodealliance/preview2-shim')].find((p) => existsSync(p));
if (!existsSync(join(transpile, 'dist/wasm-tools.js')) || !existsSync(wasiWit) || !existsSync(adapter) || !shim) {
  const how = `the npm packages @bytecodealliance/jco and @bytecodealliance/jco-transpile are missing in ${opts.modules} ` +
    `(run spindle's scripts/setup, or \`npm ci\` in ${sdk})`;
  if (ifAvailable) {
    console.log(`componentize: ${out} not built: ${how}`);
    rmSync(out, { force: true });
    process.exit(0);
  }
  fail(how);
}
if (!existsSync(core)) fail(`no such file: ${core}`);
if (!existsSync(opts.wit)) fail(`no such file or folder: ${opts.wit}`);

const stage = mkdtempSync(join(tmpdir(), 'spindle-componentize-'));
try {
  mkdirSync(join(stage, 'deps'));
  for (const pkg of readdirSync(wasiWit)) {  // wasi-http, wasi-io, wasi-clocks, ...
    if (!existsSync(join(wasiWit, pkg, 'package.wit'))) continue;
    mkdirSync(join(stage, 'deps', pkg));
    copyFileSync(join(wasiWit, pkg, 'package.wit'), join(stage, 'deps', pkg, 'package.wit'));
  }
  if (statSync(opts.wit).isDirectory()) {
    for (const f of readdirSync(opts.wit)) if (f.endsWith('.wit')) copyFileSync(join(opts.wit, f), join(stage, f));
    const deps = join(opts.wit, 'deps');
    if (existsSync(deps)) cpSync(deps, join(stage, 'deps'), { recursive: true });
  } else {
    copyFileSync(opts.wit, join(stage, 'world.wit'));
  }
  // componentEmbed runs wasm-tools as a component on preview2-shim, whose
  // filesystem has no preopens until it is given some.
  const fs = await import(join(shim, 'dist/nodejs/filesystem.js'));
  fs._setPreopens({ '/': '/' });
  const tools = await import(join(transpile, 'dist/wasm-tools.js'));
  const embedded = await tools.componentEmbed({ binary: readFileSync(core), witPath: stage, world: opts.world });
  const component = await tools.componentNew(embedded, [['wasi_snapshot_preview1', readFileSync(adapter)]]);
  const tmp = `${out}.tmp`;
  writeFileSync(tmp, component);
  renameSync(tmp, out);
} catch (e) {
  fail(`${core}: ${e?.message ?? e}`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
