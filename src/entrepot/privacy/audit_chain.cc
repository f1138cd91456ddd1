#include "entrepot/privacy/audit_chain.h"

#include <sodium.h>

#include <charconv>
#include <chrono>
#include <utility>

#include "entrepot/base/check.h"

namespace entrepot::privacy {
namespace {

constexpr std::string_view kEncodingTag = "EAR1";
constexpr std::string_view kGenesisText = "entrepot audit genesis v1";
constexpr std::string_view kKeyCheckText = "entrepot audit key check v1";

Status BadRecord(std::string_view field, std::string_view why) {
  return Error(StatusCode::kInvalidArgument, "bad_audit_record",
               "audit record: " + std::string(field) + " " + std::string(why));
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '@' || c == '-';
}

// Logins ([A-Za-z0-9._@-], auth/) and device names ([A-Za-z0-9._-]) both fit.
bool IsName(std::string_view text) {
  if (text.empty() || text.size() > kMaxAuditNameBytes) {
    return false;
  }
  for (char c : text) {
    if (!IsNameChar(c)) {
      return false;
    }
  }
  return true;
}

// lower_snake_case tokens: actions (no digits) and Status reasons (digits allowed).
bool IsToken(std::string_view text, size_t max_bytes, bool digits) {
  if (text.empty() || text.size() > max_bytes) {
    return false;
  }
  for (char c : text) {
    if (!((c >= 'a' && c <= 'z') || c == '_' || (digits && c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

bool IsPrintable(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

bool IsDataClass(std::string_view name) {
  for (DataClass data : kAllDataClasses) {
    if (DataClassName(data) == name) {
      return true;
    }
  }
  return name == kAccountsDataClass;
}

bool IsPurpose(std::string_view name) {
  for (Purpose purpose : kAllPurposes) {
    if (PurposeName(purpose) == name) {
      return true;
    }
  }
  return name == kAccountAdministrationPurpose || name == kRetentionPurpose;
}

Status ValidateActor(const AuditRecord& record) {
  switch (record.actor_kind) {
    case PrincipalKind::kAnonymous:
      if (!record.actor.empty()) {
        return BadRecord("actor", "must be empty for an anonymous request");
      }
      break;
    case PrincipalKind::kSystem:
      if (record.actor != kSystemActor) {
        return BadRecord("actor", "must be \"entrepot\" for the system");
      }
      break;
    case PrincipalKind::kUser:
    case PrincipalKind::kDevice:
      if (!IsName(record.actor)) {
        return BadRecord("actor", "must be a login or device name of 1 to 64 [A-Za-z0-9._@-]");
      }
      break;
  }
  if (record.actor_role.has_value() != (record.actor_kind == PrincipalKind::kUser)) {
    return BadRecord("actor_role", "is required for a user and only for a user");
  }
  return OkStatus();
}

void AppendU32(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

void AppendU64(std::string& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

void AppendField(std::string& out, std::string_view field) {
  // Fields are bounded far below 4 GiB by ValidateAuditRecord; a longer one (an unvalidated
  // record read back from an edited file) is still encoded unambiguously up to that size.
  AppendU32(out, static_cast<uint32_t>(field.size()));
  out.append(field);
}

// BLAKE2b-256 of the concatenation of `parts`, keyed with `key` when given.
AuditHash Blake2b(const std::optional<AuditKey>& key,
                  std::initializer_list<std::string_view> parts) {
  crypto_generichash_state state;
  const unsigned char* key_bytes = key.has_value() ? key->data() : nullptr;
  const size_t key_size = key.has_value() ? key->size() : 0;
  // crypto_generichash fails only for out-of-range sizes, which are constants here.
  ENTREPOT_CHECK(crypto_generichash_init(&state, key_bytes, key_size, kAuditHashBytes) == 0);
  for (std::string_view part : parts) {
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(part.data()),
                              part.size());
  }
  AuditHash hash;
  ENTREPOT_CHECK(crypto_generichash_final(&state, hash.data(), hash.size()) == 0);
  return hash;
}

std::string_view HashBytes(const AuditHash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

std::string Range(uint64_t first, uint64_t last) {
  return first == last ? "seq " + std::to_string(first)
                       : "seqs " + std::to_string(first) + " to " + std::to_string(last);
}

}  // namespace

std::string_view PrincipalKindName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kUser:
      return "user";
    case PrincipalKind::kDevice:
      return "device";
    case PrincipalKind::kSystem:
      return "system";
    case PrincipalKind::kAnonymous:
      return "anonymous";
  }
  return "unknown";
}

std::string_view AuditOutcomeName(AuditOutcome outcome) {
  return outcome == AuditOutcome::kAllowed ? "allowed" : "refused";
}

StatusOr<PrincipalKind> ParsePrincipalKind(std::string_view name) {
  for (PrincipalKind kind : {PrincipalKind::kUser, PrincipalKind::kDevice, PrincipalKind::kSystem,
                             PrincipalKind::kAnonymous}) {
    if (PrincipalKindName(kind) == name) {
      return kind;
    }
  }
  return BadRecord("actor_kind",
                   "\"" + std::string(name) + "\" is not user, device, system or anonymous");
}

StatusOr<AuditOutcome> ParseAuditOutcome(std::string_view name) {
  for (AuditOutcome outcome : {AuditOutcome::kAllowed, AuditOutcome::kRefused}) {
    if (AuditOutcomeName(outcome) == name) {
      return outcome;
    }
  }
  return BadRecord("outcome", "\"" + std::string(name) + "\" is not allowed or refused");
}

StatusOr<Role> ParseAuditRole(std::string_view name) {
  for (Role role : kAllRoles) {
    if (RoleName(role) == name) {
      return role;
    }
  }
  return BadRecord("actor_role", "\"" + std::string(name) + "\" is not a role");
}

Status ValidateAuditRecord(const AuditRecord& record) {
  if (record.at_ms < 0) {
    return BadRecord("at_ms", "must not be negative");
  }
  if (Status actor = ValidateActor(record); !actor.ok()) {
    return actor;
  }
  if (!IsToken(record.action, kMaxAuditActionBytes, /*digits=*/false)) {
    return BadRecord("action", "must be 1 to 32 of [a-z_], e.g. \"read\"");
  }
  if (!IsDataClass(record.data_class)) {
    return BadRecord("data_class", "must be a data class of the policy or \"accounts\"");
  }
  if (!record.subject.empty() && record.subject != kEveryoneSubject && !IsName(record.subject)) {
    return BadRecord("subject", "must be empty, \"*\" or a login of 1 to 64 [A-Za-z0-9._@-]");
  }
  if (!record.purpose.empty() && !IsPurpose(record.purpose)) {
    return BadRecord("purpose",
                     "must be empty, a purpose of the policy, \"account_administration\" or "
                     "\"retention\"");
  }
  if (record.resource.empty() || record.resource.size() > kMaxAuditResourceBytes ||
      !IsPrintable(record.resource)) {
    return BadRecord("resource",
                     "must be 1 to 256 printable ASCII characters (see SanitizeAuditText)");
  }
  if (record.outcome == AuditOutcome::kAllowed && !record.reason.empty()) {
    return BadRecord("reason", "must be empty when the access was allowed");
  }
  if (record.outcome == AuditOutcome::kRefused &&
      !IsToken(record.reason, kMaxAuditNameBytes, /*digits=*/true)) {
    return BadRecord("reason", "must be the refusal's reason, 1 to 64 of [a-z0-9_]");
  }
  return OkStatus();
}

std::string SanitizeAuditText(std::string_view text, size_t max_bytes) {
  std::string out(text.substr(0, max_bytes));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) {
      c = '?';
    }
  }
  return out;
}

std::string EncodeAuditRecord(const AuditRecord& record) {
  std::string out;
  out.reserve(128 + record.actor.size() + record.subject.size() + record.resource.size());
  out.append(kEncodingTag);
  AppendU64(out, record.seq);
  AppendU64(out, static_cast<uint64_t>(record.at_ms));
  AppendField(out, PrincipalKindName(record.actor_kind));
  AppendField(out, record.actor);
  AppendField(out, record.actor_role.has_value() ? RoleName(*record.actor_role) : "");
  AppendField(out, record.action);
  AppendField(out, record.data_class);
  AppendField(out, record.subject);
  AppendField(out, record.purpose);
  AppendField(out, record.resource);
  AppendField(out, AuditOutcomeName(record.outcome));
  AppendField(out, record.reason);
  return out;
}

AuditHash AuditChain::Genesis() const { return Blake2b(key_, {kGenesisText}); }

AuditHash AuditChain::Next(const AuditHash& previous, std::string_view encoding) const {
  return Blake2b(key_, {HashBytes(previous), encoding});
}

AuditHash AuditChain::Next(const AuditHash& previous, const AuditRecord& record) const {
  return Next(previous, EncodeAuditRecord(record));
}

AuditHash AuditChain::KeyCheck() const {
  if (!key_.has_value()) {
    return AuditHash{};
  }
  return Blake2b(key_, {kKeyCheckText});
}

std::string AuditHashHex(const AuditHash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * hash.size());
  for (uint8_t byte : hash) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0xF]);
  }
  return hex;
}

std::optional<AuditHash> ParseAuditHashHex(std::string_view hex) {
  if (hex.size() != 2 * kAuditHashBytes) {
    return std::nullopt;
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  AuditHash hash;
  for (size_t i = 0; i < hash.size(); ++i) {
    const int high = nibble(hex[2 * i]);
    const int low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    hash[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return hash;
}

std::string PruneResource(uint64_t through_seq, int64_t before_ms) {
  return "seq<=" + std::to_string(through_seq) + " before_ms=" + std::to_string(before_ms);
}

std::optional<uint64_t> ParsePruneThrough(std::string_view resource) {
  constexpr std::string_view kPrefix = "seq<=";
  if (resource.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  const char* begin = resource.data() + kPrefix.size();
  const char* end = resource.data() + resource.size();
  uint64_t through = 0;
  auto [stop, error] = std::from_chars(begin, end, through);
  if (error != std::errc() || stop == begin || stop == end || *stop != ' ') {
    return std::nullopt;
  }
  return through;
}

int64_t AuditRetentionCutoffMs(int64_t now_ms, int64_t months) {
  ENTREPOT_CHECK(months >= 0 && months <= 1200);
  using std::chrono::days;
  using std::chrono::milliseconds;
  const std::chrono::sys_time<milliseconds> now{milliseconds{now_ms}};
  const auto day = std::chrono::floor<days>(now);
  std::chrono::year_month_day date{day};
  date -= std::chrono::months{months};
  if (!date.ok()) {
    date = date.year() / date.month() / std::chrono::last;
  }
  return (std::chrono::sys_days{date} + (now - day)).time_since_epoch().count();
}

std::string_view AuditBreakName(AuditBreak broken) {
  switch (broken) {
    case AuditBreak::kNone:
      return "none";
    case AuditBreak::kEdited:
      return "edited";
    case AuditBreak::kDeleted:
      return "deleted";
    case AuditBreak::kReordered:
      return "reordered";
    case AuditBreak::kTruncated:
      return "truncated";
    case AuditBreak::kHeadMismatch:
      return "head_mismatch";
    case AuditBreak::kAnchorMismatch:
      return "anchor_mismatch";
    case AuditBreak::kCheckpointMismatch:
      return "checkpoint_mismatch";
    case AuditBreak::kKeyMismatch:
      return "key_mismatch";
  }
  return "unknown";
}

StatusOr<AuditCheckpoint> ParseAuditCheckpoint(std::string_view text) {
  auto bad = [&] {
    return Error(StatusCode::kInvalidArgument, "bad_checkpoint",
                 "a checkpoint is SEQ:HASH, the seq and 64 hex digits that `entrepot audit "
                 "verify` prints, not \"" +
                     SanitizeAuditText(text, 100) + "\"");
  };
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return bad();
  }
  AuditCheckpoint checkpoint;
  auto [stop, error] = std::from_chars(text.data(), text.data() + colon, checkpoint.seq);
  if (error != std::errc() || stop != text.data() + colon) {
    return bad();
  }
  std::optional<AuditHash> hash = ParseAuditHashHex(text.substr(colon + 1));
  if (!hash.has_value()) {
    return bad();
  }
  checkpoint.hash = *hash;
  return checkpoint;
}

std::string FormatAuditCheckpoint(const AuditCheckpoint& checkpoint) {
  return std::to_string(checkpoint.seq) + ":" + AuditHashHex(checkpoint.hash);
}

AuditChainVerifier::AuditChainVerifier(AuditChain chain, AuditChainEnds ends,
                                       std::optional<AuditCheckpoint> checkpoint)
    : chain_(std::move(chain)),
      ends_(ends),
      checkpoint_(checkpoint),
      previous_(ends.anchor_hash),
      expected_seq_(ends.anchor_seq + 1) {
  report_.anchor_seq = ends.anchor_seq;
  report_.last_seq = ends.anchor_seq;
  report_.last_hash = ends.anchor_hash;
  if (ends.anchor_seq == 0 && ends.anchor_hash != chain_.Genesis()) {
    Break(AuditBreak::kAnchorMismatch, 1,
          "the chain's start is not the genesis hash of this key: the anchor was edited or the "
          "key is another log's");
    return;
  }
  if (checkpoint_.has_value() && checkpoint_->seq <= ends.anchor_seq) {
    checkpoint_checked_ = true;
    if (checkpoint_->seq < ends.anchor_seq) {
      report_.checkpoint_pruned = true;
    } else if (checkpoint_->hash != ends.anchor_hash) {
      Break(AuditBreak::kCheckpointMismatch, checkpoint_->seq,
            "the anchor (the last pruned record, seq " + std::to_string(ends.anchor_seq) +
                ") does not have the checkpoint's hash");
    }
  }
}

void AuditChainVerifier::Break(AuditBreak broken, uint64_t seq, std::string message) {
  if (!report_.intact()) {
    return;
  }
  report_.broken = broken;
  report_.broken_seq = seq;
  report_.message = std::move(message);
}

void AuditChainVerifier::Accept(const AuditRecord& record, const AuditHash& hash) {
  previous_ = hash;
  ++expected_seq_;
  ++report_.records;
  report_.last_seq = record.seq;
  report_.last_hash = hash;
  if (record.action == "prune" && record.actor_kind == PrincipalKind::kSystem) {
    last_prune_through_ = ParsePruneThrough(record.resource);
  }
  if (checkpoint_.has_value() && checkpoint_->seq == record.seq) {
    checkpoint_checked_ = true;
    if (checkpoint_->hash != hash) {
      Break(AuditBreak::kCheckpointMismatch, record.seq,
            "record seq " + std::to_string(record.seq) +
                " does not have the checkpoint's hash: the log was rebuilt or replaced since "
                "the checkpoint was taken");
    }
  }
}

// The record in pending_ does not chain. It is a reordering when the next record's content,
// put at the pending seq, chains from the previous hash to either stored hash (rows swapped
// with or without their hashes); otherwise the pending record was edited.
void AuditChainVerifier::Classify(const AuditRecord* next, const AuditHash* next_hash) {
  const Pending pending = *std::move(pending_);
  pending_.reset();
  const std::string seq = std::to_string(pending.record.seq);
  if (next != nullptr) {
    AuditRecord moved = *next;
    moved.seq = pending.record.seq;
    const AuditHash candidate = chain_.Next(previous_, moved);
    if (candidate == pending.stored_hash || candidate == *next_hash) {
      Break(AuditBreak::kReordered, pending.record.seq,
            "records seq " + seq + " and seq " + std::to_string(next->seq) +
                " hold each other's content: they were swapped");
      return;
    }
  }
  Break(AuditBreak::kEdited, pending.record.seq,
        "record seq " + seq +
            " does not match its hash: a field or the hash was changed after it was written");
}

void AuditChainVerifier::Add(const AuditRecord& record, const AuditHash& stored_hash) {
  if (pending_.has_value()) {
    Classify(&record, &stored_hash);
  }
  if (!report_.intact()) {
    return;
  }
  if (record.seq < expected_seq_) {
    Break(AuditBreak::kAnchorMismatch, record.seq,
          "record seq " + std::to_string(record.seq) + " is at or before the anchor (seq " +
              std::to_string(ends_.anchor_seq) + "): the anchor was moved");
    return;
  }
  if (record.seq > expected_seq_) {
    Break(AuditBreak::kDeleted, expected_seq_,
          "record " + Range(expected_seq_, record.seq - 1) + " deleted (seq " +
              std::to_string(record.seq) + " follows seq " + std::to_string(expected_seq_ - 1) +
              ")");
    return;
  }
  if (chain_.Next(previous_, record) == stored_hash) {
    Accept(record, stored_hash);
    return;
  }
  pending_ = Pending{record, stored_hash};
}

void AuditChainVerifier::AddUnreadable(uint64_t seq, std::string_view why) {
  if (pending_.has_value()) {
    Classify(nullptr, nullptr);
  }
  Break(AuditBreak::kEdited, seq,
        "record seq " + std::to_string(seq) + " was edited: " + std::string(why));
}

AuditVerifyReport AuditChainVerifier::Finish() && {
  if (pending_.has_value()) {
    Classify(nullptr, nullptr);
  }
  const uint64_t last = expected_seq_ - 1;
  if (report_.intact() && ends_.head_seq > last) {
    Break(AuditBreak::kTruncated, last + 1,
          "record " + Range(last + 1, ends_.head_seq) +
              " missing at the end (the log's head is seq " + std::to_string(ends_.head_seq) + ")");
  }
  if (report_.intact() && ends_.head_seq < last) {
    Break(AuditBreak::kHeadMismatch, ends_.head_seq + 1,
          "record " + Range(ends_.head_seq + 1, last) + " follows the log's head (seq " +
              std::to_string(ends_.head_seq) + "): written outside the log");
  }
  if (report_.intact() && ends_.head_hash != previous_) {
    Break(AuditBreak::kHeadMismatch, last,
          "the log's head does not have the hash of record seq " + std::to_string(last) +
              ": the last record or the head was replaced");
  }
  // Records are deleted from the start only by a prune, which then appends a record saying
  // how far it went: the last prune record must vouch for the anchor.
  if (report_.intact() && ends_.anchor_seq > 0 &&
      last_prune_through_.value_or(0) != ends_.anchor_seq) {
    Break(AuditBreak::kAnchorMismatch, ends_.anchor_seq,
          "the log starts after seq " + std::to_string(ends_.anchor_seq) +
              " but no retained prune record says so (the last says " +
              (last_prune_through_ ? "seq<=" + std::to_string(*last_prune_through_) : "nothing") +
              "): records were deleted from the start");
  }
  if (report_.intact() && checkpoint_.has_value() && !checkpoint_checked_) {
    Break(AuditBreak::kTruncated, last + 1,
          "the checkpoint names seq " + std::to_string(checkpoint_->seq) +
              " but the log ends at seq " + std::to_string(last) +
              ": records were removed at the end");
  }
  return std::move(report_);
}

}  // namespace entrepot::privacy
