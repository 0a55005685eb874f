// The introspection queries standard clients send, as graphql-js builds them, and the
// fixture files under tests/fixtures/introspection/ (graphql-js's and graphql-core's texts,
// written by generate-introspection-fixtures.sh; the Rust tests send them too).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getIntrospectionQuery } from 'graphql';

export const fixturesDir = fileURLToPath(new URL('../fixtures/introspection/', import.meta.url));

// Every option the GraphQL specification's introspection covers. Left out: the
// experimental directive deprecation (`directives(includeDeprecated:)`), a proposal that
// neither the specification nor async-graphql implements, and `typeDepth`, left at 9.
export const graphqlJsAllOptions = {
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
};

/** The graphql-js texts: file name -> query. */
export function graphqlJsQueries() {
  return {
    'graphql-js-default.graphql': getIntrospectionQuery(),
    'graphql-js-all-options.graphql': getIntrospectionQuery(graphqlJsAllOptions),
  };
}

export const fixtureNames = [
  'graphql-js-default.graphql',
  'graphql-js-all-options.graphql',
  'graphql-core-default.graphql',
  'graphql-core-all-options.graphql',
];

/** The committed fixture texts: file name -> query. */
export function fixtureQueries() {
  return Object.fromEntries(
    fixtureNames.map((name) => [name, readFileSync(`${fixturesDir}${name}`, 'utf8')]),
  );
}
