// An echo app for the component tests, built like the Spin JS SDK template
// (no router). Every answer is deterministic, so two hosts serving the same
// component can be compared byte for byte.
//
//   /status/<code>        that status (200-599 but 204, 205, 304; e.g. 418),
//                         body "status <code>\n", header x-echo-status
//   /stream?chunks=N      200 text/plain, a ReadableStream of N chunks
//                         ("chunk <i> of <N>\n", 1 <= N <= 100, default 3),
//                         each enqueued after a timer, so the body leaves in
//                         several writes
//   /pipe                 200, the request body streamed back as it arrives
//   /fetch?url=U          fetch(U): 200 "fetched <status>: <body>", or 502
//                         "fetch failed: <error>" (outbound HTTP)
//   anything else         200 application/json: method, url, path, query,
//                         the request headers (sorted by name), the body as
//                         text and its length in bytes

function sortedHeaders(headers) {
    return [...headers].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

// The null-body statuses (204, 205, 304) are refused with 400: a Response
// with one of them must have a null body, and a null body crashes the
// oracle (jco serve 1.35.0, preview2-shim 0.26.1: response-outparam.set on a
// response whose body the guest never took).
function statusResponse(code) {
    if (!(code >= 200 && code <= 599) || code === 204 || code === 205 || code === 304) {
        return new Response(`bad status ${code}\n`, { status: 400 });
    }
    return new Response(`status ${code}\n`, {
        status: code,
        headers: { 'content-type': 'text/plain', 'x-echo-status': String(code) },
    });
}

function streamResponse(n) {
    const encoder = new TextEncoder();
    let i = 0;
    const body = new ReadableStream({
        async pull(controller) {
            if (i >= n) {
                controller.close();
                return;
            }
            await new Promise((resolve) => setTimeout(resolve, 5));
            controller.enqueue(encoder.encode(`chunk ${i} of ${n}\n`));
            i++;
        },
    });
    return new Response(body, {
        status: 200,
        headers: { 'content-type': 'text/plain', 'x-echo-chunks': String(n) },
    });
}

async function handle(request) {
    const url = new URL(request.url);
    const status = url.pathname.match(/^\/status\/(\d+)$/);
    if (status) return statusResponse(Number(status[1]));
    if (url.pathname === '/stream') {
        const n = Number(url.searchParams.get('chunks') ?? '3');
        if (!Number.isInteger(n) || n < 1 || n > 100) {
            return new Response(`bad chunks ${url.searchParams.get('chunks')}\n`, { status: 400 });
        }
        return streamResponse(n);
    }
    if (url.pathname === '/fetch') {
        try {
            const r = await fetch(url.searchParams.get('url'));
            return new Response(`fetched ${r.status}: ${await r.text()}`, { status: 200 });
        } catch (e) {
            return new Response(`fetch failed: ${e}\n`, { status: 502 });
        }
    }
    if (url.pathname === '/pipe') {
        return new Response(request.body, {
            status: 200,
            headers: { 'content-type': 'application/octet-stream' },
        });
    }
    const bytes = new Uint8Array(await request.arrayBuffer());
    const answer = {
        method: request.method,
        url: request.url,
        path: url.pathname,
        query: url.search,
        headers: sortedHeaders(request.headers),
        body: new TextDecoder().decode(bytes),
        bodyLength: bytes.length,
    };
    return new Response(JSON.stringify(answer, null, 2) + '\n', {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-echo-method': request.method },
    });
}

addEventListener('fetch', (event) => {
    event.respondWith(handle(event.request));
});
