//! `services.json` for the app: the service catalog as the citizen sees it (schema:
//! `schemas/services.schema.json`). Fees carry exact cents and the German text, so the app
//! neither parses nor rounds money.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalog::{Catalog, Fee, Service};

/// Version of the `services.json` layout.
pub const SERVICES_SCHEMA_VERSION: u32 = 1;

/// The `services.json` document. One definition of the file's shape: the export writes it,
/// the API (`serve`) reads it back and serves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicesDoc {
    pub schema_version: u32,
    pub services: Vec<ServiceDoc>,
}

/// One service: what to bring, fees, typical duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ServiceDoc {
    /// Code as in the ticket logs, e.g. `PA`.
    pub code: String,
    pub name: String,
    pub description: String,
    /// 14-digit key of the national service catalogue (LeiKa), when known for sure.
    pub leika: Option<String>,
    pub leika_note: Option<String>,
    pub documents: Vec<DocumentDoc>,
    pub fees: Vec<FeeDoc>,
    /// Typical time at the counter, minutes.
    pub duration_minutes: u32,
    pub appointment_required: bool,
    pub online: Option<OnlineDoc>,
    pub notes: Vec<String>,
    /// Where the facts were checked (https URL).
    pub source: String,
    /// Date of the last check.
    pub reviewed: chrono::NaiveDate,
}

/// A document to bring, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DocumentDoc {
    pub name: String,
    /// When it is needed; null: always.
    pub condition: Option<String>,
}

/// A fee in exact cents with its German text, e.g. 4600 and `46,00 €`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FeeDoc {
    pub cents: Option<u32>,
    pub text: Option<String>,
    pub condition: Option<String>,
    pub note: Option<String>,
}

/// A way to do it online.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OnlineDoc {
    pub name: String,
    pub url: String,
}

/// The catalog as the `services.json` document, services in catalog order.
pub fn services_json(catalog: &Catalog) -> ServicesDoc {
    ServicesDoc {
        schema_version: SERVICES_SCHEMA_VERSION,
        services: catalog.services.iter().map(service).collect(),
    }
}

fn service(s: &Service) -> ServiceDoc {
    ServiceDoc {
        code: s.code.clone(),
        name: s.name.clone(),
        description: s.description.clone(),
        leika: s.leika.clone(),
        leika_note: s.leika_note.clone(),
        documents: s
            .documents
            .iter()
            .map(|d| DocumentDoc { name: d.name.clone(), condition: d.condition.clone() })
            .collect(),
        fees: s.fees.iter().map(fee).collect(),
        duration_minutes: s.duration_minutes,
        appointment_required: s.appointment_required,
        online: s.online.as_ref().map(|o| OnlineDoc { name: o.name.clone(), url: o.url.clone() }),
        notes: s.notes.clone(),
        source: s.source.clone(),
        reviewed: s.reviewed,
    }
}

fn fee(f: &Fee) -> FeeDoc {
    FeeDoc {
        cents: f.eur.map(|e| e.cents()),
        text: f.eur.map(|e| e.german()),
        condition: f.condition.clone(),
        note: f.note.clone(),
    }
}
