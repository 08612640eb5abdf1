// A stand-in S3 endpoint that dies mid-push: it answers listings (empty) and lookups (absent)
// as S3 does, and on the first upload it exits at once, cutting every connection. Run as a
// child process by secrets-and-noise tests; prints its port on stdout.
import { createServer } from 'node:http';

const EMPTY_LISTING =
  '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
  '<Name>bucket</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>';
const NO_SUCH_KEY = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>absent</Message></Error>';

const server = createServer((req, res) => {
  if (req.method === 'PUT' || req.method === 'POST') process.exit(0);
  if (req.method === 'GET' && /[?&]list-type=2/.test(req.url ?? '')) {
    res.writeHead(200, { 'content-type': 'application/xml' }).end(EMPTY_LISTING);
    return;
  }
  res.writeHead(404, { 'content-type': 'application/xml' }).end(req.method === 'HEAD' ? undefined : NO_SUCH_KEY);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
