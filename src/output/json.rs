//! JSON files: pretty-printed with sorted keys (values go through `serde_json::Value`, whose
//! maps are ordered), so the bytes never depend on the order fields are declared in.

use serde::Serialize;

use crate::output::OutputError;

/// Pretty JSON with sorted keys and a final newline.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, OutputError> {
    let mut bytes = json_without_final_newline(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Pretty JSON with sorted keys and no final newline (`profile.json` has always been written so;
/// adding one would change the published bytes).
pub fn json_without_final_newline<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, OutputError> {
    Ok(serde_json::to_vec_pretty(&serde_json::to_value(value)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Doc {
        zeta: u8,
        alpha: Option<f64>,
        mid: f64,
    }

    #[test]
    fn keys_sorted_nan_null_final_newline() {
        let text = String::from_utf8(json(&Doc { zeta: 1, alpha: None, mid: f64::NAN }).unwrap()).unwrap();
        assert_eq!(text, "{\n  \"alpha\": null,\n  \"mid\": null,\n  \"zeta\": 1\n}\n");
    }
}
