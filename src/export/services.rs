//! `services.json` for the app: the service catalog as the citizen sees it (schema:
//! `schemas/services.schema.json`). Fees carry exact cents and the German text, so the app
//! neither parses nor rounds money.

use serde_json::{Value, json};

use crate::catalog::{Catalog, Fee, Service};

/// Version of the `services.json` layout.
pub const SERVICES_SCHEMA_VERSION: u32 = 1;

/// The catalog as the `services.json` document, services in catalog order.
pub fn services_json(catalog: &Catalog) -> Value {
    json!({
        "schema_version": SERVICES_SCHEMA_VERSION,
        "services": catalog.services.iter().map(service).collect::<Vec<_>>(),
    })
}

fn service(s: &Service) -> Value {
    json!({
        "code": s.code,
        "name": s.name,
        "description": s.description,
        "leika": s.leika,
        "leika_note": s.leika_note,
        "documents": s.documents.iter().map(|d| json!({"name": d.name, "condition": d.condition})).collect::<Vec<_>>(),
        "fees": s.fees.iter().map(fee).collect::<Vec<_>>(),
        "duration_minutes": s.duration_minutes,
        "appointment_required": s.appointment_required,
        "online": s.online.as_ref().map(|o| json!({"name": o.name, "url": o.url})),
        "notes": s.notes,
        "source": s.source,
        "reviewed": s.reviewed.to_string(),
    })
}

fn fee(f: &Fee) -> Value {
    json!({
        "cents": f.eur.map(|e| e.cents()),
        "text": f.eur.map(|e| e.german()),
        "condition": f.condition,
        "note": f.note,
    })
}
