//! What the pages of every configuration entity share: the page shell with the entity's section
//! and lead sentence, the list page (actions, then a table or a note that there is nothing yet),
//! the page for an id that names nothing, and the buttons that close a form.

use axum::http::StatusCode;
use axum::response::Response;

use crate::console::auth::session::SignedIn;
use crate::console::kit::html::Markup;
use crate::console::kit::problems::Problems;
use crate::console::kit::widgets::card_form;
use crate::console::pages::page::{Page, Section};
use crate::console::ConsoleState;

/// One kind of configuration entity as the console shows it.
#[derive(Debug, Clone, Copy)]
pub struct Entity {
    pub section: Section,
    /// One sentence under every page title: what the entity is for.
    pub lead: &'static str,
    /// The path of the list page, where the create form posts too.
    pub list: &'static str,
    /// The title of the page for an id that names nothing.
    pub missing: &'static str,
}

/// The fixed parts of a list page.
#[derive(Debug, Clone, Copy)]
pub struct ListPage {
    pub title: &'static str,
    /// The `<div class="actions">` above the table.
    pub actions: &'static str,
    /// Shown instead of the table when there is nothing to list.
    pub empty: &'static str,
    /// The opening of the table, up to its `<tbody>`.
    pub head: &'static str,
}

impl Entity {
    /// A page of this entity's section, with the flash message waiting for the session.
    pub fn page(
        &self,
        state: &ConsoleState,
        signed: &SignedIn,
        title: String,
        body: Markup,
        status: StatusCode,
    ) -> Response {
        Page {
            section: self.section,
            title,
            lead: self.lead,
            flash: state.sessions.take_flash(signed.key),
            signed,
            body,
            status,
        }
        .render()
    }

    /// The list page: a table with a row written by `row` for each of `items`, or the note
    /// that there is nothing yet.
    pub fn list_page<T>(
        &self,
        state: &ConsoleState,
        signed: &SignedIn,
        list: &ListPage,
        items: impl IntoIterator<Item = T>,
        mut row: impl FnMut(&mut Markup, T),
    ) -> Response {
        let mut items = items.into_iter().peekable();
        let mut body = Markup::new();
        body.raw(list.actions);
        if items.peek().is_none() {
            body.raw(list.empty);
        } else {
            body.raw(list.head);
            for item in items {
                row(&mut body, item);
            }
            body.raw("</tbody></table>");
        }
        self.page(state, signed, list.title.to_owned(), body, StatusCode::OK)
    }

    /// Opens a row of the list table: the entity's id, then its `name` linking to its page.
    pub fn row_start<'m>(&self, body: &'m mut Markup, id: i64, name: &str) -> &'m mut Markup {
        body.raw("<tr><td>")
            .display(id)
            .raw("</td><td><a")
            .attr("href", &format!("{}/{id}", self.list))
            .raw(">")
            .text(name)
            .raw("</a></td>")
    }

    /// The 404 page for an id that names no entity, with a way back to the list.
    pub fn missing(&self, state: &ConsoleState, signed: &SignedIn) -> Response {
        let mut body = Markup::new();
        body.raw("<p><a")
            .attr("href", self.list)
            .raw(">Back to the list</a></p>");
        self.page(
            state,
            signed,
            self.missing.to_owned(),
            body,
            StatusCode::NOT_FOUND,
        )
    }
}

/// An entity id from the path; text that is not a number names nothing.
pub fn parse_id(text: &str) -> Option<i64> {
    text.parse().ok()
}

/// Where a card form posts and what surrounds its fields: the action, the session's CSRF
/// token, the problems of the last submission, and the label of its submit button.
#[derive(Debug, Clone, Copy)]
pub struct CardForm<'a> {
    pub action: &'a str,
    pub csrf: &'a str,
    pub problems: &'a Problems,
    pub submit: &'static str,
}

impl CardForm<'_> {
    /// Opens the form, after the summary of the problems on `fields`.
    pub fn start(&self, m: &mut Markup, fields: &[&str]) {
        card_form(m, self.action, self.csrf, self.problems, fields);
    }

    /// Closes the form with its submit button and a link back to `cancel`.
    pub fn end(&self, m: &mut Markup, cancel: &'static str) {
        form_end(m, self.submit, cancel);
    }
}

/// Closes a form: its submit button labelled `submit` and a link back to `cancel`.
pub fn form_end(m: &mut Markup, submit: &'static str, cancel: &'static str) {
    m.raw("<div class=\"actions\"><button type=\"submit\" class=\"primary\">")
        .text(submit)
        .raw("</button><a")
        .attr("href", cancel)
        .raw(">Cancel</a></div></form>");
}
