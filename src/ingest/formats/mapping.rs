//! The mapping file: how a vendor export's columns and values become the canonical ticket.
//!
//! A TOML file ([`MappingFile`], unknown keys are an error) is merged over the preset of its
//! format (`custom`, `zms`, `qmatic`) and checked once by [`Mapping::build`], before any row
//! is read; every error names the key. Defaults and meaning of each key: `data/mappings/` and
//! the README section "Importing your ticket system's export".

use std::collections::HashMap;
use std::path::Path;

use chrono_tz::Tz;

use super::keys::{Builder, catalog, custom_preset, merge};
use super::spec::{
    LineEnding, MappingError, MappingFile, Names, Source, TextEncoding, TimeSource, VendorFormat,
};
use super::{qmatic, zms};
use crate::ingest::validate::is_valid_office_id;
use crate::schema::{Channel, Outcome};
use crate::settings::Settings;

/// A checked mapping: everything a vendor reader needs, with the preset merged in.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub format: VendorFormat,
    /// The mapping file's path (or `--format NAME` for a preset alone), for messages.
    pub origin: String,
    pub encoding: TextEncoding,
    /// `None`: detect from the header.
    pub delimiter: Option<u8>,
    pub line_ending: LineEnding,
    pub decimal_comma: bool,
    pub tz: Tz,
    pub date_formats: Vec<String>,
    pub time_formats: Vec<String>,
    pub datetime_formats: Vec<String>,
    pub office: Source,
    /// `None`: ticket numbers are derived (see `sequence`).
    pub ticket_id: Option<Vec<String>>,
    pub service: Vec<String>,
    pub channel: Source,
    /// `None`: the export records no counters.
    pub counter: Option<Vec<String>>,
    pub outcome: Vec<String>,
    pub times: [TimeSource; 3],
    pub channels: HashMap<String, Channel>,
    pub outcomes: HashMap<String, Outcome>,
    /// The keys of `[values.channel]` and `[values.outcome]` as written, for messages.
    pub channel_keys: String,
    pub outcome_keys: String,
    /// Lower-cased service name → code, from `[services]`, then the settings' catalog.
    pub services: HashMap<String, String>,
    pub catalog: HashMap<String, String>,
    pub offices: HashMap<String, String>,
    pub service_separator: Option<String>,
}

/// The keys `format` fills in when the mapping file leaves them out.
fn preset(format: VendorFormat) -> MappingFile {
    match format {
        VendorFormat::Custom => custom_preset(),
        VendorFormat::Zms => zms::preset(),
        VendorFormat::Qmatic => qmatic::preset(),
    }
}

