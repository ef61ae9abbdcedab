//! The TEK HMAC that binds a verification certificate to the uploaded keys.
//!
//! The device computes `HMAC-SHA256(secret, cleartext)` where the cleartext lists the keys as
//! sent, sorted by their key *string* (byte-wise), each as `key.rsn.rp.tr`, joined by `,`. The
//! reference also accepts the older `key.rsn.rp` form, but only when every transmission risk is
//! 0. The reference sorts the request's key list in place, so later `key N` messages use the
//! sorted order once verification reached this step: [`sort_keys`] lets callers do the same.
//!
//! Ties (identical key strings) keep their original order here; the reference's unstable sort
//! leaves that order unspecified.

use ::hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::types::RawKey;

type HmacSha256 = Hmac<Sha256>;

/// Why the HMAC check failed. Displays the reference texts (callers add their prefixes such as
/// `calculating expected HMAC: `).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HmacError {
    /// No keys at all.
    #[error("cannot calculate hmac on empty exposure keys")]
    EmptyKeys,
    /// Neither accepted form matches the certificate's `tekmac`. (The typo is the reference's.)
    #[error("HMAC mismatch, publish request does not match disgnosis verification certificate")]
    Mismatch,
}

/// The cleartexts a certificate may have signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalForms {
    /// `key.rsn.rp.tr` form, always allowed.
    pub with_risk: String,
    /// `key.rsn.rp` form, allowed only when every transmission risk is 0.
    pub without_risk: Option<String>,
}

/// Sort keys by key string, byte-wise, as the reference does before hashing. Stable.
pub fn sort_keys(keys: &mut [RawKey]) {
    keys.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
}

/// Build both canonical cleartexts (on a sorted view; `keys` itself is not reordered).
pub fn canonical_forms(keys: &[RawKey]) -> Result<CanonicalForms, HmacError> {
    if keys.is_empty() {
        return Err(HmacError::EmptyKeys);
    }
    let mut sorted: Vec<&RawKey> = keys.iter().collect();
    sorted.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));

    let with_risk = join(&sorted, |k| {
        format!(
            "{}.{}.{}.{}",
            k.key, k.rolling_start_number, k.rolling_period, k.transmission_risk
        )
    });
    let without_risk = sorted.iter().all(|k| k.transmission_risk == 0).then(|| {
        join(&sorted, |k| {
            format!("{}.{}.{}", k.key, k.rolling_start_number, k.rolling_period)
        })
    });
    Ok(CanonicalForms {
        with_risk,
        without_risk,
    })
}

/// HMAC-SHA256 of the `key.rsn.rp.tr` form: what a device puts into `tekmac` (used by tests and
/// tools that mint certificates).
pub fn compute(secret: &[u8], keys: &[RawKey]) -> Result<[u8; 32], HmacError> {
    let forms = canonical_forms(keys)?;
    let mut mac = new_mac(secret)?;
    mac.update(forms.with_risk.as_bytes());
    Ok(mac.finalize().into_bytes().into())
}

/// Check `claimed_mac` (decoded `tekmac`) against every allowed form, in constant time per form.
///
/// The cleartext is streamed into the MAC key by key (no joined string is built), and the
/// 3-field form is only tried when the 4-field form did not match and every risk is 0: this is
/// on the publish hot path.
pub fn verify(secret: &[u8], claimed_mac: &[u8], keys: &[RawKey]) -> Result<(), HmacError> {
    if keys.is_empty() {
        return Err(HmacError::EmptyKeys);
    }
    let mut sorted: Vec<&RawKey> = keys.iter().collect();
    sorted.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
    let base = new_mac(secret)?;
    let mut buffer = String::with_capacity(64);
    let mut mac = base.clone();
    feed(&mut mac, &sorted, true, &mut buffer);
    if mac.verify_slice(claimed_mac).is_ok() {
        return Ok(());
    }
    if sorted.iter().all(|k| k.transmission_risk == 0) {
        let mut mac = base;
        feed(&mut mac, &sorted, false, &mut buffer);
        if mac.verify_slice(claimed_mac).is_ok() {
            return Ok(());
        }
    }
    Err(HmacError::Mismatch)
}

