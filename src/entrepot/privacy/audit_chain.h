// File: audit_chain.h
//
// The audit record (who read or changed whose personal data, for what, with what outcome)
// and the hash chain that makes the audit log tamper-evident (RET-03, DSR-01; docs/AUDIT.md).
//
//   encoding_i = the canonical bytes of record i (EncodeAuditRecord; its seq included)
//   hash_0     = BLAKE2b-256(key = K, "entrepot audit genesis v1")
//   hash_i     = BLAKE2b-256(key = K, hash_{i-1} || encoding_i)
//
// K is the log's 32-byte secret key (store::AuditLog keeps it in DIR/audit.key): keyed
// BLAKE2b is a MAC, so whoever can write the log but not read the key cannot rebuild a
// valid chain after an edit. Without a key (tests, or a caller that wants a plain hash
// chain) BLAKE2b is unkeyed and the chain only detects edits made without recomputing it.
//
// AuditChainVerifier walks stored records in seq order and names the first break: an
// edited record, deleted records, a reordered pair, records missing at the end (against the
// head the log keeps), a moved anchor (records deleted from the start without the prune
// record that must vouch for it), or an external checkpoint that does not match.
//
// Pure: no I/O, no clock (times are parameters). Hashing is libsodium's crypto_generichash.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "entrepot/base/status.h"
#include "entrepot/privacy/policy.h"

namespace entrepot::privacy {

inline constexpr size_t kAuditHashBytes = 32;
inline constexpr size_t kAuditKeyBytes = 32;
using AuditHash = std::array<uint8_t, kAuditHashBytes>;
using AuditKey = std::array<uint8_t, kAuditKeyBytes>;

// Who acted.
enum class PrincipalKind {
  kUser,       // "user": a person's login (auth::Principal::Kind::kUser).
  kDevice,     // "device": a registered handheld, by its name; a device is not a person.
  kSystem,     // "system": Entrepôt itself (retention jobs, the prune of this log).
  kAnonymous,  // "anonymous": an unauthenticated request; the actor is empty.
};

enum class AuditOutcome {
  kAllowed,  // "allowed".
  kRefused,  // "refused": the record's reason says why (the Status reason returned).
};

// "user", "device", "system", "anonymous" / "allowed", "refused"; and back. The parsers
// return kInvalidArgument "bad_audit_record" for any other text.
std::string_view PrincipalKindName(PrincipalKind kind);
std::string_view AuditOutcomeName(AuditOutcome outcome);
StatusOr<PrincipalKind> ParsePrincipalKind(std::string_view name);
StatusOr<AuditOutcome> ParseAuditOutcome(std::string_view name);
// The inverse of RoleName (policy.h); kInvalidArgument "bad_audit_record" otherwise.
StatusOr<Role> ParseAuditRole(std::string_view name);

// The data class of account records (logins, names, roles, scopes, badges: auth/), which the
// policy does not list among its data classes.
inline constexpr std::string_view kAccountsDataClass = "accounts";
// Purposes a record may carry besides the policy's (PurposeName): an administrator managing
// accounts, and the retention jobs.
inline constexpr std::string_view kAccountAdministrationPurpose = "account_administration";
inline constexpr std::string_view kRetentionPurpose = "retention";
// The subject of a read that covers everyone at the site (the list of users): Query by
// subject (store::AuditLog) finds these records for every person.
inline constexpr std::string_view kEveryoneSubject = "*";
// The actor of kSystem records.
inline constexpr std::string_view kSystemActor = "entrepot";

// Limits (ValidateAuditRecord).
inline constexpr size_t kMaxAuditNameBytes = 64;       // actor, subject, reason, purpose.
inline constexpr size_t kMaxAuditActionBytes = 32;     // action.
inline constexpr size_t kMaxAuditResourceBytes = 256;  // resource.

// One audited access. RET-03: minimal personal data: logins and device names, never a
// display name, a badge or a body.
struct AuditRecord {
  uint64_t seq = 0;   // Position in the log, from 1; set by the log when appended.
  int64_t at_ms = 0;  // When (Unix milliseconds, the caller's clock); >= 0.
  PrincipalKind actor_kind = PrincipalKind::kUser;
  std::string actor;               // A login or device name, kSystemActor, or "" when anonymous.
  std::optional<Role> actor_role;  // Set for users, and only for them.
  std::string action;      // What was done: "read", "export", "update", "create", "prune", ...
  std::string data_class;  // DataClassName(...) or kAccountsDataClass.
  std::string subject;     // The login of the person whose data it is; kEveryoneSubject for
                           // everyone; "" when no person's data (an operational read).
  std::string purpose;     // The declared purpose: PurposeName(...), or one of the two extra
                           // purposes above; "" when none was declared.
  std::string resource;    // What was asked: "GET /api/v1/users/alice".
  AuditOutcome outcome = AuditOutcome::kAllowed;
  std::string reason;  // Refused: the stable reason ("forbidden"); allowed: "".
  friend bool operator==(const AuditRecord&, const AuditRecord&) = default;
};

// OK when `record` can be written: kInvalidArgument "bad_audit_record" naming the field when
//  - at_ms < 0;
//  - actor is not 1..kMaxAuditNameBytes of [A-Za-z0-9._@-] (empty, and only empty, for
//    kAnonymous; kSystemActor for kSystem);
//  - actor_role is absent for a user or present for anything else;
//  - action is not 1..kMaxAuditActionBytes of [a-z_];
//  - data_class is not a policy data class name or kAccountsDataClass;
//  - subject is not "", kEveryoneSubject or a name as actor;
//  - purpose is not "", a policy purpose name or one of the two extra purposes;
//  - resource is not 1..kMaxAuditResourceBytes of printable ASCII (0x20..0x7e);
//  - reason is not "" for kAllowed, or not 1..kMaxAuditNameBytes of [a-z0-9_] for kRefused.
// seq is not checked (the log sets it).
Status ValidateAuditRecord(const AuditRecord& record);

// `text` made fit for a free field: bytes outside printable ASCII become '?', and the text
// is cut to `max_bytes`. For resources built from untrusted input (a request path).
std::string SanitizeAuditText(std::string_view text, size_t max_bytes = kMaxAuditResourceBytes);

// The canonical encoding: "EAR1", seq (u64 little-endian), at_ms (i64 little-endian), then
// actor kind name, actor, role name or "", action, data class, subject, purpose, resource,
// outcome name, reason, each as a u32 little-endian length and its bytes. Enumerations are
// encoded by name, so the encoding does not depend on the order of C++ enumerators.
std::string EncodeAuditRecord(const AuditRecord& record);

// The chain's hash function, keyed (a MAC) or not. Cheap to copy.
class AuditChain {
 public:
  // Unkeyed BLAKE2b-256.
  AuditChain() = default;
  // BLAKE2b-256 keyed with `key`.
  explicit AuditChain(const AuditKey& key) : key_(key) {}

