//! GraphQL over HTTP, following the GraphQL-over-HTTP specification: our own thin handler
//! around `Schema::execute`, because the stock integration answers everything with 200.

use std::collections::HashMap;

use async_graphql::parser::parse_query;
use async_graphql::parser::types::{DocumentOperations, OperationDefinition, OperationType};
use async_graphql::{ServerError, Variables};
use axum::body::Bytes;
use std::net::SocketAddr;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{ConnectInfo, FromRequest, Query, Request, State};
use axum::http::header::{
    ACCEPT_LANGUAGE, ALLOW, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, VARY, WWW_AUTHENTICATE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use coalition_api::{ErrorCode, Loaders, RequestLanguage, check_batch_cost, request_cost};
use coalition_domain::language::Language;
use coalition_domain::policy::Viewer;
use coalition_services::ServiceError;
use coalition_services::accounts::ClientAddress;
use coalition_store::StatementTally;
use serde_json::{Map, Value, json};
use tracing::Instrument;

use super::AppState;
use super::media::{ResponseMediaType, is_json_body, wants_html};
use super::multipart::{self, is_multipart};
use super::persisted::{PersistedQueries, PersistedQueryError, requested_hash};

/// The parameters of one GraphQL request, checked for shape.
#[derive(Debug, Clone)]
pub(super) struct GraphqlParams {
    pub(super) query: String,
    pub(super) operation_name: Option<String>,
    pub(super) variables: Option<Map<String, Value>>,
}

impl GraphqlParams {
    /// The request's variables, as the executor takes them.
    fn graphql_variables(&self) -> Variables {
        self.variables
            .clone()
            .map(|variables| Variables::from_json(Value::Object(variables)))
            .unwrap_or_default()
    }

    /// The request to execute.
    pub(super) fn into_request(self) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(self.query);
        if let Some(name) = self.operation_name {
            request = request.operation_name(name);
        }
        if let Some(variables) = self.variables {
            request = request.variables(Variables::from_json(Value::Object(variables)));
        }
        request
    }
}

/// The parameters of one GraphQL request as sent: the text may be left out when
/// `extensions.persistedQuery` names it by hash.
#[derive(Debug)]
pub(super) struct SentParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Map<String, Value>>,
    persisted_hash: Option<String>,
}

impl SentParams {
    /// The parameters to run: the text sent, or the one an automatic persisted query's hash
    /// stands for (registered when text and hash come together).
    pub(super) fn resolve(self, cache: &PersistedQueries) -> Result<GraphqlParams, ParamsError> {
        let query = match (self.persisted_hash, self.query) {
            (Some(hash), query) => cache.resolve(&hash, query)?,
            (None, Some(query)) => query,
            (None, None) => {
                return Err(ParamsError::Refused(Refusal::bad_request(
                    "the request has no `query`",
                )));
            }
        };
        Ok(GraphqlParams {
            query,
            operation_name: self.operation_name,
            variables: self.variables,
        })
    }
}

/// Why a request's parameters cannot run.
pub(super) enum ParamsError {
    /// Malformed: refused with a status of its own.
    Refused(Refusal),
    /// An automatic persisted query the server cannot serve (yet).
    Persisted(PersistedQueryError),
}

impl From<Refusal> for ParamsError {
    fn from(refusal: Refusal) -> Self {
        ParamsError::Refused(refusal)
    }
}

impl From<PersistedQueryError> for ParamsError {
    fn from(error: PersistedQueryError) -> Self {
        match error {
            PersistedQueryError::Invalid(message) => {
                ParamsError::Refused(Refusal::bad_request(message))
            }
            error => ParamsError::Persisted(error),
        }
    }
}

impl ParamsError {
    /// The GraphQL error to send.
    pub(super) fn error_json(&self) -> Value {
        match self {
            ParamsError::Refused(refusal) => ErrorCode::BadUserInput.error_json(&refusal.message),
            ParamsError::Persisted(error) => error.error_json(),
        }
    }
}

/// A request the server refuses before running anything: status and message.
pub(super) struct Refusal {
    pub(super) status: StatusCode,
    pub(super) message: String,
}

