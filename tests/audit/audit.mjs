// Runs the GraphQL-over-HTTP audit suite (graphql-http) and the graphql-ws reference
// client against a running server: node audit.mjs http://127.0.0.1:PORT
import { serverAudits } from 'graphql-http';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = process.argv[2];
let failed = 0;

const results = [];
for (const audit of serverAudits({ url: `${base}/graphql` })) {
  results.push({ audit, result: await audit.fn() });
}
for (const { audit, result } of results) {
  if (result.status !== 'ok') {
    console.log(`${result.status}: ${audit.id} ${audit.name}: ${result.reason}`);
    if (result.status === 'error') failed += 1;
  }
}
const ok = results.filter(({ result }) => result.status === 'ok').length;
console.log(`graphql-http audit: ${ok} of ${results.length} ok`);

const client = createClient({
  url: `${base.replace('http', 'ws')}/graphql`,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
});
const answer = await new Promise((resolve, reject) => {
  let value;
  client.subscribe({ query: '{ coalition { slug } }' }, {
    next: (data) => { value = data; },
    error: reject,
    complete: () => resolve(value),
  });
});
await client.dispose();
if (answer?.data?.coalition?.slug !== 'oer-dynamic-coalition') {
  console.log('graphql-ws client: unexpected answer', JSON.stringify(answer));
  failed += 1;
} else {
  console.log('graphql-ws client: query over graphql-transport-ws ok');
}
process.exit(failed === 0 ? 0 : 1);
