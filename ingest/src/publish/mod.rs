//! The publish request path: checks ([`checks`]), the event and the answer ([`answer`]), and
//! the HTTP handler that ties them to Kafka ([`handler`]).

pub mod answer;
pub mod checks;
pub mod handler;

pub use answer::Answer;
pub use checks::{Accepted, Checked, EdgeRules, Notes, Refusal};