impl Refusal {
    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

/// Who is asking, from where, in which language: resolved once per HTTP request.
struct Caller {
    language: Language,
    viewer: Viewer,
    address: ClientAddress,
}

/// Resolves the caller. A bearer token that is unknown, expired or revoked is refused with
/// 401 rather than served as anonymous, so clients learn to sign in again (RFC 6750).
async fn caller(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    media: ResponseMediaType,
) -> Result<Caller, Response> {
    let viewer = match bearer_viewer(state, headers).await {
        Ok(viewer) => viewer,
        Err(ServiceError::Unauthenticated(message)) => return Err(unauthorized(media, message)),
        Err(error) => {
            tracing::error!(%error, "authentication failed");
            return Err(internal(media));
        }
    };
    Ok(Caller {
        language: request_language(headers),
        viewer,
        address: ClientAddress(state.client_ip(headers, peer)),
    })
}

/// The viewer of the request's bearer token: anonymous without one; `Unauthenticated` for
/// a malformed header or a token that is unknown, expired or revoked.
pub(super) async fn bearer_viewer(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Viewer, ServiceError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or(ServiceError::Unauthenticated(
            "use `Authorization: Bearer <token>`",
        ))?;
    state.services.authenticate(token).await
}

/// `POST /graphql`: one request as a JSON object, a bounded batch as a JSON array, or one
/// request with files as `multipart/form-data`.
pub async fn post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    if is_multipart(request.headers()) {
        return post_multipart(state, peer, request).await;
    }
    let headers = request.headers().clone();
    let body = match Bytes::from_request(request, &state).await {
        Ok(body) => body,
        Err(rejection) => return rejection.into_response(),
    };
    let Some(media) = ResponseMediaType::negotiate(&headers) else {
        return not_acceptable();
    };
    if !is_json_body(&headers) {
        return refuse(
            media,
            Refusal {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "send the request body as application/json".to_owned(),
            },
        );
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(_) if body.is_empty() => {
            return refuse(media, Refusal::bad_request("the request body is empty"));
        }
        Err(error) => {
            return refuse(
                media,
                Refusal::bad_request(format!("the request body is not valid JSON: {error}")),
            );
        }
    };
    match value {
        Value::Array(items) => {
            if items.is_empty() || items.len() > state.max_batch_size {
                return refuse(
                    media,
                    Refusal::bad_request(format!(
                        "a batch holds 1 to {} requests",
                        state.max_batch_size
                    )),
                );
            }
            // A malformed request refuses the batch; a persisted query the server does not
            // know answers for its own request only.
            let mut batch = Vec::with_capacity(items.len());
            for item in items {
                match params_from_json(item).and_then(|sent| sent.resolve(&state.persisted_queries))
                {
                    Ok(params) => batch.push(Ok(params)),
                    Err(ParamsError::Refused(refusal)) => return refuse(media, refusal),
                    Err(error @ ParamsError::Persisted(_)) => batch.push(Err(error)),
                }
            }
            // The batch's operations are costed together, before any runs.
            let costs: Vec<usize> = batch
                .iter()
                .flatten()
                .map(|params| {
                    request_cost(
                        &params.query,
                        params.operation_name.as_deref(),
                        &params.graphql_variables(),
                        &state.query_limits,
                    )
                })
                .collect();
            if let Err(message) = check_batch_cost(&costs, &state.query_limits) {
                return refuse(media, Refusal::bad_request(message));
            }
            let caller = match caller(&state, &headers, peer, media).await {
                Ok(caller) => caller,
                Err(response) => return response,
            };
            let mut bodies = Vec::with_capacity(batch.len());
            for params in batch {
                bodies.push(match params {
                    Ok(params) => execute(&state, params, &caller).await.body,
                    Err(error) => json!({ "errors": [error.error_json()] }),
                });
            }
            reply(media, StatusCode::OK, Value::Array(bodies))
        }
        value => {
            let params = match params_from_json(value)
                .and_then(|sent| sent.resolve(&state.persisted_queries))
            {
                Ok(params) => params,
                Err(error) => return refuse_params(media, error),
            };
            let caller = match caller(&state, &headers, peer, media).await {
                Ok(caller) => caller,
                Err(response) => return response,
            };
            let outcome = execute(&state, params, &caller).await;
            reply(media, outcome.status(media), outcome.body)
        }
    }
}

