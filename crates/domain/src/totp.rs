//! Time-based one-time passwords (RFC 6238; HMAC-SHA1, 6 digits, 30-second steps), the second
//! factor of bureau accounts. A code is accepted for the current step and one step either side
//! (clock drift), and never twice: the last step used is remembered by the caller.

use data_encoding::BASE32_NOPAD;
use hmac::{KeyInit, Mac};

/// Seconds per step.
pub const STEP: i64 = 30;
const DIGITS: u32 = 6;

/// A shared secret (20 bytes, as authenticator apps expect for SHA-1).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

impl TotpSecret {
    pub fn from_bytes(bytes: [u8; 20]) -> Self {
        TotpSecret(bytes.to_vec())
    }

    /// From the Base32 form shown to users (case and spaces ignored).
    pub fn from_base32(text: &str) -> Option<Self> {
        let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        let bytes = BASE32_NOPAD.decode(cleaned.trim_end_matches('=').as_bytes()).ok()?;
        (bytes.len() >= 10).then_some(TotpSecret(bytes))
    }

    pub fn to_base32(&self) -> String {
        BASE32_NOPAD.encode(&self.0)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The code of one step (RFC 4226 dynamic truncation).
    pub fn code_at_step(&self, step: i64) -> u32 {
        let mut mac = <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[digest.len() - 1] & 0x0f);
        let binary =
            u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
        binary % 10u32.pow(DIGITS)
    }

    /// The code at a Unix time, as six digits.
    pub fn code_at(&self, unix_seconds: i64) -> String {
        format!("{:06}", self.code_at_step(unix_seconds.div_euclid(STEP)))
    }

    /// Checks `code` at `unix_seconds`. Returns the step it matched, unless that step is not
    /// after `last_used_step` (a replayed code).
    pub fn verify(&self, code: &str, unix_seconds: i64, last_used_step: Option<i64>) -> Option<i64> {
        let code = code.trim();
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let wanted: u32 = code.parse().ok()?;
        let now = unix_seconds.div_euclid(STEP);
        (now - 1..=now + 1)
            .filter(|step| last_used_step.is_none_or(|last| *step > last))
            .find(|step| self.code_at_step(*step) == wanted)
    }

    /// The `otpauth://` URI authenticator apps read (usually from a QR code).
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let escape = |text: &str| -> String {
            text.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect()
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
            escape(issuer),
            escape(account),
            self.to_base32(),
            escape(issuer)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(*b"12345678901234567890")
    }

    #[test]
    fn rfc_6238_sha1_vectors() {
        // RFC 6238 Appendix B (8 digits there; the last 6 here).
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(rfc_secret().code_at(time), code, "T = {time}");
        }
    }

    #[test]
    fn one_step_of_drift_and_no_replay() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let step = now / STEP;
        assert_eq!(secret.verify(&secret.code_at(now), now, None), Some(step));
        assert_eq!(secret.verify(&secret.code_at(now - STEP), now, None), Some(step - 1));
        assert_eq!(secret.verify(&secret.code_at(now + STEP), now, None), Some(step + 1));
        assert_eq!(secret.verify(&secret.code_at(now - 2 * STEP), now, None), None);
        assert_eq!(secret.verify(&secret.code_at(now), now, Some(step)), None, "already used");
        assert_eq!(secret.verify("12345", now, None), None);
        assert_eq!(secret.verify("abcdef", now, None), None);
    }

    #[test]
    fn base32_round_trip_and_uri() {
        let secret = rfc_secret();
        assert_eq!(secret.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(TotpSecret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq"), Some(secret.clone()));
        assert_eq!(TotpSecret::from_base32("not base32!"), None);
        let uri = secret.otpauth_uri("青浦技能实训", "li.staff");
        assert!(uri.starts_with("otpauth://totp/%E9%9D%92"), "{uri}");
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
        assert_eq!(format!("{secret:?}"), "TotpSecret(***)");
    }
}
