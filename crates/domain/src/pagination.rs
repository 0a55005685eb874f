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

/// A validated request for one page of a list ordered by key, read forward (`first`
/// items after `after`) or backward (the `last` items before `before`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageWindow {
    /// The first `size` items whose key comes after `after`.
    Forward {
        /// How many items.
        size: u32,
        /// The key of the last item already seen, exclusive.
        after: Option<i32>,
    },
    /// The last `size` items whose key comes before `before`.
    Backward {
        /// How many items.
        size: u32,
        /// The key of the first item already seen, exclusive.
        before: Option<i32>,
    },
}

impl PageWindow {
    /// Checks Relay's arguments: `first`/`after` or `last`/`before`, not both directions.
    pub fn new(
        first: Option<i32>,
        after: Option<i32>,
        last: Option<i32>,
        before: Option<i32>,
        limits: PageLimits,
    ) -> Result<Self, InvalidInput> {
        if last.is_none() && before.is_none() {
            let page = PageRequest::new(first, after, limits)?;
            return Ok(PageWindow::Forward {
                size: page.size,
                after: page.after,
            });
        }
        if first.is_some() || after.is_some() {
            return Err(InvalidInput::new(
                "last",
                "page forward (first, after) or backward (last, before), not both at once",
            ));
        }
        let page = PageRequest::new(last, before, limits).map_err(|error| InvalidInput {
            field: "last",
            ..error
        })?;
        Ok(PageWindow::Backward {
            size: page.size,
            before: page.after,
        })
    }
}

/// One page of a list read forward or backward, in key order.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowPage<T> {
    /// The items, in key order.
    pub items: Vec<T>,
    /// Whether items follow the last one (known when reading forward; after `before`
    /// when reading backward).
    pub has_next_page: bool,
    /// Whether items precede the first one (known when reading backward; after `after`
    /// when reading forward).
    pub has_previous_page: bool,
    /// How many items the whole list holds, all pages together.
    pub total_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_go_one_way() {
        let limits = PageLimits::default();
        assert_eq!(
            PageWindow::new(None, None, Some(5), Some(9), limits).unwrap(),
            PageWindow::Backward {
                size: 5,
                before: Some(9)
            }
        );
        assert_eq!(
            PageWindow::new(Some(3), None, None, None, limits).unwrap(),
            PageWindow::Forward {
                size: 3,
                after: None
            }
        );
        assert!(PageWindow::new(Some(3), None, Some(3), None, limits).is_err());
        assert_eq!(
            PageWindow::new(None, None, Some(101), None, limits)
                .unwrap_err()
                .field,
            "last"
        );
    }

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
