//! `services.json` for the app: the service catalog as the citizen sees it (schema:
//! `schemas/services.schema.json`). Fees carry exact cents and the German text, so the app
//! neither parses nor rounds money.

use serde::Serialize;

use crate::catalog::{Catalog, Fee, Service};

/// Version of the `services.json` layout.
pub const SERVICES_SCHEMA_VERSION: u32 = 1;

/// The `services.json` document.
#[derive(Debug, Clone, Serialize)]
pub struct ServicesDoc<'a> {
    pub schema_version: u32,
    pub services: Vec<ServiceDoc<'a>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceDoc<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub leika: Option<&'a str>,
    pub leika_note: Option<&'a str>,
    pub documents: Vec<DocumentDoc<'a>>,
    pub fees: Vec<FeeDoc<'a>>,
    pub duration_minutes: u32,
    pub appointment_required: bool,
    pub online: Option<OnlineDoc<'a>>,
    pub notes: &'a [String],
    pub source: &'a str,
    pub reviewed: chrono::NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentDoc<'a> {
    pub name: &'a str,
    pub condition: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeeDoc<'a> {
    pub cents: Option<u32>,
    pub text: Option<String>,
    pub condition: Option<&'a str>,
    pub note: Option<&'a str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OnlineDoc<'a> {
    pub name: &'a str,
    pub url: &'a str,
}

/// The catalog as the `services.json` document, services in catalog order.
pub fn services_json(catalog: &Catalog) -> ServicesDoc<'_> {
    ServicesDoc {
        schema_version: SERVICES_SCHEMA_VERSION,
        services: catalog.services.iter().map(service).collect(),
    }
}

fn service(s: &Service) -> ServiceDoc<'_> {
    ServiceDoc {
        code: &s.code,
        name: &s.name,
        description: &s.description,
        leika: s.leika.as_deref(),
        leika_note: s.leika_note.as_deref(),
        documents: s
            .documents
            .iter()
            .map(|d| DocumentDoc { name: &d.name, condition: d.condition.as_deref() })
            .collect(),
        fees: s.fees.iter().map(fee).collect(),
        duration_minutes: s.duration_minutes,
        appointment_required: s.appointment_required,
        online: s.online.as_ref().map(|o| OnlineDoc { name: &o.name, url: &o.url }),
        notes: &s.notes,
        source: &s.source,
        reviewed: s.reviewed,
    }
}

fn fee(f: &Fee) -> FeeDoc<'_> {
    FeeDoc {
        cents: f.eur.map(|e| e.cents()),
        text: f.eur.map(|e| e.german()),
        condition: f.condition.as_deref(),
        note: f.note.as_deref(),
    }
}
