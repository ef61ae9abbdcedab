//! Token round trip, tamper detection, app binding, rotation and size properties.

use super::*;
use proptest::prelude::*;

fn ring(ids: &[(&str, u8)]) -> KeyRing {
    let text: Vec<String> = ids
        .iter()
        .map(|(id, fill)| {
            format!(
                "{id}:{}",
                base64::engine::general_purpose::STANDARD.encode([*fill; 64])
            )
        })
        .collect();
    KeyRing::parse(&text.join("\n")).unwrap()
}

fn entry(n: u8) -> RevisableKey {
    RevisableKey {
        key_bytes: [n; 16],
        interval_number: 2_700_000 + i32::from(n),
        interval_count: 144,
    }
}

fn codec() -> TokenCodec {
    TokenCodec::new(ring(&[("k1", 1)]), 28)
}

#[test]
fn round_trip() {
    let c = codec();
    let entries = vec![entry(1), entry(2), entry(3)];
    let token = c.mint("com.example.app", &entries).unwrap();
    assert_eq!(
        c.open("com.example.app", &token),
        Opened::Valid(entries.clone())
    );
    // The app name binds case-insensitively (app names are case-insensitive).
    assert_eq!(c.open("COM.Example.App", &token), Opened::Valid(entries));
    // Standard base64 with padding on the wire.
    assert!(base64::engine::general_purpose::STANDARD
        .decode(&token)
        .is_ok());
}

#[test]
fn lenient_base64_on_input() {
    let c = codec();
    let token = c.mint("app", &[entry(7)]).unwrap();
    let url = token.replace('+', "-").replace('/', "_");
    let unpadded = token.trim_end_matches('=').to_owned();
    for form in [url, unpadded, format!("{token}==")] {
        assert_eq!(
            c.open("app", &form),
            Opened::Valid(vec![entry(7)]),
            "{form}"
        );
    }
}

#[test]
fn random_nonce_makes_tokens_differ() {
    let c = codec();
    assert_ne!(
        c.mint("app", &[entry(1)]).unwrap(),
        c.mint("app", &[entry(1)]).unwrap()
    );
}

#[test]
fn every_tampered_byte_is_detected() {
    let c = codec();
    let token = c.mint("app", &[entry(1), entry(2)]).unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&token)
        .unwrap();
    for i in 0..raw.len() {
        let mut bad = raw.clone();
        bad[i] ^= 0x01;
        let bad = base64::engine::general_purpose::STANDARD.encode(bad);
        assert_eq!(c.open("app", &bad), Opened::Invalid, "byte {i}");
    }
    let truncated = base64::engine::general_purpose::STANDARD.encode(&raw[..raw.len() - 1]);
    assert_eq!(c.open("app", &truncated), Opened::Invalid);
}

#[test]
fn another_app_cannot_use_the_token() {
    let c = codec();
    let token = c.mint("com.example.app", &[entry(1)]).unwrap();
    assert_eq!(c.open("com.example.other", &token), Opened::Invalid);
    assert_eq!(
        c.open("com.example.other", &token).into_state(),
        TokenState::DecryptFailed
    );
}

#[test]
fn garbage_and_not_base64() {
    let c = codec();
    assert_eq!(c.open("app", "!!!"), Opened::NotBase64);
    assert_eq!(c.open("app", "!!!").into_state(), TokenState::Absent);
    assert_eq!(c.open("app", ""), Opened::Invalid);
    assert_eq!(c.open("app", "AAAA"), Opened::Invalid);
    assert_eq!(
        c.open("app", "c29tZSByYW5kb20gZGF0YSBmcm9tIHRoZSBwaG9uZQ=="),
        Opened::Invalid
    );
}

#[test]
fn rotation_newest_encrypts_all_decrypt() {
    let old = TokenCodec::new(ring(&[("k1", 1)]), 28);
    let old_token = old.mint("app", &[entry(1)]).unwrap();
    let rotated = TokenCodec::new(ring(&[("k1", 1), ("k2", 2)]), 28);
    assert_eq!(
        rotated.open("app", &old_token),
        Opened::Valid(vec![entry(1)])
    );
    let new_token = rotated.mint("app", &[entry(2)]).unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&new_token)
        .unwrap();
    assert_eq!(&raw[2..4], b"k2");
    // Old key dropped: its tokens are no longer valid.
    let retired = TokenCodec::new(ring(&[("k2", 2)]), 28);
    assert_eq!(retired.open("app", &old_token), Opened::Invalid);
    assert_eq!(
        retired.open("app", &new_token),
        Opened::Valid(vec![entry(2)])
    );
    // Same id, different material: invalid.
    let replaced = TokenCodec::new(ring(&[("k1", 9)]), 28);
    assert_eq!(replaced.open("app", &old_token), Opened::Invalid);
}

#[test]
fn constant_size_up_to_the_minimum_then_blocks() {
    let c = codec();
    let len = |n: u8| {
        c.mint("app", &(0..n).map(entry).collect::<Vec<_>>())
            .unwrap()
            .len()
    };
    let base = len(0);
    for n in 1..=28 {
        assert_eq!(len(n), base, "{n} entries");
    }
    assert!(len(29) > base);
    assert_eq!(len(29), len(32));
    assert!(len(33) > len(32));
    assert_eq!(padded_len(0, 0), 1);
    assert_eq!(padded_len(5, 0), 8);
    assert_eq!(padded_len(28, 28), 28);
    assert_eq!(padded_len(29, 28), 32);
}

#[test]
fn no_key_no_token() {
    // A ring always has a key; an empty list is refused at startup.
    assert!(KeyRing::parse("").is_err());
}

proptest! {
    #[test]
    fn any_entries_round_trip(
        entries in proptest::collection::vec((any::<[u8; 16]>(), any::<i32>(), 1i32..=144), 0..80),
        app in "[a-z.]{1,20}",
    ) {
        let entries: Vec<RevisableKey> = entries
            .into_iter()
            .map(|(key_bytes, interval_number, interval_count)| RevisableKey { key_bytes, interval_number, interval_count })
            .collect();
        let c = codec();
        let token = c.mint(&app, &entries).unwrap();
        prop_assert_eq!(c.open(&app, &token), Opened::Valid(entries));
    }

    #[test]
    fn random_strings_never_open(s in "\\PC{0,200}") {
        let c = codec();
        prop_assert!(!matches!(c.open("app", &s), Opened::Valid(_)));
    }
}
