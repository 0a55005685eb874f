// Starts GraphiQL against this server: queries and mutations go to /graphql on the same
// origin, subscriptions to ws(s)://<same host>/graphql (graphql-transport-ws, through the
// graphql-ws client bundled in GraphiQL's UMD build). It is a file of its own rather than an
// inline script so the page's Content-Security-Policy can allow scripts from 'self' only.
(function () {
  'use strict';
  var scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({
    url: '/graphql',
    subscriptionUrl: scheme + '//' + window.location.host + '/graphql',
  });
  // Layout through the CSSOM, which the policy allows, instead of a style attribute.
  document.documentElement.style.height = '100%';
  document.body.style.height = '100%';
  document.body.style.margin = '0';
  var container = document.getElementById('graphiql');
  container.style.height = '100vh';
  ReactDOM.createRoot(container).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: '{\n  coalition {\n    name\n  }\n}\n',
    }),
  );
})();
