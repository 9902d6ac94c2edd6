// A fake of the LINE Pay online API v3 for the Playwright run (no network):
// POST /v3/payments/request and POST /v3/payments/{transactionId}/confirm, each
// refused with returnCode 1106 unless the channel id and the HMAC-SHA256 signature
// (Base64 of HMAC(secret, secret + path + body + nonce)) are right; and the page the
// parent approves on, GET /pay/{transactionId}, with «approve» and «cancel» buttons
// that send the browser to the portal's confirmUrl (with transactionId and orderId)
// or cancelUrl. A confirm takes the money once (1150 before the approval, 1124 for a
// wrong amount, 1172 a second time). GET /received lists the transactions.
import http from 'node:http';
import { createHmac } from 'node:crypto';

const port = Number(process.argv[2] ?? 3213);
const channelId = process.env.FAKE_LINE_PAY_CHANNEL_ID ?? 'e2e-pay-channel';
const secret = process.env.FAKE_LINE_PAY_SECRET ?? 'e2e-pay-secret';
const transactions = new Map();
let next = 2026120100000000001n;

const signed = (req, path, body) => {
  const nonce = req.headers['x-line-authorization-nonce'] ?? '';
  const expected = createHmac('sha256', secret).update(secret + path + body + nonce).digest('base64');
  return req.headers['x-line-channelid'] === channelId && nonce !== '' && req.headers['x-line-authorization'] === expected;
};

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

http
  .createServer((req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const answer = (code, info = null) => send(200, { returnCode: code, returnMessage: code === '0000' ? 'Success.' : 'Refused.', info });
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    if (req.method === 'GET' && url.pathname === '/health') return send(200, { status: 'ok' });
    if (req.method === 'GET' && url.pathname === '/received') {
      return send(200, [...transactions.entries()].map(([id, t]) => ({ id, ...t })));
    }
    const pay = url.pathname.match(/^\/pay\/(\d+)$/);
    if (req.method === 'GET' && pay) {
      const t = transactions.get(pay[1]);
      if (!t) return send(404, { message: 'no such payment' });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>LINE Pay (fake)</title>
<meta name="viewport" content="width=device-width"></head><body><main><h1>LINE Pay</h1>
<p>${escape(t.productName)}: NT$${t.amount}</p>
<form method="post" action="/pay/${pay[1]}/approve"><button>approve</button></form>
<form method="post" action="/pay/${pay[1]}/cancel"><button>cancel</button></form></main></body></html>`);
    }
    const choice = url.pathname.match(/^\/pay\/(\d+)\/(approve|cancel)$/);
    if (req.method === 'POST' && choice) {
      const t = transactions.get(choice[1]);
      if (!t) return send(404, { message: 'no such payment' });
      let to = t.cancelUrl;
      if (choice[2] === 'approve') {
        if (t.state === 'requested') t.state = 'approved';
        const u = new URL(t.confirmUrl);
        u.searchParams.set('transactionId', choice[1]);
        u.searchParams.set('orderId', t.orderId);
        to = u.toString();
      }
      res.writeHead(303, { location: to });
      return res.end();
    }
    if (req.method !== 'POST') return send(404, { message: 'not found' });
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      if (url.pathname === '/v3/payments/request') {
        if (!signed(req, url.pathname, data)) return answer('1106');
        let b;
        try {
          b = JSON.parse(data);
        } catch {
          return answer('2101');
        }
        const packages = (b.packages ?? []).reduce((s, p) => s + p.amount, 0);
        if (b.currency !== 'TWD' || !(b.amount > 0) || b.amount !== packages || !b.orderId) return answer('2101');
        if ([...transactions.values()].some((t) => t.orderId === b.orderId)) return answer('1172');
        const id = String(next++);
        transactions.set(id, {
          orderId: b.orderId,
          amount: b.amount,
          productName: b.packages?.[0]?.products?.[0]?.name ?? '',
          confirmUrl: b.redirectUrls.confirmUrl,
          cancelUrl: b.redirectUrls.cancelUrl,
          state: 'requested',
        });
        // The transaction id as LINE sends it: a bare 19-digit JSON number.
        return send(200, `{"returnCode":"0000","returnMessage":"Success.","info":{"transactionId":${id},"paymentAccessToken":"187568751124","paymentUrl":{"web":"http://127.0.0.1:${port}/pay/${id}","app":"line://pay/payment/${id}"}}}`);
      }
      const confirm = url.pathname.match(/^\/v3\/payments\/(\d+)\/confirm$/);
      if (confirm) {
        if (!signed(req, url.pathname, data)) return answer('1106');
        const t = transactions.get(confirm[1]);
        if (!t || t.state === 'requested') return answer('1150');
        if (t.state === 'confirmed') return answer('1172');
        const b = JSON.parse(data);
        if (b.amount !== t.amount || b.currency !== 'TWD') return answer('1124');
        t.state = 'confirmed';
        return answer('0000', { orderId: t.orderId, transactionId: Number(confirm[1]), payInfo: [{ method: 'BALANCE', amount: t.amount }] });
      }
      return send(404, { message: 'not found' });
    });
  })
  .listen(port, '127.0.0.1');
