// A fake of the LINE Messaging API push endpoint for the Playwright run (no network):
// records every push, answers 409 for a retry key it already accepted (as LINE does),
// and lists what it received at GET /received.
import http from 'node:http';

const port = Number(process.argv[2] ?? 3211);
const token = process.env.FAKE_LINE_TOKEN ?? 'e2e-line-token';
const received = [];
const retryKeys = new Set();

http
  .createServer((req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/health') return send(200, { status: 'ok' });
    if (req.method === 'GET' && req.url === '/received') return send(200, received);
    if (req.method === 'POST' && req.url === '/v2/bot/message/push') {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        if (req.headers.authorization !== `Bearer ${token}`) return send(401, { message: 'bad token' });
        const key = req.headers['x-line-retry-key'];
        if (key && retryKeys.has(key)) return send(409, { message: 'The retry key is already accepted' });
        if (key) retryKeys.add(key);
        try {
          received.push({ retryKey: key ?? null, body: JSON.parse(data) });
        } catch {
          return send(400, { message: 'bad json' });
        }
        return send(200, {});
      });
      return;
    }
    send(404, { message: 'not found' });
  })
  .listen(port, '127.0.0.1');
