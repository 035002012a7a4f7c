// A Spin JS SDK app (the http-js template's shape: itty-router, esbuild,
// j2w) that uses Spin's host interfaces through the imports its world
// (../wit) names. Every answer is plain text a test can compare; an error
// result of an interface answers 500 "error <case>[: <detail>]".
//
//   GET    /kv/:store/:key          fermyon:spin/key-value get (404 "none")
//   PUT    /kv/:store/:key          set, the request body as the value
//   DELETE /kv/:store/:key          delete
//   GET    /kv-exists/:store/:key   exists: "true" / "false"
//   GET    /kv-keys/:store          get-keys, sorted, one per line
//   POST   /incr/:store/:key?delta=N&times=T   wasi:keyvalue increment, T
//                                   times; the last sum
//   POST   /cas/:store/:key?times=T  T compare-and-swap increments of a
//                                   decimal value (retrying cas-failed);
//                                   "<value> <retries>"
//   POST   /batch/:store            set-many of the JSON object body, then
//                                   get-many of its keys plus "absent": JSON
//   GET    /bucket-keys/:store      wasi:keyvalue list-keys, one per line
//   GET    /var/:name               fermyon:spin/variables get
//   GET    /config/:name            wasi:config get ("none" when absent)
//   GET    /config-all              wasi:config get-all, "k=v" lines
//   POST   /sql/:db                 fermyon:spin/sqlite execute; body JSON
//                                   {"sql": ..., "params": [{"tag", "val"}]};
//                                   JSON {columns, rows} back
//   GET    /fetch?url=U             outbound fetch: "<status> <body>"
//   POST   /redis/:op?address=A&key=K   fermyon:spin/redis: op is set (the
//                                   body), get, incr, del / sadd / srem (the
//                                   body's comma-separated keys / values),
//                                   smembers, publish (channel K, the body),
//                                   execute (body JSON {command, args:
//                                   [{tag, val}]}); the result as text/JSON
//   POST   /mqtt?address=A&topic=T&qos=Q[&user=U&pass=P]  fermyon:spin/mqtt
//                                   open + publish of the body
//   GET    /llm/:model              fermyon:spin/llm infer
import { AutoRouter } from 'itty-router';
import { Store } from 'fermyon:spin/key-value@2.0.0';
import { get as variable } from 'fermyon:spin/variables@2.0.0';
import { Connection } from 'fermyon:spin/sqlite@2.0.0';
import { Connection as Redis } from 'fermyon:spin/redis@2.0.0';
import { Connection as Mqtt } from 'fermyon:spin/mqtt@2.0.0';
import { infer } from 'fermyon:spin/llm@2.0.0';
import { open as openBucket } from 'wasi:keyvalue/store@0.2.0-draft2';
import { increment, Cas, swap } from 'wasi:keyvalue/atomics@0.2.0-draft2';
import { getMany, setMany } from 'wasi:keyvalue/batch@0.2.0-draft2';
import { get as configGet, getAll as configAll } from 'wasi:config/store@0.2.0-draft-2024-09-27';

const enc = new TextEncoder();
const dec = new TextDecoder();

// The error value of a failed interface call as "error <case>[: <detail>]".
function failure(e) {
  const p = e && e.payload !== undefined ? e.payload : e;
  if (p && typeof p === 'object' && 'tag' in p) {
    const inner = p.val && typeof p.val === 'object' && 'tag' in p.val ? ` ${p.val.tag}` : '';
    const detail = typeof p.val === 'string' ? `: ${p.val}` : '';
    return new Response(`error ${p.tag}${inner}${detail}\n`, { status: 500 });
  }
  return new Response(`exception ${e}\n`, { status: 500 });
}

function text(body, status = 200) {
  return new Response(body, { status, headers: { 'content-type': 'text/plain' } });
}

function json(value) {
  return new Response(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? Number(v) : v)),
    { headers: { 'content-type': 'application/json' } });
}

const run = (fn) => async (req) => {
  try {
    return await fn(req);
  } catch (e) {
    return failure(e);
  }
};

const router = AutoRouter();

