//! The publish HTTP API at the wire level: request bodies, transport checks and responses.

pub mod body;
pub mod request;
pub mod response;

pub use body::{check_content_type, read_limited, BodyError, MAX_BODY_BYTES};
pub use request::{decode_v1, decode_v1alpha1, JsonError, PublishRequestData};
pub use response::{ApiVersion, GoResponse, Padding, API_VERSION_HEADER};
pub use schemas::api::PublishResponse;
