//! How many sockets may be open: in all, and from one client address. Counted when the
//! upgrade is answered, so a refused client costs no socket; released when the
//! connection ends (or the upgrade never completes).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// The open connections, against their limits.
#[derive(Debug)]
pub struct Admission {
    max_total: usize,
    max_per_client: usize,
    open: Mutex<OpenConnections>,
}

#[derive(Debug, Default)]
struct OpenConnections {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The instance holds as many connections as it may.
    Full,
    /// This client address holds as many as it may.
    TooManyFromClient,
}

/// One admitted connection; dropping it frees its place.
#[derive(Debug)]
pub(super) struct Admitted {
    admission: Arc<Admission>,
    client: IpAddr,
}

impl Admission {
    /// Limits of `max_total` connections, `max_per_client` from one address.
    pub fn new(max_total: usize, max_per_client: usize) -> Self {
        Self {
            max_total,
            max_per_client,
            open: Mutex::default(),
        }
    }

    /// Takes a place for a connection from `client`, if there is one.
    pub(super) fn admit(self: &Arc<Self>, client: IpAddr) -> Result<Admitted, Refusal> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.total >= self.max_total {
            return Err(Refusal::Full);
        }
        let from_client = open.per_client.entry(client).or_default();
        if *from_client >= self.max_per_client {
            return Err(Refusal::TooManyFromClient);
        }
        *from_client += 1;
        open.total += 1;
        Ok(Admitted {
            admission: self.clone(),
            client,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self
            .admission
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(count) = open.per_client.get_mut(&self.client) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.per_client.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_all_and_per_client_and_frees_on_drop() {
        let admission = Arc::new(Admission::new(3, 2));
        let a = IpAddr::from([10, 0, 0, 1]);
        let b = IpAddr::from([10, 0, 0, 2]);
        let first = admission.admit(a);
        let second = admission.admit(a);
        assert!(first.is_ok() && second.is_ok());
        assert_eq!(admission.admit(a).err(), Some(Refusal::TooManyFromClient));
        let third = admission.admit(b);
        assert!(third.is_ok());
        assert_eq!(admission.admit(b).err(), Some(Refusal::Full));
        drop(first);
        assert!(admission.admit(a).is_ok());
        drop((second, third));
        let open = admission
            .open
            .lock()
            .map(|open| (open.total, open.per_client.len()));
        assert_eq!(open.ok(), Some((0, 0)));
    }
}