impl Mapping {
    /// Reads a mapping file; `cli_format` (from `--format`) must agree with its `format` key.
    pub fn load(
        path: &Path,
        cli_format: Option<VendorFormat>,
        settings: &Settings,
    ) -> Result<Mapping, MappingError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| MappingError::Read { path: path.to_path_buf(), source })?;
        let origin = path.display().to_string();
        let file: MappingFile =
            toml::from_str(&text).map_err(|source| MappingError::Parse { path: origin.clone(), source })?;
        if let (Some(cli), Some(own)) = (cli_format, file.format)
            && cli != own
        {
            return Err(MappingError::Conflict {
                path: origin,
                message: format!("format = \"{}\", but --format {} was given", own.name(), cli.name()),
            });
        }
        let format = cli_format.or(file.format).unwrap_or(VendorFormat::Custom);
        Mapping::build(format, file, origin, settings)
    }

    /// Merges `file` over the format's preset and checks the result.
    pub fn build(
        format: VendorFormat,
        file: MappingFile,
        origin: String,
        settings: &Settings,
    ) -> Result<Mapping, MappingError> {
        let f = merge(preset(format), file);
        let b = Builder { origin: &origin };
        let c = &f.columns;
        let times = [
            b.time("issued", &c.issued_at, &c.issued_time, &None, &c.date)?,
            b.time("called", &c.called_at, &c.called_time, &c.wait_minutes, &c.date)?,
            b.time("finished", &c.finished_at, &c.finished_time, &c.service_minutes, &c.date)?,
        ];
        if matches!(times[0], TimeSource::Minutes(_)) {
            return Err(b.missing("columns.issued_at", "issue time (a date-and-time or date + time column)"));
        }
        let tz_name = f.timezone.clone().unwrap_or_else(|| settings.timezone.clone());
        let mapping = Mapping {
            format,
            encoding: f.encoding.unwrap_or(TextEncoding::Utf8),
            delimiter: b.delimiter(f.delimiter.as_deref().unwrap_or("auto"))?,
            line_ending: f.line_ending.unwrap_or(LineEnding::Auto),
            decimal_comma: b.decimal(f.decimal.as_deref().unwrap_or("point"))?,
            tz: tz_name
                .parse()
                .map_err(|_| b.invalid("timezone", &tz_name, "an IANA zone such as Europe/Berlin or UTC"))?,
            date_formats: b.formats("date_format", &f.date_format)?,
            time_formats: b.formats("time_format", &f.time_format)?,
            datetime_formats: b.formats("datetime_format", &f.datetime_format)?,
            office: b.source(
                "columns.office_id",
                &c.office_id,
                "office",
                &f.office,
                "the office column, or office = \"…\"",
            )?,
            ticket_id: c.ticket_id.as_ref().map(Names::list),
            service: b.required("columns.service", &c.service, "the column with the service name")?,
            channel: b.source(
                "columns.channel",
                &c.channel,
                "channel",
                &f.channel,
                "the channel column, or channel = \"walk_in\"",
            )?,
            counter: c.counter.as_ref().map(Names::list),
            outcome: b.required(
                "columns.outcome",
                &c.outcome,
                "the column with the outcome (served, no-show, cancelled)",
            )?,
            times,
            channels: b.value_map(
                "values.channel",
                &f.values.channel,
                Channel::parse,
                "walk_in or appointment",
            )?,
            outcomes: b.value_map(
                "values.outcome",
                &f.values.outcome,
                Outcome::parse,
                "served, no_show or cancelled",
            )?,
            services: b.value_map(
                "services",
                &f.services,
                |code| settings.is_service(code).then(|| code.to_string()),
                "a configured service code",
            )?,
            channel_keys: f.values.channel.keys().cloned().collect::<Vec<_>>().join(", "),
            outcome_keys: f.values.outcome.keys().cloned().collect::<Vec<_>>().join(", "),
            catalog: catalog(settings),
            offices: b.value_map(
                "offices",
                &f.offices,
                |id| is_valid_office_id(id).then(|| id.to_string()),
                "an office id (letters, digits, '-', '_', '.')",
            )?,
            service_separator: match f.service_separator {
                Some(s) if s.is_empty() => {
                    return Err(b.invalid("service_separator", "\"\"", "a non-empty text"));
                }
                other => other,
            },
            origin,
        };
        mapping.check_constants()?;
        Ok(mapping)
    }

    fn check_constants(&self) -> Result<(), MappingError> {
        let b = Builder { origin: &self.origin };
        if let Source::Const(id) = &self.office
            && !is_valid_office_id(id)
        {
            return Err(b.invalid("office", id, "an office id (letters, digits, '-', '_', '.')"));
        }
        if let Source::Const(ch) = &self.channel
            && Channel::parse(ch).is_none()
        {
            return Err(b.invalid("channel", ch, "walk_in or appointment"));
        }
        Ok(())
    }

    /// Whether the export names counters (ZMS does not).
    pub fn has_counters(&self) -> bool {
        self.counter.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(format: VendorFormat, toml_text: &str) -> Result<Mapping, MappingError> {
        let file: MappingFile = toml::from_str(toml_text)
            .map_err(|source| MappingError::Parse { path: "test.toml".into(), source })?;
        Mapping::build(format, file, "test.toml".into(), &Settings::default())
    }

    const CUSTOM: &str = r#"
        encoding = "windows-1252"
        delimiter = ";"
        decimal = "comma"
        office = "rathaus"
        [columns]
        ticket_id = "Nummer"
        service = "Anliegen"
        channel = "Termin"
        date = "Datum"
        issued_time = "Gezogen"
        called_time = "Aufruf"
        service_minutes = "Dauer"
        counter = "Platz"
        outcome = "Status"
        [values.channel]
        ja = "appointment"
        nein = "walk_in"
        [values.outcome]
        Bedient = "served"
        [services]
        "Führerschein" = "FS"
    "#;

    #[test]
    fn a_custom_mapping_builds_with_its_defaults() {
        let m = build(VendorFormat::Custom, CUSTOM).unwrap();
        assert_eq!((m.delimiter, m.decimal_comma, m.encoding), (Some(b';'), true, TextEncoding::Windows1252));
        assert_eq!(m.office, Source::Const("rathaus".into()));
        assert_eq!(m.times[2], TimeSource::Minutes(vec!["Dauer".into()]));
        assert_eq!(m.outcomes.get("bedient"), Some(&Outcome::Served));
        assert_eq!(m.services.get("führerschein").map(String::as_str), Some("FS"));
        assert_eq!(m.date_formats[0], "%d.%m.%Y");
        assert!(m.has_counters());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let chain = |e: MappingError| crate::errors::chain(&e);
        let err = chain(build(VendorFormat::Custom, "delimter = \";\"").unwrap_err());
        assert!(err.contains("delimter"), "{err}");
        let err = chain(build(VendorFormat::Custom, "[columns]\nofice_id = \"x\"").unwrap_err());
        assert!(err.contains("ofice_id"), "{err}");
        let err = build(VendorFormat::Custom, &CUSTOM.replace("\"FS\"", "\"FSX\"")).unwrap_err().to_string();
        assert!(err.contains("services.\"Führerschein\"") && err.contains("FSX"), "{err}");
        let err =
            build(VendorFormat::Custom, &CUSTOM.replace("\"served\"", "\"done\"")).unwrap_err().to_string();
        assert!(err.contains("values.outcome.\"Bedient\""), "{err}");
        let err = build(VendorFormat::Custom, &format!("date_format = \"%d.%Q\"\n{CUSTOM}"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("date_format = \"%d.%Q\""), "{err}");
        let err = build(VendorFormat::Custom, &format!("timezone = \"Mars/Base\"\n{CUSTOM}"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("timezone") && err.contains("Mars/Base"), "{err}");
    }

    #[test]
    fn missing_required_keys_are_named() {
        let err = build(VendorFormat::Custom, &CUSTOM.replace("outcome = \"Status\"", "")).unwrap_err();
        assert!(err.to_string().contains("missing required key columns.outcome"), "{err}");
        let err = build(VendorFormat::Custom, &CUSTOM.replace("date = \"Datum\"", "")).unwrap_err();
        assert!(err.to_string().contains("columns.date"), "{err}");
        let err = build(VendorFormat::Custom, &CUSTOM.replace("called_time = \"Aufruf\"", "")).unwrap_err();
        assert!(err.to_string().contains("columns.called_at"), "{err}");
        let both =
            CUSTOM.replace("called_time = \"Aufruf\"", "called_time = \"Aufruf\"\nwait_minutes = \"W\"");
        let err = build(VendorFormat::Custom, &both).unwrap_err().to_string();
        assert!(err.contains("columns.called_time and columns.wait_minutes"), "{err}");
    }

    #[test]
    fn user_keys_override_the_preset_and_maps_add_up() {
        let m = build(
            VendorFormat::Zms,
            "[columns]\ncalled_time = \"Aufruf\"\n[values.outcome]\n\"2\" = \"cancelled\"\n[services]\nX = \"PA\"",
        )
        .unwrap();
        assert!(matches!(m.times[1], TimeSource::Time { .. }), "{:?}", m.times[1]);
        assert_eq!(m.outcomes.get("1"), Some(&Outcome::NoShow));
        assert_eq!(m.outcomes.get("2"), Some(&Outcome::Cancelled));
        assert_eq!(m.catalog.get("personalausweis").map(String::as_str), Some("PA"));
    }

    #[test]
    fn the_qmatic_preset_needs_only_a_channel() {
        let file = |text: &str| -> MappingFile { toml::from_str(text).unwrap() };
        let build = |text: &str| {
            Mapping::build(VendorFormat::Qmatic, file(text), "q.toml".into(), &Settings::default())
        };
        let err = build("").unwrap_err().to_string();
        assert!(err.contains("columns.channel"), "{err}");
        let m = build("channel = \"walk_in\"\ntimezone = \"UTC\"").unwrap();
        assert!(m.has_counters());
        assert_eq!(m.tz, chrono_tz::UTC);
        assert_eq!(m.outcomes.get("no_show"), Some(&Outcome::NoShow));
        assert_eq!(m.outcomes.get("remove_by_reset"), Some(&Outcome::Cancelled));
        assert_eq!(m.outcomes.get("recycle"), None);
    }

    #[test]
    fn the_zms_preset_alone_is_a_complete_mapping_without_counters_and_ticket_numbers() {
        let m = Mapping::build(
            VendorFormat::Zms,
            MappingFile::default(),
            "--format zms".into(),
            &Settings::default(),
        )
        .unwrap();
        assert!(!m.has_counters() && m.ticket_id.is_none());
        assert_eq!(m.office, Source::Column(vec!["StandortID".into(), "scope_id".into()]));
        assert_eq!(m.times[1], TimeSource::Minutes(vec!["waiting_time".into(), "wartezeit".into()]));
        assert_eq!(m.delimiter, None, "detected from the header");
    }
}
