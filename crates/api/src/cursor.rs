//! Keyed cursors: a list's name and a row's key, base64url-encoded. Every paged list
//! (members, invitations, the people directory) uses the same shape, so clients see one
//! kind of cursor and one error for a cursor from elsewhere.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;

/// The cursor of the row with `key` in the list called `list`.
pub(crate) fn encode(list: &str, key: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}:{key}"))
}

/// The key in a cursor of the list called `list`; `BAD_USER_INPUT` on `argument` for
/// anything else.
pub(crate) fn decode(raw: &str, list: &str, argument: &'static str) -> Result<i32, ApiError> {
    let invalid = || {
        ApiError::invalid(
            argument,
            format!("'{raw}' is not a cursor from this list; pass an endCursor the API returned"),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix(list)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|key| key.parse::<i32>().ok())
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_only_in_its_own_list() {
        let cursor = encode("member", 42);
        assert_eq!(decode(&cursor, "member", "after").ok(), Some(42));
        assert!(decode(&cursor, "invitation", "after").is_err());
        assert!(decode("not base64!", "member", "after").is_err());
        assert!(decode(&encode("memberx", 1), "member", "after").is_err());
    }
}
