// The lab internet's web server: answers every request with who asked (the source address it saw).
import http from 'node:http';

const [host = '0.0.0.0', port = '80'] = process.argv.slice(2);
http
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        server: 'lab-internet',
        you: req.socket.remoteAddress?.replace(/^::ffff:/, ''),
        host: req.headers.host,
        path: req.url,
      }),
    );
  })
  .listen(Number(port), host);
