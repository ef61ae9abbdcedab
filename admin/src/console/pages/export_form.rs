//! "Export Configuration" pages: list, create and edit (there is no delete: a configuration is
//! retired by setting "Valid until"). The form: its fields as typed or saved, the console's
//! parsing of the text boxes (times as RFC 3339, the period as seconds or a duration such as
//! `4h`, region lists one per line, signature infos as checkboxes), and its rendering. The rules themselves are the
//! REST API's ([`crate::validation`]); the create and edit pages are the generic ones of
//! [`crate::console::pages::numbered`].

use chrono::{DateTime, Utc};
use config::ConfigSnapshot;
use schemas::config::ExportConfig;

use crate::console::kit::form::FormFields;
use crate::console::kit::html::Markup;
use crate::console::kit::problems::Problems;
use crate::console::kit::time::{exact_time, parse_time, time};
use crate::console::kit::widgets::{
    checkbox, group_errors, inputs, ticked_boxes, valid_from, Input, Widget,
};
use crate::console::pages::entity::{CardForm, Entity, ListPage};
use crate::console::pages::numbered::{Numbered, NumberedForm};
use crate::console::pages::page::Section;
use crate::validation::{ExportConfigForm, MAX_SIGNATURE_INFOS};

/// The pages of export configurations.
const PAGES: Numbered = Numbered {
    entity: Entity {
        section: Section::Exports,
        lead: "An export configuration says which keys are published for phones to download, how often, and under which path: one series of signed export files and its index.",
        list: "/console/export-configs",
        missing: "No such export configuration",
    },
    list: ListPage {
        title: "Export Configurations",
        actions: "<div class=\"actions\"><a class=\"button primary\" href=\"/console/export-configs/new\">Create new Export Configuration</a><a href=\"/console/signature-infos\">Signature infos</a></div>",
        empty: "<p class=\"muted\">No export configuration yet.</p>",
        head: "<table><thead><tr><th>ID</th><th>Filename root</th><th>Region</th><th>Period</th><th>Valid</th><th>Signature infos</th></tr></thead><tbody>",
    },
    noun: "Export Configuration",
    new_title: "Create new Export Configuration",
    new_note: "",
    edit_note: "<p class=\"note\">Changes apply to files cut from now on; files already built keep their settings.</p>",
};

pub const INFOS: &str = "signatureInfoIds";
pub const FIELDS: &[&str] = &[
    "filenameRoot",
    "periodSeconds",
    "outputRegion",
    "inputRegions",
    "excludeRegions",
    "onlyNonTravelers",
    "from",
    "thru",
    "maxRecordsOverride",
    INFOS,
];

/// The fields of the form, as typed or as saved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigValues {
    filename_root: String,
    period: String,
    output_region: String,
    input_regions: String,
    exclude_regions: String,
    include_travelers: bool,
    only_non_travelers: bool,
    from: String,
    thru: String,
    max_records_override: String,
    signature_infos: Vec<String>,
}

/// What ties the form to the pages, rules and events.
impl NumberedForm for ConfigValues {
    type Api = ExportConfigForm;
    type Saved = ExportConfig;
    const PAGES: Numbered = PAGES;

    /// A new configuration: daily files including travelers, as the reference recommends.
    fn fresh() -> Self {
        Self {
            period: "24h".to_owned(),
            include_travelers: true,
            ..Self::default()
        }
    }

    fn of(config: &ExportConfig) -> Self {
        Self {
            filename_root: config.filename_root.clone(),
            period: period_text(config.period_seconds),
            output_region: config.output_region.clone(),
            input_regions: config.input_regions.join("\n"),
            exclude_regions: config.exclude_regions.join("\n"),
            include_travelers: config.include_travelers,
            only_non_travelers: config.only_non_travelers,
            from: exact_time(config.from),
            thru: config.thru.map(exact_time).unwrap_or_default(),
            max_records_override: config
                .max_records_override
                .map(|m| m.to_string())
                .unwrap_or_default(),
            signature_infos: config
                .signature_info_ids
                .iter()
                .map(i64::to_string)
                .collect(),
        }
    }

    fn from_form(fields: &FormFields) -> Self {
        Self {
            filename_root: fields.text("filenameRoot"),
            period: fields.text("periodSeconds"),
            output_region: fields.text("outputRegion"),
            input_regions: fields.text("inputRegions"),
            exclude_regions: fields.text("excludeRegions"),
            include_travelers: fields.checked("includeTravelers"),
            only_non_travelers: fields.checked("onlyNonTravelers"),
            from: fields.text("from"),
            thru: fields.text("thru"),
            max_records_override: fields.text("maxRecordsOverride"),
            signature_infos: fields.all(INFOS),
        }
    }

