//! The export file's protobuf messages (`export.proto`, proto2), declared by hand with
//! `prost` derives so no `protoc` is needed at build time.
//!
//! Field numbers, types and declaration order follow the published schema exactly: prost
//! encodes fields in tag order, which is what Go's `proto.Marshal` does too, so the bytes match
//! the reference's (golden vector G1). proto2 `optional` maps to `Option`: a `Some` is always
//! written, even when it holds the default value, and a `None` never is.

/// The content of `export.bin` after its 16-byte header.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TemporaryExposureKeyExport {
    /// Batch start, UTC unix seconds.
    #[prost(fixed64, optional, tag = "1")]
    pub start_timestamp: Option<u64>,
    /// Batch end (plus the split-file offset), UTC unix seconds.
    #[prost(fixed64, optional, tag = "2")]
    pub end_timestamp: Option<u64>,
    /// The config's output region.
    #[prost(string, optional, tag = "3")]
    pub region: Option<String>,
    /// Always 1: every file stands alone.
    #[prost(int32, optional, tag = "4")]
    pub batch_num: Option<i32>,
    /// Always 1.
    #[prost(int32, optional, tag = "5")]
    pub batch_size: Option<i32>,
    /// One per signer, newest signing key first.
    #[prost(message, repeated, tag = "6")]
    pub signature_infos: Vec<SignatureInfo>,
    /// First-time releases, sorted by key bytes.
    #[prost(message, repeated, tag = "7")]
    pub keys: Vec<TemporaryExposureKey>,
    /// Keys whose report type changed, sorted by key bytes.
    #[prost(message, repeated, tag = "8")]
    pub revised_keys: Vec<TemporaryExposureKey>,
}

/// How a device identifies the key that signed a file. Tags 1 and 2 are reserved
/// (`app_bundle_id`, `android_package`) and never written.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SignatureInfo {
    #[prost(string, optional, tag = "3")]
    pub verification_key_version: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub verification_key_id: Option<String>,
    /// ASN.1 OID in dotted text; always [`super::SIGNATURE_ALGORITHM`].
    #[prost(string, optional, tag = "5")]
    pub signature_algorithm: Option<String>,
}

/// One key in a file.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TemporaryExposureKey {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub key_data: Option<Vec<u8>>,
    /// Deprecated in the schema, still always written by the reference.
    #[prost(int32, optional, tag = "2")]
    pub transmission_risk_level: Option<i32>,
    #[prost(int32, optional, tag = "3")]
    pub rolling_start_interval_number: Option<i32>,
    #[prost(int32, optional, tag = "4", default = "144")]
    pub rolling_period: Option<i32>,
    #[prost(enumeration = "ReportType", optional, tag = "5")]
    pub report_type: Option<i32>,
    /// Zig-zag encoded (`sint32`).
    #[prost(sint32, optional, tag = "6")]
    pub days_since_onset_of_symptoms: Option<i32>,
    // Tag 7 is unused and kept free.
    #[prost(enumeration = "VariantOfConcern", optional, tag = "8")]
    pub variant_of_concern: Option<i32>,
}

/// `TemporaryExposureKey.ReportType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum ReportType {
    Unknown = 0,
    ConfirmedTest = 1,
    ConfirmedClinicalDiagnosis = 2,
    SelfReport = 3,
    Recursive = 4,
    Revoked = 5,
}

/// `VariantOfConcern` (never set by the exporter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum VariantOfConcern {
    VariantTypeUnknown = 0,
    VariantType1 = 1,
    VariantType2 = 2,
    VariantType3 = 3,
    VariantType4 = 4,
}

/// The content of `export.sig`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TekSignatureList {
    /// One per signer, in the order of `signature_infos` in `export.bin`.
    #[prost(message, repeated, tag = "1")]
    pub signatures: Vec<TekSignature>,
}

/// One signature over `export.bin`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TekSignature {
    #[prost(message, optional, tag = "1")]
    pub signature_info: Option<SignatureInfo>,
    #[prost(int32, optional, tag = "2")]
    pub batch_num: Option<i32>,
    #[prost(int32, optional, tag = "3")]
    pub batch_size: Option<i32>,
    /// ECDSA P-256 over SHA-256 of `export.bin`, ASN.1 DER.
    #[prost(bytes = "vec", optional, tag = "4")]
    pub signature: Option<Vec<u8>>,
}