  bool keyed() const { return key_.has_value(); }
  // hash_0.
  AuditHash Genesis() const;
  // BLAKE2b-256(key, previous || encoding).
  AuditHash Next(const AuditHash& previous, std::string_view encoding) const;
  // Next(previous, EncodeAuditRecord(record)).
  AuditHash Next(const AuditHash& previous, const AuditRecord& record) const;
  // A public fingerprint of the key (BLAKE2b-256 keyed with it over a fixed text), kept
  // beside the log so that a wrong key is told apart from tampering; all zeros unkeyed.
  AuditHash KeyCheck() const;

 private:
  std::optional<AuditKey> key_;
};

// Lower-case hex of a hash, and back (nullopt unless exactly 64 hex digits).
std::string AuditHashHex(const AuditHash& hash);
std::optional<AuditHash> ParseAuditHashHex(std::string_view hex);

// The resource of a prune record: "seq<=N before_ms=T" (the log's records up to seq N,
// all before T, were deleted); and N back from it (nullopt when not of that form).
std::string PruneResource(uint64_t through_seq, int64_t before_ms);
std::optional<uint64_t> ParsePruneThrough(std::string_view resource);

// The retention cutoff of the audit log (RET-03, retention.audit_log_months): `now_ms` minus
// `months` calendar months, UTC, the day clamped to the end of a shorter month (31 August
// minus 6 months is 28 or 29 February). REQUIRES: 0 <= months <= 1200.
int64_t AuditRetentionCutoffMs(int64_t now_ms, int64_t months);

// What breaks a chain, with its stable name (AuditBreakName) in parentheses.
enum class AuditBreak {
  kNone,                // "none": intact.
  kEdited,              // "edited": a record's fields or hash do not match the chain.
  kDeleted,             // "deleted": seqs are missing before a retained record.
  kReordered,           // "reordered": a record holds the content of its neighbour.
  kTruncated,           // "truncated": records are missing at the end (head or checkpoint).
  kHeadMismatch,        // "head_mismatch": the head names another hash, or records follow it.
  kAnchorMismatch,      // "anchor_mismatch": records were removed from the start without
                        // the prune record that vouches for it, or the anchor was moved.
  kCheckpointMismatch,  // "checkpoint_mismatch": the external checkpoint's hash differs.
  kKeyMismatch,         // "key_mismatch": the key is not the one the log was written with
                        // (found by the log's key check, before any record).
};
std::string_view AuditBreakName(AuditBreak broken);

// A (seq, hash) pair copied out of the log (`entrepot audit verify` prints the head), to be
// checked later: "SEQ:HEX". ParseAuditCheckpoint returns kInvalidArgument "bad_checkpoint".
struct AuditCheckpoint {
  uint64_t seq = 0;
  AuditHash hash{};
};
StatusOr<AuditCheckpoint> ParseAuditCheckpoint(std::string_view text);
std::string FormatAuditCheckpoint(const AuditCheckpoint& checkpoint);

// Where verification starts (the last pruned record, or seq 0 with the genesis hash) and
// where the log says it ends.
struct AuditChainEnds {
  uint64_t anchor_seq = 0;
  AuditHash anchor_hash{};
  uint64_t head_seq = 0;
  AuditHash head_hash{};
};

struct AuditVerifyReport {
  AuditBreak broken = AuditBreak::kNone;
  uint64_t broken_seq = 0;         // The first record that fails (or the first missing seq).
  std::string message;             // What is wrong, for a person; empty when intact.
  uint64_t records = 0;            // Records that verified before the break (all, when intact).
  uint64_t anchor_seq = 0;         // Records up to it were pruned.
  uint64_t last_seq = 0;           // The last verified seq (the anchor when none verified).
  AuditHash last_hash{};           // Its hash: with last_seq, the checkpoint to copy elsewhere.
  bool checkpoint_pruned = false;  // The checkpoint was at or before the anchor: unchecked.
  bool intact() const { return broken == AuditBreak::kNone; }
};

// Checks stored records against the chain. Feed every retained record in ascending seq
// order (Add, or AddUnreadable for a row whose fields cannot be read back), then Finish.
// After the first break the rest is ignored.
class AuditChainVerifier {
 public:
  AuditChainVerifier(AuditChain chain, AuditChainEnds ends,
                     std::optional<AuditCheckpoint> checkpoint = std::nullopt);

