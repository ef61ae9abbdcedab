//! The path every save handler shares: the form turned into the REST API's form (or the
//! problems of the text boxes the console could not parse), written through the
//! [`crate::writer::ConfigWriter`] as the signed-in operator; then a flash message and a
//! redirect, or the form again with what was typed and why it was refused.

use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Redirect, Response};
use chrono::{DateTime, Utc};
use config::ConfigSnapshot;

use crate::console::auth::session::SignedIn;
use crate::console::kit::problems::{refused, Problems};
use crate::console::kit::shell::Flash;
use crate::console::ConsoleState;
use crate::validation::ValidationError;
use crate::writer::{Decision, WriteKind};

/// Why a form was not saved: the status to answer and the problems to show on the form.
pub type Refused = (StatusCode, Problems);

impl ConsoleState {
    /// Writes what `decide` makes of the parsed `form` as the signed-in operator; a form that
    /// did not parse is refused with 400 and its problems, without writing.
    pub async fn save<F, T>(
        &self,
        signed: &SignedIn,
        kind: WriteKind,
        form: Result<F, Problems>,
        decide: impl FnOnce(&F, &ConfigSnapshot, DateTime<Utc>) -> Result<Decision<T>, ValidationError>,
    ) -> Result<T, Refused> {
        let form = form.map_err(|problems| (StatusCode::BAD_REQUEST, problems))?;
        self.writer
            .write(&signed.operator, kind, |snapshot, now| {
                decide(&form, snapshot, now)
            })
            .await
            .map_err(refused)
    }

    /// Leaves `flash` for the operator's next page and redirects to `to`.
    pub fn redirect(&self, signed: &SignedIn, flash: Flash, to: &str) -> Response {
        self.sessions.set_flash(signed.key, flash);
        Redirect::to(to).into_response()
    }
}

/// The message after an edit was saved.
pub fn edit_flash(changed: bool) -> Flash {
    Flash::ok(if changed {
        "Saved."
    } else {
        "No change to save."
    })
}
