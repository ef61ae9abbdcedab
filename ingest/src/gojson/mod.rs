//! Go `encoding/json` compatibility: what the reference server accepts and rejects, and the
//! exact positions and texts it reports.
//!
//! Decoding happens in two passes, like Go's `json.Decoder`: [`scanner::read_value`] finds the
//! end of the first value (or the syntax error, with Go's offset), then [`decode::Cursor`] binds
//! the validated bytes to typed fields.

pub mod decode;
mod fastscan;
pub mod scanner;
mod text;

pub use decode::{Context, Cursor, DecodeError, GoType, StructShape};
pub use scanner::{check_valid, more_after, read_value, ReadError, SyntaxError};
