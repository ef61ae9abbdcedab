//! The digest that recognises an identical retry of an accepted upload: SHA-256
//! over a domain-separation label, the certificate (`verificationPayload`) and the certificate's
//! HMAC key (`hmacKey`). The HMAC key is a random secret of the phone's, so the digest reveals
//! neither, and it can only match an upload that carried both exactly. The certificate's `tekmac`
//! binds it to the keys, so equal digests mean the same certificate for the same keys.

use sha2::{Digest as _, Sha256};

const LABEL: &[u8] = b"en-keyserver upload digest v1\0";

/// The digest of an upload's certificate and HMAC key.
pub fn upload_digest(verification_payload: &str, hmac_key: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(LABEL);
    hash.update((verification_payload.len() as u64).to_be_bytes());
    hash.update(verification_payload.as_bytes());
    hash.update(hmac_key.as_bytes());
    hash.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_differ_when_anything_differs_and_never_by_moving_the_boundary() {
        let a = upload_digest("cert", "key");
        assert_eq!(a, upload_digest("cert", "key"));
        assert_ne!(a, upload_digest("cert", "kez"));
        assert_ne!(a, upload_digest("cerd", "key"));
        assert_ne!(upload_digest("ab", "c"), upload_digest("a", "bc"));
    }
}
