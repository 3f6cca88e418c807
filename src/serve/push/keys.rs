//! VAPID (RFC 8292): the server's P-256 key pair, read from the file `[serve.push]
//! vapid_private_key_file` names; the public key the browser subscribes with; and the signed
//! `Authorization: vapid t=…, k=…` header of each delivery (an ES256 JWT whose audience is
//! the push service's origin).

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};

use crate::serve::error::ServeError;

/// The server's VAPID key.
#[derive(Clone)]
pub struct VapidKey {
    signing: SigningKey,
    /// Uncompressed public point (65 bytes), base64url without padding.
    public: String,
    /// The JWT's `sub`: a mailto: or https: contact.
    subject: String,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey").field("public", &self.public).finish_non_exhaustive()
    }
}

/// Base64url (or standard base64), padded or not, as browsers and key tools write it.
pub fn decode_b64(text: &str) -> Option<Vec<u8>> {
    let t: String = text.trim().trim_end_matches('=').replace('+', "-").replace('/', "_");
    B64.decode(t).ok()
}

pub fn encode_b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

impl VapidKey {
    /// The key from its private scalar (base64url of 32 bytes).
    pub fn from_private(text: &str, subject: &str) -> Result<VapidKey, String> {
        let bytes = decode_b64(text).ok_or("not base64url")?;
        if bytes.len() != 32 {
            return Err(format!("{} bytes; a P-256 private key has 32", bytes.len()));
        }
        let signing =
            SigningKey::from_slice(&bytes).map_err(|_| "not a P-256 private key (zero or too large)")?;
        let public = encode_b64(signing.verifying_key().to_encoded_point(false).as_bytes());
        Ok(VapidKey { signing, public, subject: subject.to_string() })
    }

    /// Reads the key file; errors name the file.
    pub fn load(path: &Path, subject: &str) -> Result<VapidKey, ServeError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ServeError::VapidKeyRead { path: path.to_path_buf(), source })?;
        VapidKey::from_private(&text, subject)
            .map_err(|message| ServeError::VapidKey { path: path.to_path_buf(), message })
    }

    /// The public key (base64url, 65 bytes uncompressed): the app's `applicationServerKey`.
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// `vapid t=<JWT>, k=<public key>` for a push service at `audience` (its origin), valid
    /// until `expires` (seconds since the epoch, at most 24 hours ahead).
    pub fn authorization(&self, audience: &str, expires: u64) -> String {
        let header = encode_b64(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({"aud": audience, "exp": expires, "sub": self.subject});
        let input = format!("{header}.{}", encode_b64(claims.to_string().as_bytes()));
        let signature: Signature = self.signing.sign(input.as_bytes());
        format!("vapid t={input}.{}, k={}", encode_b64(&signature.to_bytes()), self.public)
    }
}

/// A new key pair: (private key, public key), both base64url.
pub fn generate() -> (String, String) {
    let signing = SigningKey::random(&mut rand_core::OsRng);
    let public = encode_b64(signing.verifying_key().to_encoded_point(false).as_bytes());
    (encode_b64(&signing.to_bytes()), public)
}

/// Writes a new private key to `path` (mode 0600 on Unix; an existing file is not replaced)
/// and returns the public key.
pub fn generate_file(path: &Path) -> std::io::Result<String> {
    let (private, public) = generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    std::io::Write::write_all(&mut file, format!("{private}\n").as_bytes())?;
    file.sync_all()?;
    Ok(public)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier;

    #[test]
    fn the_header_is_a_jwt_signed_by_the_public_key_it_names() {
        let (private, public) = generate();
        let key = VapidKey::from_private(&private, "mailto:ops@example.org").unwrap();
        assert_eq!(key.public_key(), public);
        let header = key.authorization("https://push.example.net", 1_900_000_000);
        let rest = header.strip_prefix("vapid t=").unwrap();
        let (jwt, k) = rest.split_once(", k=").unwrap();
        assert_eq!(k, public);
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value = serde_json::from_slice(&decode_b64(parts[1]).unwrap()).unwrap();
        assert_eq!(
            claims,
            serde_json::json!({"aud": "https://push.example.net", "exp": 1_900_000_000u64, "sub": "mailto:ops@example.org"})
        );
        let head: serde_json::Value = serde_json::from_slice(&decode_b64(parts[0]).unwrap()).unwrap();
        assert_eq!(head["alg"], "ES256");
        let verifying = VerifyingKey::from_sec1_bytes(&decode_b64(k).unwrap()).unwrap();
        let sig = Signature::from_slice(&decode_b64(parts[2]).unwrap()).unwrap();
        verifying.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig).unwrap();
        let other = format!("{}.{}x", parts[0], parts[1]);
        assert!(verifying.verify(other.as_bytes(), &sig).is_err());
    }

    #[test]
    fn bad_keys_are_refused_with_the_reason() {
        assert!(VapidKey::from_private("!!", "mailto:a@b").unwrap_err().contains("base64"));
        assert!(
            VapidKey::from_private(&encode_b64(&[1; 31]), "mailto:a@b").unwrap_err().contains("31 bytes")
        );
        assert!(VapidKey::from_private(&encode_b64(&[0; 32]), "mailto:a@b").unwrap_err().contains("P-256"));
        assert!(VapidKey::from_private(&encode_b64(&[0xff; 32]), "mailto:a@b").is_err());
        // Padded and standard-alphabet texts are read too.
        let (private, public) = generate();
        let std_alphabet = private.replace('-', "+").replace('_', "/") + "=";
        assert_eq!(VapidKey::from_private(&std_alphabet, "mailto:a@b").unwrap().public_key(), public);
    }

    #[test]
    fn a_generated_file_is_private_and_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vapid.key");
        let public = generate_file(&path).unwrap();
        assert_eq!(VapidKey::load(&path, "mailto:a@b").unwrap().public_key(), public);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(generate_file(&path).is_err(), "an existing key is not replaced");
        let missing = VapidKey::load(&dir.path().join("nope"), "mailto:a@b").unwrap_err();
        assert!(
            matches!(&missing, ServeError::VapidKeyRead { path, .. } if path.ends_with("nope")),
            "{missing}"
        );
        assert!(missing.to_string().contains("vapid_private_key_file"), "{missing}");
        std::fs::write(dir.path().join("short"), "AAAA\n").unwrap();
        let short = VapidKey::load(&dir.path().join("short"), "mailto:a@b").unwrap_err().to_string();
        assert!(short.contains("short") && short.contains("3 bytes"), "{short}");
    }
}