  // `record` as stored (with its seq) and the hash stored beside it.
  void Add(const AuditRecord& record, const AuditHash& stored_hash);
  // A stored row that is not a valid record (an unknown name in a column): edited.
  void AddUnreadable(uint64_t seq, std::string_view why);
  // False once a break was found: the caller may stop feeding. (A record that does not chain
  // is held until the next one tells an edit from a swap, so ok() may turn false one call
  // late.)
  bool ok() const { return report_.intact(); }
  // The report; checks the head, the anchor and the checkpoint against what was fed.
  AuditVerifyReport Finish() &&;

 private:
  struct Pending {
    AuditRecord record;
    AuditHash stored_hash;
  };
  void Break(AuditBreak broken, uint64_t seq, std::string message);
  void Classify(const AuditRecord* next, const AuditHash* next_hash);
  void Accept(const AuditRecord& record, const AuditHash& hash);

  AuditChain chain_;
  AuditChainEnds ends_;
  std::optional<AuditCheckpoint> checkpoint_;
  AuditHash previous_;
  uint64_t expected_seq_;
  std::optional<Pending> pending_;
  std::optional<uint64_t> last_prune_through_;
  bool checkpoint_checked_ = false;
  AuditVerifyReport report_;
};

}  // namespace entrepot::privacy
