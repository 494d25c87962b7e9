//! [`Items`]: the `items` array of a page, decoded, with a digest of its JSON text, so that a
//! pager can tell a page that repeats the one before it (a server that ignores the position
//! asked for) before any of its items is handed on.

use std::hash::{DefaultHasher, Hasher};

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// A page's `items`, as a field of the page's wire type: `items: Items<T>` reads the array's
/// text once (kept only long enough to digest it), then decodes the items from it.
///
/// An item of the wrong shape is a data error of the whole body (final, like any other field
/// of the wrong shape); a body cut inside the array is still seen as cut (worth a retry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Items<T> {
    /// The items, in the order received.
    pub items: Vec<T>,
    /// A 64-bit digest of the array's JSON text, as received: equal pages have equal digests
    /// (within one process).
    pub digest: u64,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Items<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Box::<RawValue>::deserialize(deserializer)?;
        let digest = digest(text.get());
        let items = serde_json::from_str(text.get()).map_err(D::Error::custom)?;
        Ok(Self { items, digest })
    }
}

/// Implements [`Paged`](crate::Paged) for a page type `$page<T>` that holds its `items: Vec<T>`,
/// the server's `total: Option<u64>` and the `digest: u64` of its items as received
/// ([`Items::digest`]): received is the items' number, and a page repeating the one before is
/// found by its digest. The offset and cursor pages of the API crates share it.
#[macro_export]
macro_rules! impl_paged_items {
    ($page:ident) => {
        impl<T> $crate::Paged for $page<T> {
            fn received(&self) -> u64 {
                self.items.len() as u64
            }

            fn total(&self) -> Option<u64> {
                self.total
            }

            fn items_digest(&self) -> Option<u64> {
                Some(self.digest)
            }
        }
    };
}

/// The digest of a page's items text.
fn digest(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(text.as_bytes());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Page {
        items: Items<u32>,
    }

    fn page(body: &str) -> Result<Page, serde_json::Error> {
        serde_json::from_str(body)
    }

    #[test]
    fn equal_arrays_have_equal_digests_and_other_arrays_others() {
        let a = page(r#"{"items": [1, 2, 3]}"#).expect("decodes");
        let b = page(r#"{"items": [1, 2, 3]}"#).expect("decodes");
        let c = page(r#"{"items": [4, 5, 6]}"#).expect("decodes");
        assert_eq!(a.items.items, [1, 2, 3]);
        assert_eq!(a.items.digest, b.items.digest);
        assert_ne!(a.items.digest, c.items.digest);
    }

    #[test]
    fn a_wrong_item_is_a_data_error_and_a_cut_array_an_eof() {
        let wrong = page(r#"{"items": [1, "two"]}"#).err().expect("refused");
        assert!(wrong.is_data(), "{wrong}");
        assert!(wrong.to_string().contains("invalid type"), "{wrong}");
        let cut = page(r#"{"items": [1, 2"#).err().expect("refused");
        assert!(cut.is_eof(), "{cut}");
    }
}
