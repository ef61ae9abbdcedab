//! The versioned envelope every event travels in.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use uuid::Uuid;

/// A payload type that travels on a topic.
pub trait Event: Serialize + DeserializeOwned + JsonSchema {
    /// Stable type name, e.g. `publish.received`.
    const TYPE: &'static str;
    /// Schema version of the payload; bump on a breaking change.
    const VERSION: u32;
}

/// Metadata shared by every event, around its payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    /// Unique id of this event (UUID v7, so ids sort by creation time; a UUID v5 for an event
    /// derived deterministically from another, see [`Envelope::derived`]).
    pub event_id: Uuid,
    /// The payload's [`Event::TYPE`].
    pub event_type: String,
    /// The payload's [`Event::VERSION`].
    pub schema_version: u32,
    /// When the event was created by its producer.
    pub occurred_at: DateTime<Utc>,
    /// The publish request this event belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<Uuid>,
    /// The event itself.
    pub payload: T,
}

/// Why bytes from a topic could not be read as an event.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("event is not valid JSON for its envelope: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("unexpected event type {found:?}, expected {expected:?}")]
    WrongType {
        expected: &'static str,
        found: String,
    },
    #[error(
        "unsupported schema version {found} of {event_type}, this build reads up to {supported}"
    )]
    UnsupportedVersion {
        event_type: &'static str,
        found: u32,
        supported: u32,
    },
}

impl<T: Event> Envelope<T> {
    /// Wraps `payload` with a fresh event id and the current time.
    pub fn new(payload: T, request_id: Option<Uuid>) -> Self {
        Self::at(payload, request_id, Utc::now())
    }

    /// Wraps `payload` with a fresh event id and the given time.
    pub fn at(payload: T, request_id: Option<Uuid>, occurred_at: DateTime<Utc>) -> Self {
        Self {
            event_id: Uuid::now_v7(),
            event_type: T::TYPE.to_owned(),
            schema_version: T::VERSION,
            occurred_at,
            request_id,
            payload,
        }
    }

    /// Wraps `payload`, computed deterministically from the event `source`, so that computing it
    /// again (a redelivery) gives the same envelope: the id is a UUID v5 of the source's id and
    /// this payload's type, the time and request id are the source's.
    pub fn derived<S>(payload: T, source: &Envelope<S>) -> Self {
        Self {
            event_id: Uuid::new_v5(&source.event_id, T::TYPE.as_bytes()),
            event_type: T::TYPE.to_owned(),
            schema_version: T::VERSION,
            occurred_at: source.occurred_at,
            request_id: source.request_id,
            payload,
        }
    }

    /// Serialises to the JSON bytes that go on the topic.
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// Reads an envelope, checking its type and that its version is one this build understands.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let envelope: Self = serde_json::from_slice(bytes)?;
        if envelope.event_type != T::TYPE {
            return Err(EnvelopeError::WrongType {
                expected: T::TYPE,
                found: envelope.event_type,
            });
        }
        if envelope.schema_version > T::VERSION {
            return Err(EnvelopeError::UnsupportedVersion {
                event_type: T::TYPE,
                found: envelope.schema_version,
                supported: T::VERSION,
            });
        }
        Ok(envelope)
    }
}
