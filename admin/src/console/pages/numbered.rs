//! The list, create and edit pages and handlers of the entities with a numeric id and a single form
//! (export configurations, signature infos; and the list and create pages of health authority
//! key configurations, whose page of one is their own): each entity says only what is its own
//! through [`NumberedForm`], and the routes use the generic handlers here.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use config::ConfigSnapshot;

use crate::console::auth::session::SignedIn;
use crate::console::kit::form::FormFields;
use crate::console::kit::html::Markup;
use crate::console::kit::problems::Problems;
use crate::console::kit::shell::Flash;
use crate::console::pages::entity::{parse_id, CardForm, Entity, ListPage};
use crate::console::pages::save::{edit_flash, Refused};
use crate::console::ConsoleState;
use crate::writer::{Decision, NumberedEntity};

/// The pages of a numbered entity.
#[derive(Debug, Clone, Copy)]
pub struct Numbered {
    pub entity: Entity,
    /// The fixed parts of the list page.
    pub list: ListPage,
    /// The entity's name in titles ("Signature Info").
    pub noun: &'static str,
    /// The title of the create page.
    pub new_title: &'static str,
    /// The note above the create form.
    pub new_note: &'static str,
    /// The note above the edit form.
    pub edit_note: &'static str,
}

/// The form of a numbered entity: its values as typed or as saved, and what ties them to the
/// REST API's form, rules and events.
pub trait NumberedForm: Sized + Send + Sync + 'static {
    /// The REST API's form.
    type Api: Send + Sync;
    /// The saved entity, with the REST API's rules and write kinds.
    type Saved: NumberedEntity<Form = Self::Api>;
    const PAGES: Numbered;

    /// The values of a new entity.
    fn fresh() -> Self;
    /// The values of a saved entity.
    fn of(saved: &Self::Saved) -> Self;
    /// The values as submitted.
    fn from_form(fields: &FormFields) -> Self;
    /// The REST API's form, or the text boxes the console could not parse.
    fn to_api(&self) -> Result<Self::Api, Problems>;
    /// Writes the form posting to `action`, with its submit label.
    fn render(&self, m: &mut Markup, snapshot: &ConfigSnapshot, form: &CardForm<'_>);
    /// Writes the row of `saved` in the list table, as of `now`.
    fn list_row(
        body: &mut Markup,
        snapshot: &ConfigSnapshot,
        saved: &Self::Saved,
        now: DateTime<Utc>,
    );
    /// The message after a create.
    fn created_message(saved: &Self::Saved) -> String;
    /// Where a create leads: the list, unless the entity says otherwise.
    fn created_page(_saved: &Self::Saved) -> String {
        Self::PAGES.entity.list.to_owned()
    }
}

/// The create page (`existing` is `None`) or the edit page of entity `existing`, showing
/// `values`, and why they were `refused` if they were.
fn form_page<F: NumberedForm>(
    state: &ConsoleState,
    signed: &SignedIn,
    existing: Option<i64>,
    values: &F,
    refused: Option<Refused>,
) -> Response {
    let (status, problems) = refused.unwrap_or_else(|| (StatusCode::OK, Problems::none()));
    let (noun, list) = (F::PAGES.noun, F::PAGES.entity.list);
    let mut body = Markup::new();
    let (title, action, submit) = match existing {
        Some(id) => {
            body.raw(F::PAGES.edit_note);
            (
                format!("{noun} {id}"),
                format!("{list}/{id}"),
                "Save changes",
            )
        }
        None => {
            body.raw(F::PAGES.new_note);
            (F::PAGES.new_title.to_owned(), list.to_owned(), "Save")
        }
    };
    let snapshot = state.writer.snapshot();
    let form = CardForm {
        action: &action,
        csrf: &signed.csrf,
        problems: &problems,
        submit,
    };
    values.render(&mut body, &snapshot, &form);
    F::PAGES.entity.page(state, signed, title, body, status)
}

/// `GET {list}`.
pub async fn list<F: NumberedForm>(
    State(state): State<ConsoleState>,
    signed: SignedIn,
) -> Response {
    let snapshot = state.writer.snapshot();
    let now = Utc::now();
    let saved = F::Saved::all(&snapshot);
    let list = &F::PAGES.list;
    F::PAGES
        .entity
        .list_page(&state, &signed, list, saved, |body, saved| {
            F::list_row(body, &snapshot, saved, now);
        })
}

/// `GET {list}/new`.
pub async fn new_form<F: NumberedForm>(
    State(state): State<ConsoleState>,
    signed: SignedIn,
) -> Response {
    form_page(&state, &signed, None, &F::fresh(), None)
}

/// `POST {list}`.
pub async fn create<F: NumberedForm>(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    fields: FormFields,
) -> Response {
    submit::<F>(&state, &signed, None, &fields).await
}

/// `GET {list}/{id}`.
pub async fn show<F: NumberedForm>(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let snapshot = state.writer.snapshot();
    let Some((id, saved)) = parse_id(&id).and_then(|id| Some((id, F::Saved::find(&snapshot, id)?)))
    else {
        return F::PAGES.entity.missing(&state, &signed);
    };
    form_page(&state, &signed, Some(id), &F::of(saved), None)
}

/// `POST {list}/{id}`: saves the edit; an unchanged form writes nothing.
pub async fn update<F: NumberedForm>(
    State(state): State<ConsoleState>,
    signed: SignedIn,
    Path(id): Path<String>,
    fields: FormFields,
) -> Response {
    let exists = |id: &i64| F::Saved::find(&state.writer.snapshot(), *id).is_some();
    let Some(id) = parse_id(&id).filter(exists) else {
        return F::PAGES.entity.missing(&state, &signed);
    };
    submit::<F>(&state, &signed, Some(id), &fields).await
}

/// Saves the submitted form as a new entity (`id` is `None`) or as entity `id`; an edit that
/// changes nothing writes nothing. Then the flash and the entity's page (or the list), or the
/// form again with why it was refused.
async fn submit<F: NumberedForm>(
    state: &ConsoleState,
    signed: &SignedIn,
    id: Option<i64>,
    fields: &FormFields,
) -> Response {
    let values = F::from_form(fields);
    let (create, edit) = F::Saved::WRITES;
    let kind = if id.is_some() { edit } else { create };
    let written = state.save(signed, kind, values.to_api(), |form, snapshot, now| {
        let saved = F::Saved::rule(id, form, snapshot, now)?;
        let before = id.and_then(|id| F::Saved::find(snapshot, id));
        let decision = Decision::edited(before, saved);
        let changed = !decision.changes.is_empty();
        Ok(decision.map(|saved| (saved, changed)))
    });
    match (written.await, id) {
        (Ok((saved, _)), None) => {
            let flash = Flash::ok(F::created_message(&saved));
            state.redirect(signed, flash, &F::created_page(&saved))
        }
        (Ok((_, changed)), Some(id)) => {
            let to = format!("{}/{id}", F::PAGES.entity.list);
            state.redirect(signed, edit_flash(changed), &to)
        }
        (Err(refused), _) => form_page(state, signed, id, &values, Some(refused)),
    }
}
