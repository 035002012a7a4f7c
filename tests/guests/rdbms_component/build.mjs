// node build.mjs COMPONENTS_DIR CORE_WASM WORLD_WIT STAGE_DIR OUT_WASM
//
// Turns the clang-19 reactor CORE_WASM into a component at OUT_WASM with the
// npm tools in COMPONENTS_DIR/node_modules (tests/components, pinned by its
// package-lock.json): stages WORLD_WIT with jco's WASI 0.2.12 WIT as deps/ in
// STAGE_DIR, embeds the world into the module (jco-transpile's
// componentEmbed, i.e. `wasm-tools component embed`), then wraps it with
// `jco new --wasi-reactor` (jco's preview1 reactor adapter).
// When the npm packages are missing it says so, removes OUT_WASM and exits 0:
// the build goes on and the tests that need the component skip.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [components, core, world, stage, out] = process.argv.slice(2).map((p) => resolve(p));
const modules = join(components, 'node_modules');
const transpile = join(modules, '@bytecodealliance/jco-transpile');
const jco = join(modules, '.bin/jco');
const wit = join(modules, '@bytecodealliance/jco/lib/wit/builtin/0.2.12');
if (!existsSync(jco) || !existsSync(transpile) || !existsSync(wit)) {
  console.log(`rdbms_component: not built, the npm packages are missing (run scripts/setup, or npm ci in ${components})`);
  rmSync(out, { force: true });
  process.exit(0);
}

rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'deps'), { recursive: true });
copyFileSync(world, join(stage, 'world.wit'));
for (const pkg of readdirSync(wit)) {  // wasi-http, wasi-io, wasi-clocks, ...: what wasi:http's package.wit names
  mkdirSync(join(stage, 'deps', pkg));
  copyFileSync(join(wit, pkg, 'package.wit'), join(stage, 'deps', pkg, 'package.wit'));
}

// componentEmbed runs wasm-tools as a component on preview2-shim, whose
// filesystem has no preopens until it is given some.
const fs = await import(join(transpile, 'node_modules/@bytecodealliance/preview2-shim/dist/nodejs/filesystem.js'));
fs._setPreopens({ '/': '/' });
const tools = await import(join(transpile, 'dist/wasm-tools.js'));
const embedded = join(stage, 'embedded.wasm');
writeFileSync(embedded, await tools.componentEmbed({
  binary: readFileSync(core), witPath: stage, world: 'rdbms-component',
}));

const tmp = `${out}.tmp`;
execFileSync(jco, ['new', embedded, '--wasi-reactor', '-o', tmp], { stdio: 'inherit' });
renameSync(tmp, out);
