//! The tamper-evident audit chain (QUALITY.md SEC-36).
//!
//! Every audit record carries the hash of the record before it and its own hash:
//! `hash = HMAC-SM3(key, prev_hash ‖ canonical(record))`, where `canonical` is the record's
//! fields as JSON in a fixed order (sequence number included, so reordering is detected). The key
//! lives outside the database, so a database administrator can neither forge a record nor
//! recompute the chain after editing one. [`verify_chain`] walks the records in sequence order
//! and reports the first broken link.

use std::fmt;

use hmac::{KeyInit, Mac};
use serde::Serialize;

/// The algorithm recorded with each row.
pub const ALGORITHM: &str = "HMAC-SM3";

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

type HmacSm3 = hmac::Hmac<sm3::Sm3>;

/// The secret key of the chain (32 bytes). It never prints.
#[derive(Clone)]
pub struct AuditKey([u8; 32]);

impl AuditKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        AuditKey(bytes)
    }

    /// From 64 hexadecimal characters.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let hex = hex.trim();
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(AuditKey(bytes))
    }

    pub fn to_hex(&self) -> String {
        to_hex(&self.0)
    }
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(***)")
    }
}

fn to_hex(bytes: &[u8]) -> String {
    use fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// SM3 of `data`, hexadecimal (GB/T 32905-2016).
pub fn sm3_hex(data: &[u8]) -> String {
    use sm3::Digest;
    to_hex(&sm3::Sm3::digest(data))
}

/// The fields of a record that the chain protects, in their canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainedRecord {
    pub seq: i64,
    /// Unix milliseconds, UTC.
    pub at: i64,
    pub actor: Option<String>,
    pub actor_role: Option<String>,
    pub organization_id: Option<String>,
    pub client_ip: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub detail: String,
}

/// `HMAC-SM3(key, prev_hash ‖ canonical JSON of the record)`, hexadecimal.
pub fn chain_hash(key: &AuditKey, prev_hash: &str, record: &ChainedRecord) -> String {
    let canonical = serde_json::to_vec(record).unwrap_or_default();
    let mut mac =
        <HmacSm3 as KeyInit>::new_from_slice(&key.0).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(prev_hash.as_bytes());
    mac.update(&canonical);
    to_hex(&mac.finalize().into_bytes())
}

/// A record as stored: the protected fields and the chain columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub id: String,
    pub record: ChainedRecord,
    pub alg: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The first broken link found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChainBreak {
    /// A record's content does not match its hash (edited, or moved to another position).
    HashMismatch { seq: i64, id: String },
    /// A record does not point at the record before it (one was removed or inserted).
    PrevMismatch { seq: i64, id: String },
    /// Sequence numbers are not consecutive (a record is missing).
    SequenceGap { expected: i64, found: i64 },
    /// The chain is shorter or different than its recorded head (the tail was cut).
    HeadMismatch { head_seq: i64, last_seq: i64 },
    /// A record claims an algorithm this version does not know.
    UnknownAlgorithm { seq: i64, alg: String },
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainBreak::HashMismatch { seq, id } => {
                write!(f, "第 {seq} 条记录（{id}）内容与其哈希不符：已被修改或移动")
            }
            ChainBreak::PrevMismatch { seq, id } => {
                write!(f, "第 {seq} 条记录（{id}）未指向前一条记录：前面有记录被删除或插入")
            }
            ChainBreak::SequenceGap { expected, found } => {
                write!(f, "缺少第 {expected} 条记录（下一条为第 {found} 条）")
            }
            ChainBreak::HeadMismatch { head_seq, last_seq } => {
                write!(f, "链头记录为第 {head_seq} 条，但最后一条记录为第 {last_seq} 条：末尾记录被删除或链头被改动")
            }
            ChainBreak::UnknownAlgorithm { seq, alg } => {
                write!(f, "第 {seq} 条记录使用未知算法 {alg}")
            }
        }
    }
}

/// Checks records fed in sequence order, one page at a time, then the recorded head.
#[derive(Debug, Clone)]
pub struct ChainVerifier<'k> {
    key: &'k AuditKey,
    prev_hash: String,
    next_seq: i64,
}

impl<'k> ChainVerifier<'k> {
    pub fn new(key: &'k AuditKey) -> Self {
        ChainVerifier { key, prev_hash: GENESIS.to_owned(), next_seq: 1 }
    }

    /// The sequence number the next record must have.
    pub fn next_seq(&self) -> i64 {
        self.next_seq
    }

    pub fn push(&mut self, stored: StoredRecord) -> Result<(), ChainBreak> {
        let seq = stored.record.seq;
        if seq != self.next_seq {
            return Err(ChainBreak::SequenceGap { expected: self.next_seq, found: seq });
        }
        if stored.alg != ALGORITHM {
            return Err(ChainBreak::UnknownAlgorithm { seq, alg: stored.alg });
        }
        if stored.prev_hash != self.prev_hash {
            return Err(ChainBreak::PrevMismatch { seq, id: stored.id });
        }
        if chain_hash(self.key, &stored.prev_hash, &stored.record) != stored.hash {
            return Err(ChainBreak::HashMismatch { seq, id: stored.id });
        }
        self.prev_hash = stored.hash;
        self.next_seq += 1;
        Ok(())
    }