/// A request with files (the GraphQL multipart request specification): one operation, its
/// `Upload` variables filled from the parts the `map` names.
async fn post_multipart(state: AppState, peer: SocketAddr, request: Request) -> Response {
    let headers = request.headers().clone();
    let Some(media) = ResponseMediaType::negotiate(&headers) else {
        return not_acceptable();
    };
    let read = multipart::read(
        &headers,
        request.into_body(),
        &state.uploads,
        state.max_json_bytes,
    )
    .await;
    let upload = match read {
        Ok(upload) => upload,
        Err(refusal) => return refuse(media, refusal),
    };
    if upload.operations.is_array() {
        return refuse(
            media,
            Refusal::bad_request("send one operation per multipart request"),
        );
    }
    let mut params = match params_from_json(upload.operations)
        .and_then(|sent| sent.resolve(&state.persisted_queries))
    {
        Ok(params) => params,
        Err(error) => return refuse_params(media, error),
    };
    let declared: HashMap<String, String> = selected_operation(&params)
        .map(|operation| {
            operation
                .variable_definitions
                .iter()
                .map(|definition| {
                    (
                        definition.node.name.node.to_string(),
                        definition.node.var_type.node.base.to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let variables = params.variables.get_or_insert_with(Map::new);
    if let Err(refusal) = multipart::check_paths(&upload.files, variables, &declared) {
        return refuse(media, refusal);
    }
    let caller = match caller(&state, &headers, peer, media).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let outcome = execute_with_uploads(&state, params, &caller, upload.files).await;
    reply(media, outcome.status(media), outcome.body)
}

/// `GET /graphql`: queries in the URL, GraphiQL for a browser that asks for HTML.
pub async fn get(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    websocket: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Ok(websocket) = websocket {
        return super::websocket::upgrade(state, websocket, &headers, peer);
    }
    if state.graphiql && !query.contains_key("query") && wants_html(&headers) {
        return super::graphiql::page();
    }
    let Some(media) = ResponseMediaType::negotiate(&headers) else {
        return not_acceptable();
    };
    let params =
        match params_from_url(query).and_then(|sent| sent.resolve(&state.persisted_queries)) {
            Ok(params) => params,
            Err(error) => return refuse_params(media, error),
        };
    if selected_operation(&params).is_some_and(|operation| operation.ty == OperationType::Mutation)
    {
        let mut response = refuse(
            media,
            Refusal {
                status: StatusCode::METHOD_NOT_ALLOWED,
                message: "mutations are not allowed over GET; send them with POST".to_owned(),
            },
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let caller = match caller(&state, &headers, peer, media).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let outcome = execute(&state, params, &caller).await;
    reply(media, outcome.status(media), outcome.body)
}

pub(super) fn params_from_json(value: Value) -> Result<SentParams, ParamsError> {
    let Value::Object(mut object) = value else {
        return Err(Refusal::bad_request(
            "the request body must be a JSON object with a `query` string",
        )
        .into());
    };
    let query = match object.remove("query") {
        None | Some(Value::Null) => None,
        Some(Value::String(query)) => Some(query),
        Some(_) => return Err(Refusal::bad_request("`query` must be a string").into()),
    };
    let operation_name = match object.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name),
        Some(_) => {
            return Err(Refusal::bad_request("`operationName` must be a string or null").into());
        }
    };
    let variables = match object.remove("variables") {
        None | Some(Value::Null) => None,
        Some(Value::Object(variables)) => Some(variables),
        Some(_) => {
            return Err(Refusal::bad_request("`variables` must be an object or null").into());
        }
    };
    let persisted_hash = match object.remove("extensions") {
        None | Some(Value::Null) => None,
        Some(Value::Object(extensions)) => requested_hash(Some(&extensions))?,
        Some(_) => {
            return Err(Refusal::bad_request("`extensions` must be an object or null").into());
        }
    };
    Ok(SentParams {
        query,
        operation_name,
        variables,
        persisted_hash,
    })
}

fn params_from_url(mut query: HashMap<String, String>) -> Result<SentParams, ParamsError> {
    let text = query.remove("query");
    let variables = match query
        .remove("variables")
        .as_deref()
        .map(serde_json::from_str::<Value>)
    {
        None | Some(Ok(Value::Null)) => None,
        Some(Ok(Value::Object(variables))) => Some(variables),
        Some(_) => {
            return Err(
                Refusal::bad_request("`variables` must be a JSON object, URL-encoded").into(),
            );
        }
    };
    let persisted_hash = match query
        .remove("extensions")
        .as_deref()
        .map(serde_json::from_str::<Value>)
    {
        None | Some(Ok(Value::Null)) => None,
        Some(Ok(Value::Object(extensions))) => requested_hash(Some(&extensions))?,
        Some(_) => {
            return Err(
                Refusal::bad_request("`extensions` must be a JSON object, URL-encoded").into(),
            );
        }
    };
    if text.is_none() && persisted_hash.is_none() {
        return Err(Refusal::bad_request("the request has no `query` parameter").into());
    }
    Ok(SentParams {
        query: text,
        operation_name: query
            .remove("operationName")
            .filter(|name| !name.is_empty()),
        variables,
        persisted_hash,
    })
}

/// The operation a request would run, when its document parses and names one.
pub(super) fn selected_operation(params: &GraphqlParams) -> Option<OperationDefinition> {
    let document = parse_query(&params.query).ok()?;
    match (document.operations, params.operation_name.as_deref()) {
        (DocumentOperations::Single(operation), _) => Some(operation.node),
        (DocumentOperations::Multiple(mut operations), Some(name)) => {
            operations.remove(name).map(|operation| operation.node)
        }
        // The parser keeps every named operation in `Multiple`, even a lone one, which a
        // request need not name.
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .into_values()
            .next()
            .map(|operation| operation.node),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// A required variable (non-null, no default) the request does not provide. The
/// specification makes this a request error; async-graphql only notices it while
/// resolving, so it is checked here, before anything runs.
pub(super) fn missing_required_variable(params: &GraphqlParams) -> Option<String> {
    let operation = selected_operation(params)?;
    operation
        .variable_definitions
        .iter()
        .find_map(|definition| {
            let definition = &definition.node;
            let name = definition.name.node.as_str();
            let provided = params
                .variables
                .as_ref()
                .and_then(|variables| variables.get(name))
                .is_some_and(|value| !value.is_null());
            let required = !definition.var_type.node.nullable && definition.default_value.is_none();
            (required && !provided).then(|| {
                format!(
                    "variable ${name} of type {} is required but was not provided",
                    definition.var_type.node
                )
            })
        })
}

/// What running one request produced.
struct Outcome {
    /// The request never ran: it failed to parse or validate.
    request_error: bool,
    body: Value,
}

impl Outcome {
    /// A request error is a 400 for `application/graphql-response+json`; the legacy type
    /// answers every well-formed request with 200.
    fn status(&self, media: ResponseMediaType) -> StatusCode {
        if self.request_error && media == ResponseMediaType::GraphqlResponseJson {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        }
    }
}

async fn execute(state: &AppState, params: GraphqlParams, caller: &Caller) -> Outcome {
    execute_with_uploads(state, params, caller, Vec::new()).await
}

async fn execute_with_uploads(
    state: &AppState,
    params: GraphqlParams,
    caller: &Caller,
    uploads: Vec<(String, async_graphql::UploadValue)>,
) -> Outcome {
    let started = std::time::Instant::now();
    let name = params.operation_name.clone();
    if let Some(message) = missing_required_variable(&params) {
        crate::metrics::record_operation(name.as_deref(), "request_error", started);
        let error = ErrorCode::BadUserInput.error_json(&message);
        return Outcome {
            request_error: true,
            body: json!({ "errors": [error] }),
        };
    }
    let (loaders, loads) = Loaders::local(state.store.clone());
    let mut request = params
        .into_request()
        .data(loaders)
        .data(RequestLanguage(caller.language))
        .data(caller.viewer.clone())
        .data(caller.address);
    for (path, upload) in uploads {
        request.set_upload(&path, upload);
    }
    // Inside the request's span, so its lines carry the request id too.
    let span = tracing::info_span!("graphql", operation = name.as_deref().unwrap_or_default());
    // The statements the operation runs, its batch loads included (they run in this task).
    let tally = StatementTally::new();
    let execution = loads.run_beside(state.schema.execute(request));
    let response = tally.clone().scope(execution).instrument(span).await;
    crate::metrics::record_statements(name.as_deref(), tally.count());
    let request_error = request_error_of(&response);
    let outcome = match (request_error, response.errors.is_empty()) {
        (true, _) => "request_error",
        (false, true) => "ok",
        (false, false) => "error",
    };
    crate::metrics::record_operation(name.as_deref(), outcome, started);
    Outcome {
        request_error,
        body: response_json(response, !request_error),
    }
}

/// A GraphQL response as JSON, in the executor's field order: `data` (left out for a
/// request error, which never ran), `errors` with their codes, and `extensions`. Over HTTP
/// and in WebSocket `next` messages alike.
pub(super) fn response_json(response: async_graphql::Response, with_data: bool) -> Value {
    let mut body = Map::new();
    if with_data {
        body.insert(
            "data".to_owned(),
            serde_json::to_value(&response.data).unwrap_or(Value::Null),
        );
    }
    if !response.errors.is_empty() {
        let errors = response.errors.into_iter().map(error_json).collect();
        body.insert("errors".to_owned(), Value::Array(errors));
    }
    if !response.extensions.is_empty()
        && let Ok(extensions) = serde_json::to_value(&response.extensions)
    {
        body.insert("extensions".to_owned(), extensions);
    }
    Value::Object(body)
}

/// Whether a response reports a request error: the operation never ran. Errors raised
/// before execution (syntax, validation, limits) carry no path; a resolver's always does.
pub(super) fn request_error_of(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// Every error leaves with a code: ours set it; async-graphql's own (syntax, validation,
/// argument coercion) are all about what the client sent.
pub(super) fn error_json(mut error: ServerError) -> Value {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", ErrorCode::BadUserInput.as_str());
    }
    serde_json::to_value(&error).unwrap_or_else(|_| json!({ "message": "internal error" }))
}

fn request_language(headers: &HeaderMap) -> Language {
    headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(Language::negotiate)
        .unwrap_or_default()
}

fn reply(media: ResponseMediaType, status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(media.content_type()));
    headers.insert(VARY, HeaderValue::from_static("Accept, Accept-Language"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn refuse(media: ResponseMediaType, refusal: Refusal) -> Response {
    let body = json!({
        "errors": [ErrorCode::BadUserInput.error_json(&refusal.message)]
    });
    reply(media, refusal.status, body)
}

/// Parameters that cannot run: a malformed request, or a persisted query the server cannot
/// serve, which is a request error like any other (400 for
/// `application/graphql-response+json`, 200 for the legacy type).
fn refuse_params(media: ResponseMediaType, error: ParamsError) -> Response {
    match error {
        ParamsError::Refused(refusal) => refuse(media, refusal),
        ParamsError::Persisted(_) => {
            let status = if media == ResponseMediaType::GraphqlResponseJson {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            reply(media, status, json!({ "errors": [error.error_json()] }))
        }
    }
}

fn unauthorized(media: ResponseMediaType, message: &str) -> Response {
    let body = json!({
        "errors": [ErrorCode::Unauthenticated.error_json(message)]
    });
    let mut response = reply(media, StatusCode::UNAUTHORIZED, body);
    response.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

fn internal(media: ResponseMediaType) -> Response {
    let body = json!({
        "errors": [ErrorCode::Internal.error_json("internal error")]
    });
    reply(media, StatusCode::INTERNAL_SERVER_ERROR, body)
}

fn not_acceptable() -> Response {
    refuse(
        ResponseMediaType::Json,
        Refusal {
            status: StatusCode::NOT_ACCEPTABLE,
            message: "accept application/graphql-response+json or application/json".to_owned(),
        },
    )
}
