//! The page shell of a signed-in operator: the navigation bar, the sign-out form, the heading,
//! the one-time message and the body.

use axum::http::StatusCode;
use axum::response::Response;

use crate::console::auth::session::SignedIn;
use crate::console::kit::html::Markup;
use crate::console::kit::shell::{flash_box, head, html_response, Flash};
use crate::console::kit::widgets::csrf_input;

/// The sections of the console, for the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    HealthAuthorities,
    Apps,
    Exports,
    Health,
    Audit,
}

const NAV: &[(Section, &str, &str)] = &[
    (Section::Home, "/console", "Home"),
    (
        Section::HealthAuthorities,
        "/console/health-authorities",
        "Health Authority Key Configurations",
    ),
    (
        Section::Apps,
        "/console/authorized-apps",
        "Authorized Health Authorities",
    ),
    (Section::Exports, "/console/export-configs", "Exports"),
    (Section::Health, "/console/health", "Health"),
    (Section::Audit, "/console/audit", "Audit trail"),
];

/// One page of the console for a signed-in operator.
#[derive(Debug)]
pub struct Page<'a> {
    pub section: Section,
    /// The heading (and window title).
    pub title: String,
    /// One sentence: what this entity or page is for.
    pub lead: &'static str,
    pub signed: &'a SignedIn,
    pub flash: Option<Flash>,
    pub body: Markup,
    pub status: StatusCode,
}

impl Page<'_> {
    /// The complete HTML document.
    pub fn render(self) -> Response {
        let mut m = Markup::new();
        head(&mut m, &self.title);
        m.raw("<header class=\"top\"><a class=\"brand\" href=\"/console\">EN key server admin</a><nav>");
        for (section, href, label) in NAV {
            m.raw("<a")
                .attr("href", href)
                .flag("aria-current=\"page\"", *section == self.section)
                .raw(">")
                .text(label)
                .raw("</a>");
        }
        m.raw("</nav><form class=\"signout\" method=\"post\" action=\"/logout\">");
        csrf_input(&mut m, &self.signed.csrf);
        m.raw("<span class=\"who\" title=\"Signed in as\">")
            .text(&self.signed.operator)
            .raw("</span><button type=\"submit\" class=\"link\">Sign out</button></form></header><main><h1>")
            .text(&self.title)
            .raw("</h1><p class=\"lead\">")
            .text(self.lead)
            .raw("</p>");
        if let Some(flash) = &self.flash {
            flash_box(&mut m, flash);
        }
        m.append(&self.body).raw("</main></body></html>");
        html_response(self.status, m)
    }
}