/// Feeds the canonical cleartext of `sorted` into `mac`, the same bytes [`canonical_forms`]
/// joins.
fn feed(mac: &mut HmacSha256, sorted: &[&RawKey], with_risk: bool, buffer: &mut String) {
    use std::fmt::Write as _;
    for (i, k) in sorted.iter().enumerate() {
        buffer.clear();
        if i > 0 {
            buffer.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(
            buffer,
            "{}.{}.{}",
            k.key, k.rolling_start_number, k.rolling_period
        );
        if with_risk {
            let _ = write!(buffer, ".{}", k.transmission_risk);
        }
        mac.update(buffer.as_bytes());
    }
}

fn new_mac(secret: &[u8]) -> Result<HmacSha256, HmacError> {
    // HMAC accepts keys of any length, so this cannot fail; failing closed keeps the path
    // panic-free anyway.
    HmacSha256::new_from_slice(secret).map_err(|_| HmacError::Mismatch)
}

fn join(keys: &[&RawKey], segment: impl Fn(&RawKey) -> String) -> String {
    keys.iter()
        .map(|k| segment(k))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn raw(key: &str, rsn: i32, rp: i32, tr: i64) -> RawKey {
        RawKey {
            key: key.to_owned(),
            rolling_start_number: rsn,
            rolling_period: rp,
            transmission_risk: tr,
        }
    }

    /// Conformance D19: the literal strings, sent in this order.
    fn d19_keys() -> Vec<RawKey> {
        vec![
            raw("IRgYIhYiy4WMl9z68bMk6w==", 2_650_032, 144, 4),
            raw("dPCphLzfG4uzXneNimkPRQ====", 2_650_176, 144, 4),
            raw("5AUyPfJKcg5cr3OgKdR8Sw==", 2_650_320, 144, 4),
        ]
    }

    /// Conformance case D19.
    #[test]
    fn cleartext_uses_literal_strings_in_sorted_order() {
        let forms = canonical_forms(&d19_keys()).unwrap();
        assert_eq!(
            forms.with_risk,
            "5AUyPfJKcg5cr3OgKdR8Sw==.2650320.144.4,\
             IRgYIhYiy4WMl9z68bMk6w==.2650032.144.4,\
             dPCphLzfG4uzXneNimkPRQ====.2650176.144.4"
        );
        assert_eq!(forms.without_risk, None);

        let secret = b"device-generated-secret";
        let mac = compute(secret, &d19_keys()).unwrap();
        assert_eq!(verify(secret, &mac, &d19_keys()), Ok(()));

        let mut keys = d19_keys();
        sort_keys(&mut keys);
        let order: Vec<&str> = keys.iter().map(|k| &k.key[..4]).collect();
        assert_eq!(order, ["5AUy", "IRgY", "dPCp"]);
    }

    /// Conformance case D19.
    #[test]
    fn known_answer() {
        // Independently computed HMAC-SHA256 (secret "d19") over the D19 cleartext.
        let mac = compute(b"d19", &d19_keys()).unwrap();
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, D19_KNOWN_HMAC_HEX);
    }

    /// `printf '%s' "<cleartext>" | openssl dgst -sha256 -hmac d19`
    const D19_KNOWN_HMAC_HEX: &str =
        "7de8626956a33e80aff4ec9334330bf9fa48ba53a0df0714cf1e80da8bec6aa5";

    #[test]
    fn short_form_only_when_all_risks_zero() {
        let keys = vec![raw("b", 1, 144, 0), raw("a", 2, 144, 0)];
        let forms = canonical_forms(&keys).unwrap();
        assert_eq!(forms.with_risk, "a.2.144.0,b.1.144.0");
        assert_eq!(forms.without_risk.as_deref(), Some("a.2.144,b.1.144"));

        let mut short = HmacSha256::new_from_slice(b"s").unwrap();
        short.update(b"a.2.144,b.1.144");
        let short = short.finalize().into_bytes();
        assert_eq!(verify(b"s", &short, &keys), Ok(()));

        // Conformance D17's counterpart: one non-zero TR disables the short form.
        let keys = vec![raw("b", 1, 144, 1), raw("a", 2, 144, 0)];
        let mut short = HmacSha256::new_from_slice(b"s").unwrap();
        short.update(b"a.2.144,b.1.144");
        let short = short.finalize().into_bytes();
        assert_eq!(verify(b"s", &short, &keys), Err(HmacError::Mismatch));
    }

    #[test]
    fn empty_and_mismatch_texts() {
        assert_eq!(
            verify(b"s", b"", &[]).unwrap_err().to_string(),
            "cannot calculate hmac on empty exposure keys"
        );
        let mac = compute(b"s", &d19_keys()).unwrap();
        let mut tampered = b"iruinedit".to_vec();
        tampered.extend_from_slice(&mac);
        assert_eq!(
            verify(b"s", &tampered, &d19_keys())
                .unwrap_err()
                .to_string(),
            "HMAC mismatch, publish request does not match disgnosis verification certificate"
        );
        assert_eq!(
            verify(b"other", &mac, &d19_keys()),
            Err(HmacError::Mismatch)
        );
    }

    #[test]
    fn empty_secret_is_allowed() {
        let mac = compute(b"", &d19_keys()).unwrap();
        assert_eq!(verify(b"", &mac, &d19_keys()), Ok(()));
    }

    proptest! {
        #[test]
        fn order_of_input_does_not_matter(
            keys in proptest::collection::vec(("[A-Za-z0-9+/=]{1,8}", any::<i32>(), any::<i32>(), -2i64..10), 1..8),
            rotate in 0usize..8,
        ) {
            let keys: Vec<RawKey> = keys.into_iter().map(|(k, s, p, t)| raw(&k, s, p, t)).collect();
            let mac = compute(b"k", &keys).unwrap();
            let mut rotated = keys.clone();
            let n = rotated.len();
            rotated.rotate_left(rotate % n);
            // Ties between identical strings may reorder metadata; only compare when unique.
            let mut names: Vec<&String> = keys.iter().map(|k| &k.key).collect();
            names.sort();
            names.dedup();
            if names.len() == keys.len() {
                prop_assert_eq!(verify(b"k", &mac, &rotated), Ok(()));
            }
            let mut sorted = keys.clone();
            sort_keys(&mut sorted);
            prop_assert!(sorted.windows(2).all(|w| w[0].key.as_bytes() <= w[1].key.as_bytes()));
        }
    }
}
