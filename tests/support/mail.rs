//! Reading the `.eml` files the server writes.

use std::path::Path;

use base64::Engine;

/// Every message in `folder`, oldest first.
pub fn all(folder: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut mails: Vec<(std::time::SystemTime, String)> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "eml"))
        .filter_map(|entry| {
            let modified = entry.metadata().ok()?.modified().ok()?;
            Some((modified, std::fs::read_to_string(entry.path()).ok()?))
        })
        .collect();
    mails.sort_by_key(|(modified, _)| *modified);
    mails.into_iter().map(|(_, text)| text).collect()
}

/// The newest message to `address` whose subject contains `subject`.
pub fn latest(folder: &Path, address: &str, subject: &str) -> Option<String> {
    all(folder).into_iter().rev().find(|mail| {
        header(mail, "To").is_some_and(|to| to.contains(address))
            && header(mail, "Subject").is_some_and(|s| s.contains(subject))
    })
}

/// The value of a header of a message (first occurrence, unfolded).
pub fn header<'a>(mail: &'a str, name: &str) -> Option<&'a str> {
    mail.lines()
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
}

/// The plain-text part of a message (the whole body when it is not multipart), decoded.
pub fn body(mail: &str) -> String {
    part(mail, "text/plain").unwrap_or_else(|| decode_part(mail, None))
}

/// The HTML part of a message, decoded.
pub fn html(mail: &str) -> Option<String> {
    part(mail, "text/html")
}

/// A part of a multipart message by its content type (e.g. `text/calendar`), decoded.
pub fn part(mail: &str, content_type: &str) -> Option<String> {
    let boundary = mail
        .split("boundary=")
        .nth(1)?
        .trim_start_matches('"')
        .split(['"', '\r', '\n', ';'])
        .next()?
        .to_owned();
    let at = mail.find(&format!("Content-Type: {content_type}"))?;
    Some(decode_part(&mail[at..], Some(&boundary)))
}

/// Decodes a part starting at its headers, up to the next MIME boundary.
fn decode_part(mail: &str, boundary: Option<&str>) -> String {
    let end = boundary
        .and_then(|boundary| mail.find(&format!("--{boundary}")))
        .unwrap_or(mail.len());
    let mail = &mail[..end];
    let separator = mail
        .find("\r\n\r\n")
        .map(|at| at + 4)
        .or_else(|| mail.find("\n\n").map(|at| at + 2));
    let raw = separator.map_or("", |at| &mail[at..]);
    match header(mail, "Content-Transfer-Encoding")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("base64") => {
            let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("base64 body");
            String::from_utf8(bytes).expect("UTF-8 body")
        }
        Some("quoted-printable") => decode_quoted_printable(raw),
        _ => raw.to_owned(),
    }
}

fn decode_quoted_printable(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let escaped = (bytes[at] == b'=')
            .then(|| bytes.get(at + 1..at + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(byte) = escaped {
            out.push(byte);
            at += 3;
            continue;
        }
        out.push(bytes[at]);
        at += 1;
    }
    String::from_utf8(out).expect("UTF-8 body")
}

/// The token a mail carries: the `token=` parameter of its link.
pub fn token(mail: &str) -> String {
    let mail = body(mail);
    let start = mail
        .find("token=")
        .expect("the mail carries a link with a token")
        + "token=".len();
    mail[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}
