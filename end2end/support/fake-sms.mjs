// A fake HTTP SMS gateway (Mitake SmSend style) for the Playwright run (no network):
// takes a form (username, password, dstaddr, smbody, clientid) at
// POST /api/mtk/SmSend, answers text lines (`statuscode=1` …), keeps every message
// it took and lists them at GET /received. POST /mode with `down` (HTTP 500), `busy`
// (statuscode=b) or `refuse` (statuscode=v) makes it fail; `accept` again.
import http from 'node:http';

const port = Number(process.argv[2] ?? 3212);
const user = process.env.FAKE_SMS_USER ?? 'e2e-sms-user';
const password = process.env.FAKE_SMS_PASSWORD ?? 'e2e-sms-password';
const received = [];
let mode = 'accept';

const text = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
};

http
  .createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/health') return text(res, 200, 'ok');
    if (req.method === 'GET' && url.pathname === '/received') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(received));
    }
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      if (req.method === 'POST' && url.pathname === '/mode') {
        mode = data.trim() || 'accept';
        return text(res, 200, mode);
      }
      if (req.method !== 'POST' || url.pathname !== '/api/mtk/SmSend') return text(res, 404, 'not found');
      if (mode === 'down') return text(res, 500, 'down');
      const form = new URLSearchParams(data);
      if (form.get('username') !== user || form.get('password') !== password) {
        return text(res, 200, '[1]\r\nstatuscode=e\r\n');
      }
      if (mode === 'busy') return text(res, 200, '[1]\r\nstatuscode=b\r\n');
      if (mode === 'refuse') return text(res, 200, '[1]\r\nstatuscode=v\r\n');
      const clientid = form.get('clientid') ?? '';
      if (clientid && received.some((m) => m.clientid === clientid)) {
        return text(res, 200, '[1]\r\nmsgid=#000000001\r\nstatuscode=1\r\nDuplicate=Y\r\n');
      }
      received.push({
        dstaddr: form.get('dstaddr'),
        smbody: form.get('smbody'),
        clientid,
        charset: url.searchParams.get('CharsetURL'),
      });
      return text(res, 200, `[1]\r\nmsgid=${String(received.length).padStart(10, '0')}\r\nstatuscode=1\r\nAccountPoint=98\r\n`);
    });
  })
  .listen(port, '127.0.0.1');
