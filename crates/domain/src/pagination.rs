//! Pages of long lists, read forward by key (Relay's `first`/`after`).

use crate::error::InvalidInput;

/// How large pages may be; configured once for the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimits {
    /// Page size when the client names none.
    pub default_size: u32,
    /// Largest page a client may ask for.
    pub max_size: u32,
}

impl Default for PageLimits {
    fn default() -> Self {
        Self {
            default_size: 20,
            max_size: 100,
        }
    }
}

/// A validated request for one page: at most `size` items whose key comes after `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// How many items to return.
    pub size: u32,
    /// The key of the last item already seen, exclusive.
    pub after: Option<i32>,
}

impl PageRequest {
    /// Checks the requested size against the limits.
    pub fn new(
        first: Option<i32>,
        after: Option<i32>,
        limits: PageLimits,
    ) -> Result<Self, InvalidInput> {
        let size = match first {
            None => limits.default_size,
            Some(first) if first < 0 => {
                return Err(InvalidInput::new("first", "must not be negative"));
            }
            Some(first) if first.unsigned_abs() > limits.max_size => {
                return Err(InvalidInput::new(
                    "first",
                    format!(
                        "pages hold at most {} items; ask for fewer and follow endCursor",
                        limits.max_size
                    ),
                ));
            }
            Some(first) => first.unsigned_abs(),
        };
        Ok(Self { size, after })
    }
}

/// One page of a longer list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, in key order.
    pub items: Vec<T>,
    /// Whether more items follow the last one.
    pub has_next_page: bool,
    /// How many items the whole list holds, all pages together.
    pub total_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_bounded() {
        let limits = PageLimits::default();
        assert_eq!(PageRequest::new(None, None, limits).unwrap().size, 20);
        assert_eq!(
            PageRequest::new(Some(100), Some(7), limits).unwrap().size,
            100
        );
        assert_eq!(PageRequest::new(Some(0), None, limits).unwrap().size, 0);
        assert!(
            PageRequest::new(Some(101), None, limits)
                .unwrap_err()
                .message
                .contains("at most 100")
        );
        assert!(PageRequest::new(Some(-1), None, limits).is_err());
    }
}