router
  .get('/kv/:store/:key', run(({ params }) => {
    const v = Store.open(params.store).get(params.key);
    return v === undefined ? text('none\n', 404) : text(dec.decode(v));
  }))
  .put('/kv/:store/:key', run(async (req) => {
    const body = new Uint8Array(await req.arrayBuffer());
    Store.open(req.params.store).set(req.params.key, body);
    return text('ok\n');
  }))
  .delete('/kv/:store/:key', run(({ params }) => {
    Store.open(params.store).delete(params.key);
    return text('ok\n');
  }))
  .get('/kv-exists/:store/:key', run(({ params }) =>
    text(`${Store.open(params.store).exists(params.key)}\n`)))
  .get('/kv-keys/:store', run(({ params }) => {
    const keys = Store.open(params.store).getKeys().sort();
    return text(keys.map((k) => `${k}\n`).join(''));
  }))
  .post('/incr/:store/:key', run(({ params, query }) => {
    const bucket = openBucket(params.store);
    const times = Number(query.times ?? 1);
    let sum = 0n;
    for (let i = 0; i < times; i++) sum = increment(bucket, params.key, BigInt(query.delta ?? 1));
    return text(`${sum}\n`);
  }))
  .post('/cas/:store/:key', run(({ params, query }) => {
    const bucket = openBucket(params.store);
    const times = Number(query.times ?? 1);
    let retries = 0;
    let value = 0;
    for (let i = 0; i < times; i++) {
      let cas = Cas.new(bucket, params.key);
      for (;;) {
        const now = cas.current();
        value = (now === undefined ? 0 : Number(dec.decode(now))) + 1;
        try {
          swap(cas, enc.encode(String(value)));
          break;
        } catch (e) {
          const p = e && e.payload !== undefined ? e.payload : e;
          if (!p || p.tag !== 'cas-failed') throw e;
          cas = p.val;
          retries++;
        }
      }
    }
    return text(`${value} ${retries}\n`);
  }))
  .post('/batch/:store', run(async (req) => {
    const bucket = openBucket(req.params.store);
    const entries = Object.entries(await req.json());
    setMany(bucket, entries.map(([k, v]) => [k, enc.encode(v)]));
    const got = getMany(bucket, [...entries.map(([k]) => k), 'absent']);
    return json(got.map(([k, v]) => [k, v === undefined ? null : dec.decode(v)]));
  }))
  .get('/bucket-keys/:store', run(({ params }) => {
    const { keys, cursor } = openBucket(params.store).listKeys(undefined);
    return text(keys.sort().map((k) => `${k}\n`).join('') + (cursor === undefined ? '' : 'cursor\n'));
  }))
  .get('/var/:name', run(({ params }) => text(`${variable(params.name)}\n`)))
  .get('/config/:name', run(({ params }) => {
    const v = configGet(params.name);
    return text(v === undefined ? 'none\n' : `${v}\n`);
  }))
  .get('/config-all', run(() =>
    text(configAll().sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}\n`).join(''))))
  .post('/sql/:db', run(async (req) => {
    const { sql, params = [] } = await req.json();
    const values = params.map((p) => {
      if (p.tag === 'integer') return { tag: 'integer', val: BigInt(p.val) };
      if (p.tag === 'blob') return { tag: 'blob', val: enc.encode(p.val) };
      return p;
    });
    const result = Connection.open(req.params.db).execute(sql, values);
    const rows = result.rows.map((r) => r.values.map((v) =>
      v.tag === 'blob' ? { tag: 'blob', val: dec.decode(v.val) } : v));
    return json({ columns: result.columns, rows });
  }))
  .post('/redis/:op', run(async (req) => {
    const { op } = req.params;
    const { address, key } = req.query;
    const body = await req.text();
    const list = body === '' ? [] : body.split(',');
    const redis = Redis.open(address);
    switch (op) {
      case 'set': redis.set(key, enc.encode(body)); return text('ok\n');
      case 'get': {
        const v = redis.get(key);
        return text(v === undefined ? 'none\n' : dec.decode(v));
      }
      case 'incr': return text(`${redis.incr(key)}\n`);
      case 'del': return text(`${redis.del(list)}\n`);
      case 'sadd': return text(`${redis.sadd(key, list)}\n`);
      case 'srem': return text(`${redis.srem(key, list)}\n`);
      case 'smembers': return text(redis.smembers(key).sort().join(',') + '\n');
      case 'publish': redis.publish(key, enc.encode(body)); return text('ok\n');
      case 'execute': {
        const { command, args = [] } = JSON.parse(body);
        const params = args.map((a) => (a.tag === 'int64'
          ? { tag: 'int64', val: BigInt(a.val) } : { tag: 'binary', val: enc.encode(a.val) }));
        const results = redis.execute(command, params).map((r) =>
          (r.tag === 'binary' ? { tag: 'binary', val: dec.decode(r.val) } : r));
        return json(results);
      }
      default: return text('unknown op\n', 400);
    }
  }))
  .post('/mqtt', run(async (req) => {
    const { address, topic, qos = '0', user = '', pass = '' } = req.query;
    const qosName = ['at-most-once', 'at-least-once', 'exactly-once'][Number(qos)];
    const conn = Mqtt.open(address, user, pass, 30n);
    conn.publish(topic, new Uint8Array(await req.arrayBuffer()), qosName);
    return text('ok\n');
  }))
  .get('/llm/:model', run(({ params }) => text(`${infer(params.model, 'hello', undefined).text}\n`)))
  .get('/fetch', run(async ({ query }) => {
    const resp = await fetch(query.url);
    return text(`${resp.status} ${await resp.text()}`);
  }));

addEventListener('fetch', (event) => {
  event.respondWith(router.fetch(event.request));
});
