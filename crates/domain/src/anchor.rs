//! Anchoring the audit chain (SEC-36): once a day the chain's head — its last sequence number
//! and hash — is signed with the bureau's SM2 key and copied off the machine. Whoever keeps the
//! copies can later prove that the records up to that head existed then, exactly as they are:
//! even someone holding the database *and* the chain's HMAC key cannot rewrite history before an
//! anchor without the signed heads disagreeing.

use chrono::NaiveDate;
use sm2::SecretKey;
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};

/// The SM2 distinguishing identifier (GM/T 0009 default: "1234567812345678") under which the
/// bureau's key signs; a verifier elsewhere must use the same.
pub const DIST_ID: &str = "1234567812345678";

/// What is signed: the day (Asia/Shanghai), the head's sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AnchorStatement {
    pub day: NaiveDate,
    pub seq: i64,
    pub hash: String,
}

impl AnchorStatement {
    /// The exact bytes signed: versioned, one field per line, nothing left to interpretation.
    pub fn message(&self) -> String {
        format!("skillbase-audit-anchor:v1\n{}\n{}\n{}\n", self.day.format("%Y-%m-%d"), self.seq, self.hash)
    }
}

/// Why a key or signature was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnchorError {
    #[error("SM2 密钥格式不正确")]
    BadKey,
    #[error("签名格式不正确")]
    BadSignature,
    #[error("签名与内容不符")]
    Mismatch,
}

/// The bureau's SM2 signing key.
pub struct BureauKey {
    signing: SigningKey,
}

impl std::fmt::Debug for BureauKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BureauKey").field("public", &self.public_key_hex()).finish_non_exhaustive()
    }
}

impl BureauKey {
    /// A new key from `rng`: the caller's random source (the operating system's, in `app`).
    pub fn generate(rng: &mut impl rand_core::CryptoRngCore) -> BureauKey {
        let secret = SecretKey::random(rng);
        Self::from_secret(&secret).unwrap_or_else(|_| unreachable!("a random scalar is a valid key"))
    }

    fn from_secret(secret: &SecretKey) -> Result<BureauKey, AnchorError> {
        SigningKey::new(DIST_ID, secret).map(|signing| BureauKey { signing }).map_err(|_| AnchorError::BadKey)
    }

    /// The key from its 32 secret bytes (as kept sealed in the database).
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<BureauKey, AnchorError> {
        let secret = SecretKey::from_slice(bytes).map_err(|_| AnchorError::BadKey)?;
        Self::from_secret(&secret)
    }

    /// The 32 secret bytes, to be sealed before they are stored.
    pub fn secret_bytes(&self) -> Vec<u8> {
        self.signing.to_bytes().to_vec()
    }

    /// The public key, SEC1 uncompressed, hexadecimal (what is published).
    pub fn public_key_hex(&self) -> String {
        hex(&self.signing.verifying_key().to_sec1_bytes())
    }

    /// The signature (r ‖ s), hexadecimal.
    pub fn sign(&self, statement: &AnchorStatement) -> String {
        self.sign_text(&statement.message())
    }

    /// The signature (r ‖ s) of any fixed text (a plaque's statement), hexadecimal.
    pub fn sign_text(&self, message: &str) -> String {
        let signature: Signature = self.signing.sign(message.as_bytes());
        hex(&signature.to_bytes())
    }
}

/// Checks a signature with a published public key.
pub fn verify(public_key_hex: &str, statement: &AnchorStatement, signature_hex: &str) -> Result<(), AnchorError> {
    verify_text(public_key_hex, &statement.message(), signature_hex)
}

/// Checks the signature of a fixed text with a published public key.
pub fn verify_text(public_key_hex: &str, message: &str, signature_hex: &str) -> Result<(), AnchorError> {
    let public = unhex(public_key_hex).ok_or(AnchorError::BadKey)?;
    let key = VerifyingKey::from_sec1_bytes(DIST_ID, &public).map_err(|_| AnchorError::BadKey)?;
    let bytes = unhex(signature_hex).ok_or(AnchorError::BadSignature)?;
    let signature = Signature::try_from(bytes.as_slice()).map_err(|_| AnchorError::BadSignature)?;
    key.verify(message.as_bytes(), &signature).map_err(|_| AnchorError::Mismatch)
}

fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    data_encoding::HEXLOWER_PERMISSIVE.decode(text.trim().as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn rng(seed: u64) -> rand_chacha::ChaCha8Rng {
        rand_chacha::ChaCha8Rng::seed_from_u64(seed)
    }

    fn statement() -> AnchorStatement {
        AnchorStatement { day: NaiveDate::from_ymd_opt(2024, 10, 8).expect("a date"), seq: 4711, hash: "ab".repeat(32) }
    }

    #[test]
    fn a_signed_head_verifies_with_the_published_key_and_nothing_else() {
        let key = BureauKey::generate(&mut rng(1));
        let signature = key.sign(&statement());
        assert_eq!(verify(&key.public_key_hex(), &statement(), &signature), Ok(()));
        let moved = AnchorStatement { seq: 4712, ..statement() };
        assert_eq!(verify(&key.public_key_hex(), &moved, &signature), Err(AnchorError::Mismatch));
        let other = BureauKey::generate(&mut rng(2));
        assert_eq!(verify(&other.public_key_hex(), &statement(), &signature), Err(AnchorError::Mismatch));
        assert_eq!(verify("zz", &statement(), &signature), Err(AnchorError::BadKey));
        assert_eq!(verify(&key.public_key_hex(), &statement(), "00"), Err(AnchorError::BadSignature));
    }

    #[test]
    fn the_key_survives_its_stored_form() {
        let key = BureauKey::generate(&mut rng(3));
        let again = BureauKey::from_secret_bytes(&key.secret_bytes()).expect("restores");
        assert_eq!(again.public_key_hex(), key.public_key_hex());
        assert!(BureauKey::from_secret_bytes(&[0u8; 32]).is_err(), "zero is no key");
        assert!(!format!("{key:?}").contains(&hex(&key.secret_bytes())), "Debug never shows the secret");
    }

    #[test]
    fn the_signed_message_is_fixed() {
        assert_eq!(
            statement().message(),
            format!("skillbase-audit-anchor:v1\n2024-10-08\n4711\n{}\n", "ab".repeat(32))
        );
    }
}