    /// Compares the end of the chain with the recorded head `(seq, hash)`; returns how many
    /// records were checked.
    pub fn finish(self, head: (i64, &str)) -> Result<u64, ChainBreak> {
        let last_seq = self.next_seq - 1;
        if head.0 != last_seq || head.1 != self.prev_hash {
            return Err(ChainBreak::HeadMismatch { head_seq: head.0, last_seq });
        }
        Ok(u64::try_from(last_seq).unwrap_or_default())
    }
}

/// Checks a whole chain given in sequence order against the key and the recorded head.
pub fn verify_chain(
    key: &AuditKey,
    records: impl IntoIterator<Item = StoredRecord>,
    head: (i64, &str),
) -> Result<u64, ChainBreak> {
    let mut verifier = ChainVerifier::new(key);
    for record in records {
        verifier.push(record)?;
    }
    verifier.finish(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> AuditKey {
        AuditKey::from_bytes([7; 32])
    }

    fn record(seq: i64, action: &str) -> ChainedRecord {
        ChainedRecord {
            seq,
            at: 1_727_400_000_000 + seq,
            actor: Some("u1".into()),
            actor_role: Some("staff".into()),
            organization_id: None,
            client_ip: Some("127.0.0.1".into()),
            request_id: None,
            action: action.into(),
            object_type: "application".into(),
            object_id: Some(format!("a{seq}")),
            detail: "{}".into(),
        }
    }

    fn chain(n: i64) -> (Vec<StoredRecord>, (i64, String)) {
        let mut prev = GENESIS.to_owned();
        let mut rows = Vec::new();
        for seq in 1..=n {
            let record = record(seq, "application.accept");
            let hash = chain_hash(&key(), &prev, &record);
            rows.push(StoredRecord {
                id: format!("r{seq}"),
                record,
                alg: ALGORITHM.into(),
                prev_hash: prev,
                hash: hash.clone(),
            });
            prev = hash;
        }
        (rows, (n, prev))
    }

    #[test]
    fn sm3_known_answer() {
        // GB/T 32905-2016, example 1 (QUALITY.md SEC-30).
        assert_eq!(sm3_hex(b"abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    #[test]
    fn keys_round_trip_and_never_print() {
        let key = AuditKey::from_bytes([0xab; 32]);
        assert_eq!(AuditKey::from_hex(&key.to_hex()).map(|k| k.0), Some([0xab; 32]));
        assert_eq!(format!("{key:?}"), "AuditKey(***)");
        assert!(AuditKey::from_hex("abc").is_none());
        assert!(AuditKey::from_hex(&"zz".repeat(32)).is_none());
    }

    #[test]
    fn an_intact_chain_verifies() {
        let (rows, (seq, hash)) = chain(5);
        assert_eq!(verify_chain(&key(), rows, (seq, &hash)), Ok(5));
        assert_eq!(verify_chain(&key(), Vec::new(), (0, GENESIS)), Ok(0));
    }

    #[test]
    fn every_kind_of_tampering_is_found_at_its_place() {
        let (rows, (seq, hash)) = chain(5);

        let mut edited = rows.clone();
        edited[2].record.detail = r#"{"amount":1}"#.into();
        assert_eq!(
            verify_chain(&key(), edited, (seq, &hash)),
            Err(ChainBreak::HashMismatch { seq: 3, id: "r3".into() })
        );

        let mut deleted = rows.clone();
        deleted.remove(1);
        assert_eq!(verify_chain(&key(), deleted, (seq, &hash)), Err(ChainBreak::SequenceGap { expected: 2, found: 3 }));

        // Deleting a record and renumbering the rest breaks the link to the previous hash.
        let mut renumbered = rows.clone();
        renumbered.remove(1);
        for (i, row) in renumbered.iter_mut().enumerate() {
            row.record.seq = i as i64 + 1;
        }
        assert_eq!(
            verify_chain(&key(), renumbered, (seq, &hash)),
            Err(ChainBreak::PrevMismatch { seq: 2, id: "r3".into() })
        );

        // Swapping two records' positions (their sequence numbers).
        let mut swapped = rows.clone();
        swapped.swap(1, 2);
        swapped[1].record.seq = 2;
        swapped[2].record.seq = 3;
        assert!(matches!(verify_chain(&key(), swapped, (seq, &hash)), Err(ChainBreak::PrevMismatch { seq: 2, .. })));

        let mut cut = rows.clone();
        cut.pop();
        assert_eq!(verify_chain(&key(), cut, (seq, &hash)), Err(ChainBreak::HeadMismatch { head_seq: 5, last_seq: 4 }));

        // Someone who recomputes the chain without the key cannot make it verify.
        let wrong = AuditKey::from_bytes([8; 32]);
        assert!(matches!(verify_chain(&wrong, rows, (seq, &hash)), Err(ChainBreak::HashMismatch { seq: 1, .. })));
    }
}
