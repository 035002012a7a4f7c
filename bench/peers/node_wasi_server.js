// P3's baseline: a Node.js HTTP server that runs a WASI command module per
// request with node:wasi (compiled once, instantiated for every request, as
// spindle does), stdout captured in memory, answered in CGI form.
//   node node_wasi_server.js <module.wasm> <port>
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const { WASI } = require('node:wasi');

const [, , wasmPath, portArg] = process.argv;
const wasmModule = new WebAssembly.Module(fs.readFileSync(wasmPath));

function runOnce() {
  const wasi = new WASI({ version: 'preview1', args: ['hello'], env: {}, returnOnExit: true });
  const imports = wasi.getImportObject();
  const chunks = [];
  let memory;
  const preview1 = { ...imports.wasi_snapshot_preview1 };
  const realWrite = preview1.fd_write;
  // stdout into memory: fd_write(fd, iovs, iovs_len, nwritten)
  preview1.fd_write = (fd, iovs, iovsLen, nwritten) => {
    if (fd !== 1) return realWrite(fd, iovs, iovsLen, nwritten);
    const view = new DataView(memory.buffer);
    let total = 0;
    for (let i = 0; i < iovsLen; i++) {
      const ptr = view.getUint32(iovs + i * 8, true);
      const len = view.getUint32(iovs + i * 8 + 4, true);
      chunks.push(Buffer.from(new Uint8Array(memory.buffer, ptr, len)));
      total += len;
    }
    view.setUint32(nwritten, total, true);
    return 0;
  };
  const instance = new WebAssembly.Instance(wasmModule, { wasi_snapshot_preview1: preview1 });
  memory = instance.exports.memory;
  wasi.start(instance);
  return Buffer.concat(chunks).toString();
}

const server = http.createServer((req, res) => {
  const out = runOnce();
  const split = out.indexOf('\n\n');
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(split >= 0 ? out.slice(split + 2) : out);
});
server.keepAliveTimeout = 60000;
server.listen(Number(portArg || 0), '127.0.0.1', () => {
  console.log(`Serving http://127.0.0.1:${server.address().port}`);
});
