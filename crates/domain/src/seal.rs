//! Encryption of sensitive values at rest (QUALITY.md SEC-26): SM4-GCM (GB/T 32907 block
//! cipher in GCM mode, as in RFC 8998), a fresh 96-bit nonce per value, the key version in the
//! stored form so keys can be rotated. The stored form is text:
//! `sm4gcm:<key version>:<nonce hex>:<ciphertext+tag hex>`.
//!
//! The nonce comes from the caller (the OS random source in `app`), which keeps this module
//! free of I/O and testable with fixed nonces.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{AesGcm, Nonce};

type Sm4Gcm = AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;

/// A data-encryption key (128 bits) and its version.
#[derive(Clone)]
pub struct DataKey {
    version: u32,
    key: [u8; 16],
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey(v{}, ***)", self.version)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("密文格式不正确")]
    Format,
    #[error("密文使用的密钥版本 {0} 不可用")]
    UnknownKey(u32),
    #[error("密文校验失败：数据被篡改或密钥不符")]
    Tampered,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

impl DataKey {
    pub fn new(version: u32, key: [u8; 16]) -> Self {
        DataKey { version, key }
    }

    /// From 32 hexadecimal digits.
    pub fn from_hex(version: u32, text: &str) -> Option<Self> {
        let bytes = unhex(text.trim())?;
        Some(DataKey { version, key: bytes.try_into().ok()? })
    }

    pub fn to_hex(&self) -> String {
        hex(&self.key)
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    /// Encrypts `plaintext`, bound to `context` (e.g. `users.totp_secret:<user id>`), so a
    /// sealed value copied into another row or column no longer opens.
    pub fn seal(&self, nonce: [u8; 12], plaintext: &[u8], context: &str) -> String {
        let cipher = Sm4Gcm::new(&self.key.into());
        let sealed = cipher
            .encrypt(
                &Nonce::<aes_gcm::aead::consts::U12>::from(nonce),
                Payload { msg: plaintext, aad: context.as_bytes() },
            )
            .unwrap_or_default();
        format!("sm4gcm:{}:{}:{}", self.version, hex(&nonce), hex(&sealed))
    }

    /// Decrypts a value sealed by [`DataKey::seal`] with this key and the same context.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, SealError> {
        let mut parts = sealed.split(':');
        let (Some("sm4gcm"), Some(version), Some(nonce), Some(body), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(SealError::Format);
        };
        let version: u32 = version.parse().map_err(|_| SealError::Format)?;
        if version != self.version {
            return Err(SealError::UnknownKey(version));
        }
        let nonce: [u8; 12] = unhex(nonce).and_then(|n| n.try_into().ok()).ok_or(SealError::Format)?;
        let body = unhex(body).ok_or(SealError::Format)?;
        Sm4Gcm::new(&self.key.into())
            .decrypt(&Nonce::<aes_gcm::aead::consts::U12>::from(nonce), Payload { msg: &body, aad: context.as_bytes() })
            .map_err(|_| SealError::Tampered)
    }
}

impl DataKey {
    /// A keyed SM3 digest of `value` for exact search without decrypting (a *blind index*):
    /// `HMAC-SM3(SM3("skillbase blind index" ‖ key), purpose ‖ 0x00 ‖ value)`, hexadecimal. The
    /// HMAC key is derived from the data key, so the index key is never the encryption key, and
    /// `purpose` (e.g. `trainees.resident_id`) keeps one column's digests from matching another's.
    pub fn blind_index(&self, purpose: &str, value: &str) -> String {
        use hmac::{Mac, digest::Digest};
        let mut derive = sm3::Sm3::new();
        derive.update(b"skillbase blind index");
        derive.update(self.key);
        let index_key = derive.finalize();
        let mut mac = <hmac::Hmac<sm3::Sm3> as hmac::digest::KeyInit>::new_from_slice(&index_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blind_index_is_keyed_and_purpose_bound() {
        let key = DataKey::new(1, [7; 16]);
        let a = key.blind_index("trainees.resident_id", "11010519491231002X");
        assert_eq!(a, key.blind_index("trainees.resident_id", "11010519491231002X"));
        assert_eq!(a.len(), 64);
        assert_ne!(a, key.blind_index("trainees.phone", "11010519491231002X"));
        assert_ne!(a, key.blind_index("trainees.resident_id", "110105194912310021"));
        assert_ne!(a, DataKey::new(1, [8; 16]).blind_index("trainees.resident_id", "11010519491231002X"));
    }

    #[test]
    fn sm4_known_answer() {
        // GB/T 32907-2016 example 1 (QUALITY.md SEC-30).
        use sm4::cipher::{BlockCipherEncrypt, KeyInit as _};
        let key = unhex("0123456789abcdeffedcba9876543210").expect("hex");
        let cipher = sm4::Sm4::new_from_slice(&key).expect("key");
        let mut block: [u8; 16] = key.clone().try_into().expect("block");
        cipher.encrypt_block((&mut block).into());
        assert_eq!(hex(&block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let key = DataKey::new(1, [7; 16]);
        let a = key.seal([1; 12], b"JBSWY3DPEHPK3PXP", "users.totp_secret:u1");
        let b = key.seal([2; 12], b"JBSWY3DPEHPK3PXP", "users.totp_secret:u1");
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains("JBSWY3DP"));
        assert_eq!(key.open(&a, "users.totp_secret:u1").as_deref(), Ok(&b"JBSWY3DPEHPK3PXP"[..]));
        assert_eq!(key.open(&a, "users.totp_secret:u2"), Err(SealError::Tampered), "bound to its row");
        let mut flipped = a.clone();
        let last = flipped.pop().expect("char");
        flipped.push(if last == '0' { '1' } else { '0' });
        assert_eq!(key.open(&flipped, "users.totp_secret:u1"), Err(SealError::Tampered));
        assert_eq!(DataKey::new(2, [7; 16]).open(&a, "users.totp_secret:u1"), Err(SealError::UnknownKey(1)));
        assert_eq!(key.open("plain text", "x"), Err(SealError::Format));
        assert_eq!(DataKey::from_hex(1, &key.to_hex()).map(|k| k.key), Some([7; 16]));
        assert_eq!(format!("{key:?}"), "DataKey(v1, ***)");
    }
}
