// The Spin JS SDK http-js template's build.mjs (spinframework/spin-js-sdk,
// tag spin/templates/v3.6, templates/http-js/content/build.mjs), with the
// entry point and the bundle path as arguments instead of ./src/index.js and
// ./build/bundle.js:  node build.mjs <entry.js> <out/bundle.js>
// Run it from the folder whose package.json names the SDK packages (the
// plugin reads the WIT worlds of the dependencies of process.cwd()).
import { build } from 'esbuild';
import path from 'path';
import { SpinEsbuildPlugin } from "@spinframework/build-tools/plugins/esbuild/index.js";
import fs from 'fs';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
    console.error('usage: node build.mjs <entry.js> <out/bundle.js>');
    process.exit(2);
}

const spinPlugin = await SpinEsbuildPlugin();

// plugin to handle vendor files in node_modules that may not be bundled.
// Instead of generating a real source map for these files, it appends a minimal
// inline source map pointing to an empty source. This avoids errors and ensures
// source maps exist even for unbundled vendor code.
let SourceMapPlugin = {
    name: 'excludeVendorFromSourceMap',
    setup(build) {
        // Only append JS-style sourceMappingURL comments to JS/TS sources.
        // Appending this to JSON files breaks esbuild parsing.
        build.onLoad({ filter: /node_modules\/.*\.(?:[cm]?js|tsx?)$/ }, args => {
            return {
                contents: fs.readFileSync(args.path, 'utf8')
                    + '\n//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpbIiJdLCJtYXBwaW5ncyI6IkEifQ==',
                loader: 'default',
            }
        })
    },
}

await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    sourcemap: true,
    minify: false,
    plugins: [spinPlugin, SourceMapPlugin],
    logLevel: 'error',
    loader: {
        '.ts': 'ts',
        '.tsx': 'tsx',
    },
    resolveExtensions: ['.ts', '.tsx', '.js'],
    sourceRoot: path.resolve(path.dirname(entry)),
});
