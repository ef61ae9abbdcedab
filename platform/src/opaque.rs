//! A field that `#[derive(Debug)]` shows as `..`, for clients that have no debug form (Kafka
//! consumers and producers), so the structs holding them can derive `Debug` instead of writing it
//! out field by field.

use std::fmt;
use std::ops::Deref;

/// `T`, shown as `..` by `Debug`; everything else goes through to `T` (`Deref`).
#[derive(Clone)]
pub struct Opaque<T>(pub T);

impl<T> fmt::Debug for Opaque<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("..")
    }
}

impl<T> Deref for Opaque<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    #[allow(dead_code)] // read only by Debug
    struct Holder {
        topic: &'static str,
        client: Opaque<Vec<u8>>,
    }

    #[test]
    fn shows_the_other_fields_and_hides_the_client() {
        let holder = Holder {
            topic: "en.config",
            client: Opaque(vec![1, 2, 3]),
        };
        assert_eq!(
            format!("{holder:?}"),
            r#"Holder { topic: "en.config", client: .. }"#
        );
        assert_eq!(holder.client.len(), 3);
    }
}
