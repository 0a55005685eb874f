#!/usr/bin/env bash
# Rewrites tests/fixtures/introspection/*.graphql: the introspection queries that graphql-js
# (getIntrospectionQuery, the version pinned in package.json) and graphql-core
# (get_introspection_query, pinned below) build, with default options and with every option
# of the specification's introspection on. Needs Node.js and Python 3 with venv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../fixtures/introspection"
graphql_core_version=3.3.2
mkdir -p "$out"
(cd "$here" && npm install --no-audit --no-fund --silent)
node --input-type=module -e "
import { writeFileSync } from 'node:fs';
import { graphqlJsQueries, fixturesDir } from '$here/introspection.mjs';
for (const [name, text] of Object.entries(graphqlJsQueries())) writeFileSync(fixturesDir + name, text);
"
venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "graphql-core==$graphql_core_version"
"$venv/bin/python" - "$out" <<'PY'
import pathlib, sys
from graphql import get_introspection_query

out = pathlib.Path(sys.argv[1])
# Same options as graphqlJsAllOptions in introspection.mjs; the experimental directive
# deprecation stays off (neither the specification nor async-graphql has it).
all_options = dict(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
    one_of=True,
)
(out / "graphql-core-default.graphql").write_text(get_introspection_query())
(out / "graphql-core-all-options.graphql").write_text(get_introspection_query(**all_options))
PY
ls -l "$out"
