// Checks a running server with the specifications' own clients and a real browser:
//   node audit.mjs http://127.0.0.1:PORT
// 1. the GraphQL-over-HTTP audit suite (graphql-http);
// 2. a query over graphql-transport-ws with the graphql-ws reference client;
// 3. the introspection queries standard clients build (graphql-js and graphql-core, default
//    options and every option on): no errors, and graphql-js's buildClientSchema accepts them;
// 4. GraphiQL in headless Chromium with every request to another host refused: it renders,
//    its documentation explorer shows the schema, a typed query runs and shows its data,
//    a subscription reaches the server over the same-origin WebSocket, and nothing trips
//    the page's Content-Security-Policy.
// Set CHROMIUM to another Chromium binary than /usr/bin/chromium; screenshots go to
// $AUDIT_OUT (default: $TMPDIR/coalition-audit).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildClientSchema } from 'graphql';
import { serverAudits } from 'graphql-http';
import { createClient } from 'graphql-ws';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { fixtureQueries, graphqlJsQueries } from './introspection.mjs';

const base = process.argv[2];
let failed = 0;
function fail(message) {
  console.log(`FAIL ${message}`);
  failed += 1;
}

// 1. graphql-http
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

// 2. graphql-ws
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
  fail(`graphql-ws client: unexpected answer ${JSON.stringify(answer)}`);
} else {
  console.log('graphql-ws client: query over graphql-transport-ws ok');
}

// 3. Standard introspection queries
async function post(query) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json;q=0.9',
    },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json() };
}