    /// The REST API's form (then checked by the same rules), or the text boxes that do not
    /// parse.
    fn to_api(&self) -> Result<ExportConfigForm, Problems> {
        let mut problems = Problems::none();
        let period = parse_period(&mut problems, &self.period);
        let from = parse_time(&mut problems, "from", &self.from);
        let thru = parse_time(&mut problems, "thru", &self.thru);
        let max_records_override = match self.max_records_override.trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    problems.add(
                        "maxRecordsOverride",
                        "maxRecordsOverride must be a whole number",
                    );
                    None
                }
            },
        };
        let mut ids = Vec::new();
        for text in &self.signature_infos {
            match text.trim().parse::<i64>() {
                Ok(id) => ids.push(id),
                Err(_) => problems.add(INFOS, format!("{text:?} is not a signature info id")),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let lines = |text: &str| text.lines().map(str::to_owned).collect::<Vec<_>>();
        Ok(ExportConfigForm {
            id: None,
            filename_root: self.filename_root.clone(),
            period_seconds: period,
            output_region: self.output_region.clone(),
            input_regions: lines(&self.input_regions),
            exclude_regions: lines(&self.exclude_regions),
            include_travelers: self.include_travelers,
            only_non_travelers: self.only_non_travelers,
            from,
            thru,
            max_records_override,
            signature_info_ids: ids,
        })
    }

    fn render(&self, m: &mut Markup, snapshot: &ConfigSnapshot, form: &CardForm<'_>) {
        form.start(m, FIELDS);
        m.raw("<div class=\"two\"><div>");
        inputs(
            m,
            form.problems,
            &[
                Input::text("Filename root", "filenameRoot", &self.filename_root)
                    .hint("Path prefix of the files and of index.txt, e.g. us or exposures/us; unique."),
                Input::text("Output region", "outputRegion", &self.output_region)
                    .hint("The region written into every file, e.g. US."),
                Input::text("Input regions", "inputRegions", &self.input_regions)
                    .hint(
                        "One per line; keys of these regions are exported. Empty means the output region.",
                    )
                    .widget(Widget::Textarea(3)),
                Input::text("Exclude regions", "excludeRegions", &self.exclude_regions)
                    .hint("One per line; keys carrying any of these regions are left out.")
                    .widget(Widget::Textarea(2)),
            ],
        );
        checkbox(
            m,
            "Include travelers",
            "includeTravelers",
            "on",
            self.include_travelers,
            Some("Also export every traveler key, whatever its regions."),
        );
        checkbox(
            m,
            "Only non-travelers",
            "onlyNonTravelers",
            "on",
            self.only_non_travelers,
            Some("Export only keys of non-travelers (not together with the box above)."),
        );
        group_errors(m, form.problems, "onlyNonTravelers");
        m.raw("</div><div>");
        inputs(
            m,
            form.problems,
            &[
                Input::text("Period", "periodSeconds", &self.period).hint(
                    "How often files are cut: seconds or a duration that divides 24h; at least 4h is advised (phones import only 15 to 20 files a day).",
                ),
                valid_from(&self.from),
                Input::text("Valid until (UTC)", "thru", &self.thru)
                    .hint("Set it to retire this configuration; empty means no end."),
                Input::text(
                    "Max records override",
                    "maxRecordsOverride",
                    &self.max_records_override,
                )
                .hint("Optional; most keys per file for this configuration."),
            ],
        );
        m.raw("<fieldset><legend>Signature infos</legend><p class=\"hint\">The keys that sign the files (at most ")
            .display(MAX_SIGNATURE_INFOS)
            .raw("); tick a new one next to the old one to rotate.</p>");
        let options = snapshot.signature_infos().map(|info| {
            let label = format!(
                "#{} {} (key id {}, version {})",
                info.id, info.signing_key, info.signing_key_id, info.signing_key_version
            );
            (info.id.to_string(), label)
        });
        ticked_boxes(
        m,
        form.problems,
        INFOS,
        options,
        &self.signature_infos,
        |stale| format!("{stale} (not a signature info)"),
        "<p class=\"muted\">No signature info yet: <a href=\"/console/signature-infos/new\">create one</a> so the files are signed.</p>",
    );
        m.raw("</fieldset></div></div>");
        form.end(m, "/console/export-configs");
    }

    fn list_row(
        body: &mut Markup,
        _snapshot: &ConfigSnapshot,
        config: &ExportConfig,
        now: DateTime<Utc>,
    ) {
        let infos: Vec<String> = config
            .signature_info_ids
            .iter()
            .map(|id| format!("#{id}"))
            .collect();
        PAGES
            .entity
            .row_start(body, config.id, &config.filename_root)
            .raw("<td>")
            .text(&config.output_region)
            .raw("</td><td>")
            .text(&period_text(config.period_seconds))
            .raw("</td><td class=\"mono nowrap\">")
            .text(&validity(config.from, config.thru, now))
            .raw("</td><td>")
            .text(&infos.join(", "))
            .raw("</td></tr>");
    }

    fn created_message(saved: &ExportConfig) -> String {
        format!("Saved export configuration {}.", saved.filename_root)
    }
}

/// The period: seconds (`14400`) or a duration (`4h`, `30m`); blank means the default (24h).
pub fn parse_period(problems: &mut Problems, text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(seconds) = text.parse::<i64>() {
        return Some(seconds);
    }
    match platform::env::parse_duration(text) {
        Ok(d) => Some(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        Err(_) => {
            problems.add(
                "periodSeconds",
                "the period must be seconds (14400) or a duration such as 4h",
            );
            None
        }
    }
}

pub fn period_text(seconds: i64) -> String {
    match seconds {
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// How long a configuration is valid, as of `now`.
fn validity(from: DateTime<Utc>, thru: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match thru {
        Some(thru) if thru <= now => format!("ended {}", time(thru)),
        Some(thru) => format!("{} – {}", time(from), time(thru)),
        None => format!("from {}", time(from)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_as_seconds_or_durations() {
        let mut problems = Problems::none();
        assert_eq!(parse_period(&mut problems, "14400"), Some(14_400));
        assert_eq!(parse_period(&mut problems, " 4h "), Some(14_400));
        assert_eq!(parse_period(&mut problems, "30m"), Some(1_800));
        assert_eq!(parse_period(&mut problems, ""), None);
        assert!(problems.is_empty());
        assert_eq!(parse_period(&mut problems, "daily"), None);
        assert!(!problems.is_empty());
        assert_eq!(period_text(86_400), "24h");
        assert_eq!(period_text(1_800), "30m");
        assert_eq!(period_text(7), "7s");
    }
}
