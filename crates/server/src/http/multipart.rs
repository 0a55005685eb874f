//! The GraphQL multipart request specification: an `operations` part (the JSON request),
//! a `map` part (which file goes to which variable), then the files. Each file is streamed
//! to an anonymous temporary file (never held in memory, gone when closed), up to the
//! configured size.

use std::collections::HashMap;

use async_graphql::UploadValue;
use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use super::UploadLimits;
use super::graphql::Refusal;

/// A multipart request, read: the operation as JSON and each file with the variable paths
/// (`variables.file`, `variables.input.files.0`) it fills.
pub(super) struct MultipartRequest {
    /// The `operations` part.
    pub(super) operations: Value,
    /// `(path, file)`, one per path of the `map`.
    pub(super) files: Vec<(String, UploadValue)>,
}

/// Whether the request is `multipart/form-data`.
pub(super) fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// Reads the whole request. `max_json_bytes` bounds `operations` and `map`.
pub(super) async fn read(
    headers: &HeaderMap,
    body: Body,
    limits: &UploadLimits,
    max_json_bytes: usize,
) -> Result<MultipartRequest, Refusal> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| Refusal::bad_request("the multipart request has no boundary"))?;
    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    let mut operations = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut files: HashMap<String, UploadValue> = HashMap::new();
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "operations" => operations = Some(read_json(field, max_json_bytes).await?),
            "map" => {
                let value = read_json(field, max_json_bytes).await?;
                map = Some(serde_json::from_value(value).map_err(|_| {
                    Refusal::bad_request(
                        "`map` must be a JSON object of part names to arrays of variable paths",
                    )
                })?);
            }
            _ => {
                // The specification puts `operations` and `map` first, so that a file the
                // map does not name is refused before it is read.
                let Some(map) = &map else {
                    return Err(Refusal::bad_request(
                        "send the `operations` and `map` parts before the files",
                    ));
                };
                if !map.contains_key(&name) {
                    return Err(Refusal::bad_request(format!(
                        "the part `{name}` is not named in `map`"
                    )));
                }
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let content_type = field.content_type().map(ToString::to_string);
                let content = spool(field, limits).await?;
                files.insert(
                    name,
                    UploadValue {
                        filename: file_name,
                        content_type,
                        content,
                    },
                );
            }
        }
    }
    let operations =
        operations.ok_or_else(|| Refusal::bad_request("the request has no `operations` part"))?;
    let map = map.ok_or_else(|| Refusal::bad_request("the request has no `map` part"))?;
    let mut located = Vec::new();
    for (part, paths) in map {
        let Some(file) = files.remove(&part) else {
            return Err(Refusal::bad_request(format!(
                "`map` names the part `{part}`, which the request does not have"
            )));
        };
        for path in paths {
            let copy = file.try_clone().map_err(|_| Refusal {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: "internal error".to_owned(),
            })?;
            located.push((path, copy));
        }
    }
    Ok(MultipartRequest {
        operations,
        files: located,
    })
}

fn malformed(_: multer::Error) -> Refusal {
    Refusal::bad_request("the multipart body is malformed or was cut short")
}

async fn read_json(mut field: multer::Field<'_>, max_bytes: usize) -> Result<Value, Refusal> {
    let name = field.name().unwrap_or_default().to_owned();
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        if bytes.len() + chunk.len() > max_bytes {
            return Err(Refusal {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: format!("the `{name}` part is larger than {max_bytes} bytes"),
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&bytes)
        .map_err(|_| Refusal::bad_request(format!("the `{name}` part is not valid JSON")))
}

/// Streams a file part to an anonymous temporary file in the spool folder.
async fn spool(
    mut field: multer::Field<'_>,
    limits: &UploadLimits,
) -> Result<std::fs::File, Refusal> {
    let internal = |error: std::io::Error| {
        tracing::error!(%error, "could not spool an upload");
        Refusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "internal error".to_owned(),
        }
    };
    tokio::fs::create_dir_all(&limits.spool_dir)
        .await
        .map_err(internal)?;
    let dir = limits.spool_dir.clone();
    let file = tokio::task::spawn_blocking(move || tempfile::tempfile_in(dir))
        .await
        .map_err(|error| internal(std::io::Error::other(error)))?
        .map_err(internal)?;
    let mut writer = tokio::fs::File::from_std(file);
    let mut size: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        size += chunk.len() as u64;
        if size > limits.max_file_bytes {
            return Err(Refusal {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: format!(
                    "file: the file is larger than the limit of {} bytes",
                    limits.max_file_bytes
                ),
            });
        }
        writer.write_all(&chunk).await.map_err(internal)?;
    }
    writer.flush().await.map_err(internal)?;
    Ok(writer.into_std().await)
}

/// Checks that each path names a variable the operation declares as `Upload` (or a list of
/// them, or an input holding one), and fills it with a placeholder the upload replaces, so
/// that a required `Upload!` counts as provided.
pub(super) fn check_paths(
    files: &[(String, UploadValue)],
    variables: &mut serde_json::Map<String, Value>,
    declared: &HashMap<String, String>,
) -> Result<(), Refusal> {
    for (path, _) in files {
        let mut segments = path.split('.');
        let (Some("variables"), Some(name)) = (segments.next(), segments.next()) else {
            return Err(Refusal::bad_request(format!(
                "`map` path `{path}` does not name a variable"
            )));
        };
        let Some(base_type) = declared.get(name) else {
            return Err(Refusal::bad_request(format!(
                "`map` path `{path}` names `${name}`, which the operation does not declare"
            )));
        };
        let nested = segments.next().is_some();
        if !nested {
            if base_type != "Upload" {
                return Err(Refusal::bad_request(format!(
                    "`map` path `{path}`: `${name}` is a {base_type}, not an Upload"
                )));
            }
            variables.insert(name.to_owned(), Value::String(String::new()));
        }
    }
    Ok(())
}