const fixtures = fixtureQueries();
for (const [name, text] of Object.entries(graphqlJsQueries())) {
  if (fixtures[name] !== text) {
    fail(`tests/fixtures/introspection/${name} differs from what the pinned graphql-js builds: `
      + 'run tests/audit/generate-introspection-fixtures.sh');
    fixtures[`${name} (as built now)`] = text;
  }
}
for (const [name, query] of Object.entries(fixtures)) {
  const { status, body } = await post(query);
  if (status !== 200 || body.errors || !body.data?.__schema) {
    fail(`introspection ${name}: status ${status}, ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
    continue;
  }
  try {
    const schema = buildClientSchema(body.data);
    const types = Object.keys(schema.getTypeMap()).length;
    console.log(`introspection ${name}: ok (${types} types)`);
  } catch (error) {
    fail(`introspection ${name}: buildClientSchema refuses the result: ${error.message}`);
  }
}

// 4. GraphiQL in headless Chromium, offline
await auditGraphiql();
process.exit(failed === 0 ? 0 : 1);

async function auditGraphiql() {
  const { host } = new URL(base);
  const out = process.env.AUDIT_OUT || join(tmpdir(), 'coalition-audit');
  mkdirSync(out, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'coalition-audit-chromium-'));
  const expected = (await post('{ coalition { name } }')).body?.data?.coalition?.name;
  const blocked = [];
  const problems = [];
  const sockets = [];
  let context;
  let page;
  let step = 'starting Chromium';
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        // No name resolves: even a request that slipped past the routes below goes nowhere.
        `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE ${new URL(base).hostname}`,
      ],
      viewport: { width: 1400, height: 900 },
    });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.host !== host) {
        blocked.push(url.href);
        return route.abort('blockedbyclient');
      }
      return route.continue();
    });
    await context.routeWebSocket(() => true, (socket) => {
      const url = new URL(socket.url());
      if (url.host !== host) {
        blocked.push(url.href);
        return socket.close();
      }
      return socket.connectToServer();
    });
    // Runs outside the page's policy (a DevTools script), so it can watch for violations.
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`);
      });
    });
    page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('websocket', (socket) => sockets.push(socket.url()));

    step = 'opening the page';
    const response = await page.goto(`${base}/graphql`, { waitUntil: 'load' });
    const policy = response?.headers()['content-security-policy'] ?? '';
    if (!policy.includes("script-src 'self'")) fail(`GraphiQL page: no strict Content-Security-Policy (${policy})`);
    await page.locator('.graphiql-container .graphiql-query-editor .CodeMirror').waitFor();
    console.log('GraphiQL: rendered');

    // The documentation explorer: the root types, then the fields of Query.
    step = 'documentation explorer';
    await page.getByRole('button', { name: /Show Documentation Explorer/i }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('Root Types').waitFor();
    await docs.getByRole('link', { name: 'Query', exact: true }).click();
    await docs.getByText('workingGroups', { exact: true }).waitFor();
    console.log('GraphiQL: documentation explorer shows the schema');

    // A dialog inserts a <style> element (scroll lock): the policy must let it.
    step = 'settings dialog';
    await page.getByRole('button', { name: /Open settings dialog/i }).click();
    await page.getByRole('dialog').getByText('Persist headers').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    // Type a query and press the run button.
    step = 'running a query';
    const query = '{ coalition { name } }';
    const editor = page.locator('.graphiql-query-editor .CodeMirror');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type(query);
    await page.keyboard.press('Escape'); // closes an autocompletion hint, if any
    const typed = await editor.evaluate((element) => element.CodeMirror.getValue());
    if (typed.replace(/\s+/g, ' ').trim() !== query) fail(`GraphiQL: the editor holds ${JSON.stringify(typed)}`);
    await page.getByRole('button', { name: /Execute query/i }).click();
    const result = page.locator('.graphiql-response .CodeMirror');
    await page.waitForFunction(
      (name) => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue().includes(name),
      expected,
    );
    const shown = JSON.parse(await result.evaluate((element) => element.CodeMirror.getValue()));
    if (shown?.data?.coalition?.name !== expected || shown.errors) {
      fail(`GraphiQL: the result pane shows ${JSON.stringify(shown)}`);
    } else {
      console.log(`GraphiQL: ran ${query} and shows ${JSON.stringify(shown.data)}`);
    }

    // A subscription goes over the same-origin WebSocket; anonymous, the server refuses it
    // with a GraphQL error, which GraphiQL shows.
    step = 'running a subscription';
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('subscription { myNotifications { __typename } }');
    // GraphiQL re-parses the document after a short debounce, and picks the transport from
    // that parse: running at once would send the subscription over HTTP.
    await page.waitForTimeout(1000);
    await page.getByRole('button', { name: /Execute/i }).click();
    await page.waitForFunction(
      () => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue().includes('"errors"'),
    );
    const refused = JSON.parse(await result.evaluate((element) => element.CodeMirror.getValue()));
    const wsUrl = `${base.replace('http', 'ws')}/graphql`;
    if (!sockets.includes(wsUrl)) {
      fail(`GraphiQL: no WebSocket to ${wsUrl} (opened: ${JSON.stringify(sockets)}); shows ${JSON.stringify(refused)}`);
    } else {
      console.log(`GraphiQL: subscription over ${wsUrl}: server answered ${JSON.stringify(refused.errors?.[0]?.message ?? refused)}`);
    }
  } catch (error) {
    fail(`GraphiQL: ${step}: ${error.message.split('\n')[0]}`);
  } finally {
    if (page) {
      const violations = await page.evaluate(() => window.__cspViolations).catch(() => []);
      for (const violation of violations ?? []) {
        problems.push(`Content-Security-Policy violation: ${violation}`);
      }
      const file = join(out, 'graphiql.png');
      await page.screenshot({ path: file }).then(() => console.log(`GraphiQL: screenshot in ${file}`), () => {});
    }
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  }
  for (const problem of problems) fail(`GraphiQL: ${problem}`);
  for (const url of blocked) fail(`GraphiQL: tried to reach another host: ${url}`);
  if (problems.length === 0 && blocked.length === 0) {
    console.log('GraphiQL: no request left the server, no page error, no policy violation');
  }
}
