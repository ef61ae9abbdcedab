//! The handlers of a health authority's key forms: add a key by pasting its PEM, revoke it,
//! clear its expiry time, activate it. The table and the form are in
//! [`crate::console::pages::key_table`].
//!
//! The actions name the key by a hidden `version` field rather than a path segment, so any
//! version text works. Times are UTC, entered as RFC 3339 (blank "from" means now, blank "thru"
//! means no end), exactly as the REST API takes them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::console::auth::session::SignedIn;
use crate::console::kit::form::FormFields;
use crate::console::kit::shell::Flash;
use crate::console::pages::authorities::{show_page, Refusal, AUTHORITIES};
use crate::console::pages::entity::parse_id;
use crate::console::pages::key_table::KeyValues;
use crate::console::ConsoleState;
use crate::validation::{self, KeyAction};
use crate::writer::{Decision, WriteKind};

/// `POST /console/health-authorities/{id}/keys`.
pub async fn add(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(id): Path<String>,
    fields: FormFields,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return AUTHORITIES.missing(&state, &signed);
    };
    let values = KeyValues::from_form(&fields);
    let written = state.save(
        &signed,
        WriteKind::KeyAdd,
        Ok(values.to_api()),
        |form, snapshot, now| {
            let key = validation::add_key(id, form, snapshot, now)?;
            Ok(Decision::created(key))
        },
    );
    match written.await {
        Ok(key) => {
            let flash = Flash::ok(format!("Key {} added.", key.version));
            state.redirect(&signed, flash, &format!("{}/{id}", AUTHORITIES.list))
        }
        Err((status, problems)) => {
            let refusal = Refusal::key(values, problems);
            show_page(&state, &signed, Some(id), refusal, status)
        }
    }
}

/// `POST .../keys/revoke` with `version`: the key stops verifying now.
pub async fn revoke(
    state: State<ConsoleState>,
    signed: SignedIn,
    path: Path<String>,
    fields: FormFields,
) -> Response {
    act(state, signed, path, fields, KeyAction::Revoke).await
}

/// `POST .../keys/reinstate` with `version`: clears the key's end ("Clear expiry time").
pub async fn reinstate(
    state: State<ConsoleState>,
    signed: SignedIn,
    path: Path<String>,
    fields: FormFields,
) -> Response {
    act(state, signed, path, fields, KeyAction::Reinstate).await
}

/// `POST .../keys/activate` with `version`: a future key becomes valid now.
pub async fn activate(
    state: State<ConsoleState>,
    signed: SignedIn,
    path: Path<String>,
    fields: FormFields,
) -> Response {
    act(state, signed, path, fields, KeyAction::Activate).await
}

async fn act(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(id): Path<String>,
    fields: FormFields,
    action: KeyAction,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return AUTHORITIES.missing(&state, &signed);
    };
    let version = fields.text("version");
    let done = match action {
        KeyAction::Revoke => "revoked",
        KeyAction::Reinstate => "has no expiry time any more",
        KeyAction::Activate => "is active",
    };
    let written = state.save(&signed, action.into(), Ok(()), |(), snapshot, now| {
        let (key, changed) = action.apply(id, &version, snapshot, now)?;
        Ok(Decision::saved_if(changed, key).changed())
    });
    let flash = match written.await {
        Ok(true) => Flash::ok(format!("Key {version} {done}.")),
        Ok(false) => Flash::ok(format!("Key {version} was already in that state.")),
        Err((status, problems)) => {
            if status == StatusCode::NOT_FOUND
                && state.writer.snapshot().health_authority(id).is_none()
            {
                return AUTHORITIES.missing(&state, &signed);
            }
            Flash::error(problems.messages())
        }
    };
    state.redirect(&signed, flash, &format!("{}/{id}", AUTHORITIES.list))
}
