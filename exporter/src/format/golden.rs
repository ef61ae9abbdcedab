//! Golden vector G1: the exact `export.bin` bytes of a known input, plus
//! round trips through the zip, the signatures and the reader.

use base64::Engine as _;
use sha2::Digest as _;

use super::proto::ReportType;
use super::*;
use crate::signing::LocalSigner;

fn key(
    data: &[u8],
    tr: i32,
    interval: i32,
    count: i32,
    report_type: Option<ReportType>,
    dsos: Option<i32>,
) -> ExportKey {
    ExportKey {
        key_data: data.to_vec(),
        transmission_risk: tr,
        interval_number: interval,
        interval_count: count,
        report_type,
        days_since_onset: dsos,
    }
}

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .map(|b| match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => b - b'A' + 10,
        })
        .collect();
    digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect()
}

/// G1's input: unsorted primaries, one revised key, one signer `1`/`310`.
fn g1() -> Vec<u8> {
    let primaries = [
        key(
            b"GHI",
            5,
            118,
            1,
            report_type_from_text("user-report"),
            Some(-1),
        ),
        key(b"ABC", 8, 18, 0, report_type_from_text("likely"), Some(0)),
        key(
            b"DEF",
            1,
            118,
            1,
            report_type_from_text("confirmed"),
            Some(-1),
        ),
    ];
    // Revised: original TR 4 and DSOS 2; revised type negative, revised DSOS NULL.
    let revised = [key(
        b"123",
        4,
        100,
        144,
        report_type_from_text("negative"),
        None,
    )];
    let start = 1_588_291_200;
    export_bin(
        FileSpec {
            start_timestamp: start,
            end_timestamp: start + 3600,
            region: "US",
        },
        &[SignerIdentity {
            key_version: "1".into(),
            key_id: "310".into(),
        }],
        &primaries,
        &revised,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Conformance case G1.
#[test]
fn export_bin_matches_byte_for_byte() {
    let expected = hex(
        "454b204578706f727420763120202020 098066ab5e00000000 119074ab5e00000000 1a025553 2001 2801
         321d 1a0131 2203333130 2a13312e322e3834302e31303034352e342e332e32
         3a0f 0a03414243 1008 1812 2000 2802 3000
         3a0f 0a03444546 1001 1876 2001 2801 3001
         3a0f 0a03474849 1005 1876 2001 2803 3001
         420b 0a03313233 1004 1864 2805",
    );
    let bin = g1();
    assert_eq!(bin, expected);
    let digest = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&bin));
    assert_eq!(digest, "ho9AqUPleXoGs4wc5PEUU7MvbToDryEnQ+rJ8Fb1Hvc=");
}

/// Conformance case G1.
#[tokio::test]
async fn decodes_as_the_conformance_case_says_and_signed_files_verify() {
    let signer = LocalSigner::new(p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng));
    let identity = SignerIdentity {
        key_version: "1".into(),
        key_id: "310".into(),
    };
    let bin = g1();
    let sig = file::export_sig(
        &bin,
        &[FileSigner {
            identity,
            signer: std::sync::Arc::new(signer.clone()),
        }],
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let zip = zip_entries(&bin, &sig).unwrap_or_else(|e| panic!("{e}"));
    let file = read_file(&zip).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.entry_names, ["export.bin", "export.sig"]);
    assert_eq!(file.export_bin, bin);
    let e = &file.export;
    assert_eq!((e.batch_num, e.batch_size), (Some(1), Some(1)));
    assert_eq!(e.region.as_deref(), Some("US"));
    let info = &e.signature_infos[0];
    assert_eq!(info.verification_key_version.as_deref(), Some("1"));
    assert_eq!(info.verification_key_id.as_deref(), Some("310"));
    assert_eq!(
        info.signature_algorithm.as_deref(),
        Some(SIGNATURE_ALGORITHM)
    );
    let names: Vec<&[u8]> = e
        .keys
        .iter()
        .filter_map(|k| k.key_data.as_deref())
        .collect();
    assert_eq!(names, [b"ABC", b"DEF", b"GHI"]);
    assert_eq!(e.keys[0].rolling_period, Some(0));
    let revised = &e.revised_keys[0];
    assert_eq!(revised.report_type, Some(ReportType::Revoked as i32));
    assert_eq!(revised.transmission_risk_level, Some(4));
    assert_eq!(revised.rolling_start_interval_number, Some(100));
    assert_eq!(revised.rolling_period, None);
    assert_eq!(revised.days_since_onset_of_symptoms, None);
    let signature = &file.signatures.signatures[0];
    assert_eq!(
        (signature.batch_num, signature.batch_size),
        (Some(1), Some(1))
    );
    assert_eq!(signature.signature_info.as_ref(), Some(info));
    assert!(file.verifies(0, &signer.verifying_key()));
    let other = LocalSigner::new(p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng));
    assert!(!file.verifies(0, &other.verifying_key()));
    // Deterministic signatures and zip timestamps: the same input gives the same file.
    let again = zip_entries(&bin, &sig).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(zip, again);
}

#[tokio::test]
async fn unsigned_files_are_refused() {
    let keys = [key(&[7; 16], 1, 5, 144, None, None)];
    let result = build_file(
        FileSpec {
            start_timestamp: 0,
            end_timestamp: 3600,
            region: "US",
        },
        &[],
        &keys,
        &[],
    )
    .await;
    assert!(matches!(result, Err(FileError::Unsigned)));
}

#[tokio::test]
async fn several_signers_sign_in_order_and_empty_identity_fields_are_omitted() {
    let a = LocalSigner::new(p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng));
    let b = LocalSigner::new(p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng));
    let signers = [
        FileSigner {
            identity: SignerIdentity {
                key_version: "v2".into(),
                key_id: String::new(),
            },
            signer: std::sync::Arc::new(a.clone()),
        },
        FileSigner {
            identity: SignerIdentity {
                key_version: "v1".into(),
                key_id: "310".into(),
            },
            signer: std::sync::Arc::new(b.clone()),
        },
    ];
    let keys = [
        key(&[9; 16], 2, 10, 144, None, None),
        key(&[1; 16], 2, 10, 144, None, None),
    ];
    let zip = build_file(
        FileSpec {
            start_timestamp: 100,
            end_timestamp: 201,
            region: "",
        },
        &signers,
        &keys,
        &[],
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let file = read_file(&zip).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        file.export.region.as_deref(),
        Some(""),
        "an empty region is still written"
    );
    assert_eq!(file.export.end_timestamp, Some(201));
    assert_eq!(
        file.export.keys[0].key_data.as_deref(),
        Some(&[1u8; 16][..])
    );
    let infos = &file.export.signature_infos;
    assert_eq!(infos[0].verification_key_id, None);
    assert_eq!(infos[1].verification_key_id.as_deref(), Some("310"));
    assert!(file.verifies(0, &a.verifying_key()));
    assert!(file.verifies(1, &b.verifying_key()));
    assert!(!file.verifies(1, &a.verifying_key()));
}
