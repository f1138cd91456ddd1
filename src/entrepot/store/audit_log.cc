#include "entrepot/store/audit_log.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string_view>
#include <utility>

#include "entrepot/base/check.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/store/audit_log_storage.h"
#include "entrepot/store/fsync_path.h"

namespace entrepot::store {
namespace {

using privacy::AuditChainEnds;
using privacy::AuditHash;
using privacy::AuditKey;
using privacy::AuditRecord;

// The key file holds 64 hex digits and a newline; anything much longer is not a key file.
constexpr size_t kMaxKeyFileBytes = 256;

Status Unavailable(const std::string& what, int error) {
  return Error(StatusCode::kUnavailable, "audit_log_unavailable",
               what + ": " + std::strerror(error));
}

Status ReadOnly() {
  return Error(StatusCode::kFailedPrecondition, "audit_log_read_only",
               "the audit log was opened read-only");
}

Status SyncDirectory(const std::string& file) {
  std::string directory = std::filesystem::path(file).parent_path().string();
  if (const int error = FsyncPath(directory.empty() ? "." : directory, O_RDONLY | O_DIRECTORY);
      error != 0) {
    return Unavailable("sync " + directory, error);
  }
  return OkStatus();
}

// The key in `path`, or nullopt when there is no such file.
StatusOr<std::optional<AuditKey>> ReadKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return std::optional<AuditKey>();
    }
    return Unavailable("open " + path, errno);
  }
  struct stat info {};
  char buffer[kMaxKeyFileBytes];
  ssize_t size = -1;
  const bool stat_ok = ::fstat(fd, &info) == 0;
  if (stat_ok && S_ISREG(info.st_mode) && (info.st_mode & 077) == 0) {
    size = ::read(fd, buffer, sizeof(buffer));
  }
  const int error = errno;
  ::close(fd);
  if (!stat_ok) {
    return Unavailable("stat " + path, error);
  }
  if (!S_ISREG(info.st_mode)) {
    return Error(StatusCode::kDataLoss, "audit_key_corrupt", path + " is not a regular file");
  }
  if ((info.st_mode & 077) != 0) {
    return Error(StatusCode::kFailedPrecondition, "audit_key_insecure",
                 path + " is readable or writable by others than its owner: chmod 600 it");
  }
  if (size < 0) {
    return Unavailable("read " + path, error);
  }
  std::string_view text(buffer, static_cast<size_t>(size));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  std::optional<AuditHash> key = privacy::ParseAuditHashHex(text);
  sodium_memzero(buffer, sizeof(buffer));
  if (!key.has_value()) {
    return Error(StatusCode::kDataLoss, "audit_key_corrupt",
                 path + " does not hold a key (64 hex digits)");
  }
  return std::optional<AuditKey>(*key);
}

// Writes a new random key to `path` (mode 0600): under a temporary name, synced, then
// hard-linked into place, so `path` never holds half a key. When another process created
// `path` meanwhile, its key is used.
StatusOr<AuditKey> CreateKeyFile(const std::string& path) {
  if (sodium_init() < 0) {
    return Error(StatusCode::kInternal, "sodium_init_failed", "libsodium could not initialise");
  }
  AuditKey key;
  randombytes_buf(key.data(), key.size());
  const std::string temp = path + ".creating-" + std::to_string(::getpid());
  ::unlink(temp.c_str());  // Leftover of an interrupted attempt; never the key.
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Unavailable("create " + temp, errno);
  }
  const std::string text = privacy::AuditHashHex(key) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!written) {
    ::unlink(temp.c_str());
    return Unavailable("write " + temp, error);
  }
  const bool linked = ::link(temp.c_str(), path.c_str()) == 0;
  const int link_error = errno;
  ::unlink(temp.c_str());
  if (!linked && link_error != EEXIST) {
    return Unavailable("create " + path, link_error);
  }
  if (!linked) {
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<AuditKey> existing, ReadKeyFile(path));
    if (!existing.has_value()) {
      return Unavailable("read " + path, ENOENT);
    }
    return *existing;
  }
  ENTREPOT_RETURN_IF_ERROR(SyncDirectory(path));
  return key;
}

Status BadQuery(std::string message) {
  return Error(StatusCode::kInvalidArgument, "bad_query", std::move(message));
}

Status ValidateQuery(const AuditQuery& query) {
  if (query.limit == 0 || query.limit > AuditLog::kMaxPageSize) {
    return Error(StatusCode::kInvalidArgument, "bad_limit",
                 "limit must be 1 to " + std::to_string(AuditLog::kMaxPageSize) + ", not " +
                     std::to_string(query.limit));
  }
  for (const std::optional<std::string>* name : {&query.subject, &query.actor}) {
    if (name->has_value() && (*name)->size() > privacy::kMaxAuditNameBytes) {
      return BadQuery("a subject or actor is at most 64 bytes");
    }
  }
  if (query.from_ms && query.to_ms && *query.from_ms > *query.to_ms) {
    return BadQuery("from_ms is after to_ms");
  }
  if (query.cursor > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return BadQuery("the cursor is out of range");
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::optional<AuditKey>> LoadOrCreateAuditKey(const std::string& key_path, bool log_exists,
                                                       const AuditLogOptions& options) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<AuditKey> key, ReadKeyFile(key_path));
  if (key.has_value() || options.read_only) {
    return key;
  }
  if (log_exists) {
    return Error(StatusCode::kFailedPrecondition, "audit_key_missing",
                 "the key file " + key_path +
                     " is missing: restore it from a backup (a new key would make every record "
                     "look edited)");
  }
  ENTREPOT_ASSIGN_OR_RETURN(AuditKey created, CreateKeyFile(key_path));
  return std::optional<AuditKey>(created);
}

std::optional<AuditHash> AuditHashFromBytes(std::string_view bytes) {
  if (bytes.size() != privacy::kAuditHashBytes) {
    return std::nullopt;
  }
  AuditHash hash;
  std::memcpy(hash.data(), bytes.data(), hash.size());
  return hash;
}

StatusOr<StoredAuditRecord> MakeStoredAuditRecord(int64_t seq, int64_t at_ms,
                                                  const AuditRowText& text, std::string_view hash) {
  StoredAuditRecord row;
  AuditRecord& record = row.record;
  record.seq = static_cast<uint64_t>(seq);
  record.at_ms = at_ms;
  ENTREPOT_ASSIGN_OR_RETURN(record.actor_kind, privacy::ParsePrincipalKind(text.actor_kind));
  record.actor = std::string(text.actor);
  if (!text.actor_role.empty()) {
    ENTREPOT_ASSIGN_OR_RETURN(record.actor_role, privacy::ParseAuditRole(text.actor_role));
  }
  record.action = std::string(text.action);
  record.data_class = std::string(text.data_class);
  record.subject = std::string(text.subject);
  record.purpose = std::string(text.purpose);
  record.resource = std::string(text.resource);
  ENTREPOT_ASSIGN_OR_RETURN(record.outcome, privacy::ParseAuditOutcome(text.outcome));
  record.reason = std::string(text.reason);
  std::optional<AuditHash> stored = AuditHashFromBytes(hash);
  if (!stored.has_value()) {
    return Error(StatusCode::kInvalidArgument, "bad_audit_record",
                 "audit record: hash is not 32 bytes");
  }
  row.hash = *stored;
  return row;
}

AuditQuerySql BuildAuditQuerySql(const AuditQuery& query, std::string_view placeholder,
                                 int first_parameter) {
  AuditQuerySql sql;
  auto parameter = [&](std::variant<std::string, int64_t> value) {
    sql.parameters.push_back(std::move(value));
    return std::string(placeholder) +
           std::to_string(first_parameter + static_cast<int>(sql.parameters.size()) - 1);
  };
  if (query.subject) {
    sql.conditions += " AND subject IN (" + parameter(*query.subject) + ", '*')";
  }
  if (query.actor) {
    sql.conditions += " AND actor = " + parameter(*query.actor);
  }
  if (query.from_ms) {
    sql.conditions += " AND at_ms >= " + parameter(*query.from_ms);
  }
  if (query.to_ms) {
    sql.conditions += " AND at_ms < " + parameter(*query.to_ms);
  }
  if (query.cursor > 0) {
    sql.conditions += std::string(" AND seq ") + (query.newest_first ? "<" : ">") + " " +
                      parameter(static_cast<int64_t>(query.cursor));
  }
  // One more than the page: whether a next page exists, without a count.
  sql.order_limit = std::string(" ORDER BY seq ") + (query.newest_first ? "DESC" : "ASC") +
                    " LIMIT " + parameter(static_cast<int64_t>(query.limit + 1));
  return sql;
}

StatusOr<std::unique_ptr<AuditLog>> AuditLog::FromStorage(std::unique_ptr<AuditLogStorage> storage,
                                                          std::optional<AuditKey> key,
                                                          bool read_only) {
  // A private constructor: std::make_unique cannot reach it.
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(storage), key, read_only));
  if (!read_only) {
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> key_check, log->storage_->ReadKeyCheck());
    if (!key_check.has_value()) {
      return Error(StatusCode::kDataLoss, "audit_log_corrupt", "the log's key check is missing");
    }
    if (*key_check != log->KeyCheckHex()) {
      return Error(StatusCode::kFailedPrecondition, "audit_key_mismatch",
                   "the key file is not the key this log was written with: restore the right "
                   "audit.key");
    }
  }
  return log;
}

AuditLog::AuditLog(std::unique_ptr<AuditLogStorage> storage, std::optional<AuditKey> key,
                   bool read_only)
    : key_(key),
      read_only_(read_only),
      chain_(key.has_value() ? privacy::AuditChain(*key) : privacy::AuditChain()),
      storage_(std::move(storage)) {}

AuditLog::~AuditLog() = default;

const std::string& AuditLog::path() const { return storage_->location(); }

std::string AuditLog::KeyCheckHex() const {
  return key_.has_value() ? privacy::AuditHashHex(chain_.KeyCheck()) : "";
}

template <typename T, typename Body>
StatusOr<T> AuditLog::InWriteTransaction(Body body) {
  std::lock_guard lock(write_mutex_);
  // The storage's write transaction excludes the other writers (processes, nodes): the head
  // read inside it is the one this write chains to.
  ENTREPOT_RETURN_IF_ERROR(storage_->BeginWrite());
  StatusOr<T> result = body();
  if (!result.ok()) {
    storage_->AbortWrite();
    return result;
  }
  Status committed = storage_->CommitWrite();
  if (!committed.ok()) {
    storage_->AbortWrite();
    return committed;
  }
  return result;
}

StatusOr<uint64_t> AuditLog::AppendLocked(AuditRecord& record) {
  ENTREPOT_ASSIGN_OR_RETURN(AuditChainEnds ends, storage_->WriteEnds());
  record.seq = ends.head_seq + 1;
  const AuditHash hash = chain_.Next(ends.head_hash, record);
  ENTREPOT_RETURN_IF_ERROR(storage_->Insert(record, hash));
  ENTREPOT_RETURN_IF_ERROR(storage_->SetHead(record.seq, hash));
  return record.seq;
}

StatusOr<uint64_t> AuditLog::Append(AuditRecord record) {
  if (read_only_) {
    return ReadOnly();
  }
  ENTREPOT_RETURN_IF_ERROR(privacy::ValidateAuditRecord(record));
  return InWriteTransaction<uint64_t>([&] { return AppendLocked(record); });
}

Status AuditLog::VerifyPrefixLocked(uint64_t anchor_seq, const AuditHash& anchor_hash,
                                    uint64_t through_seq, AuditHash& through_hash) {
  AuditHash previous = anchor_hash;
  uint64_t expected = anchor_seq + 1;
  std::string why;
  ENTREPOT_RETURN_IF_ERROR(storage_->ScanRange(
      anchor_seq, through_seq, [&](uint64_t seq, const StatusOr<StoredAuditRecord>& row) {
        if (!row.ok()) {
          why = "is unreadable";
        } else if (seq != expected) {
          why = "is missing";
        } else if (chain_.Next(previous, row->record) != row->hash) {
          why = "does not match its hash";
        } else {
          previous = row->hash;
          ++expected;
        }
        return why.empty();
      }));
  if (why.empty() && expected != through_seq + 1) {
    why = "is missing";
  }
  if (!why.empty()) {
    return Error(StatusCode::kDataLoss, "audit_chain_broken",
                 "not pruning: record seq " + std::to_string(expected) + " " + why +
                     "; run `entrepot audit verify`");
  }
  through_hash = previous;
  return OkStatus();
}

StatusOr<AuditPruneResult> AuditLog::PruneLocked(int64_t before_ms, int64_t now_ms) {
  ENTREPOT_ASSIGN_OR_RETURN(AuditChainEnds ends, storage_->WriteEnds());
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<uint64_t> first_kept,
                            storage_->FirstSeqAtOrAfter(before_ms));
  const uint64_t through = first_kept.has_value() ? *first_kept - 1 : ends.head_seq;
  AuditPruneResult result;
  result.through_seq = std::max(through, ends.anchor_seq);
  if (result.through_seq > ends.anchor_seq) {
    AuditHash through_hash;
    ENTREPOT_RETURN_IF_ERROR(
        VerifyPrefixLocked(ends.anchor_seq, ends.anchor_hash, result.through_seq, through_hash));
    ENTREPOT_ASSIGN_OR_RETURN(result.pruned, storage_->DeleteThrough(result.through_seq));
    ENTREPOT_RETURN_IF_ERROR(storage_->SetAnchor(result.through_seq, through_hash));
  }
  AuditRecord record;
  record.at_ms = now_ms;
  record.actor_kind = privacy::PrincipalKind::kSystem;
  record.actor = std::string(privacy::kSystemActor);
  record.action = "prune";
  record.data_class = std::string(privacy::DataClassName(privacy::DataClass::kAuditLog));
  record.purpose = std::string(privacy::kRetentionPurpose);
  record.resource = privacy::PruneResource(result.through_seq, before_ms);
  ENTREPOT_ASSIGN_OR_RETURN(result.record_seq, AppendLocked(record));
  return result;
}

StatusOr<AuditPruneResult> AuditLog::PruneBefore(int64_t before_ms, int64_t now_ms) {
  if (read_only_) {
    return ReadOnly();
  }
  if (before_ms < 0 || before_ms > now_ms) {
    return Error(StatusCode::kInvalidArgument, "bad_prune_time",
                 "the prune cutoff must be between 0 and now");
  }
  return InWriteTransaction<AuditPruneResult>([&] { return PruneLocked(before_ms, now_ms); });
}

StatusOr<AuditPage> AuditLog::Query(const AuditQuery& query) {
  ENTREPOT_RETURN_IF_ERROR(ValidateQuery(query));
  AuditPage page;
  Status unreadable;
  std::lock_guard lock(read_mutex_);
  ENTREPOT_RETURN_IF_ERROR(
      storage_->QueryRows(query, [&](uint64_t seq, const StatusOr<StoredAuditRecord>& row) {
        if (page.records.size() == query.limit) {
          page.next_cursor = page.records.back().record.seq;
          return false;
        }
        if (!row.ok()) {
          unreadable = Error(StatusCode::kDataLoss, "audit_log_corrupt",
                             "record seq " + std::to_string(seq) + " cannot be read back (" +
                                 row.status().message() + "): run `entrepot audit verify`");
          return false;
        }
        page.records.push_back(*row);
        return true;
      }));
  ENTREPOT_RETURN_IF_ERROR(unreadable);
  return page;
}

StatusOr<privacy::AuditVerifyReport> AuditLog::Verify(
    std::optional<privacy::AuditCheckpoint> checkpoint) {
  if (!key_.has_value()) {
    return Error(StatusCode::kFailedPrecondition, "audit_key_missing",
                 "verifying the audit log needs its key file, audit.key");
  }
  std::optional<privacy::AuditChainVerifier> verifier;
  std::optional<privacy::AuditVerifyReport> mismatch;
  std::lock_guard lock(read_mutex_);
  // One snapshot: the head, the anchor and the records of one moment.
  ENTREPOT_RETURN_IF_ERROR(storage_->ReadAll(
      [&](const std::optional<std::string>& key_check, const AuditChainEnds& ends) {
        if (key_check != KeyCheckHex()) {
          mismatch.emplace();
          mismatch->broken = privacy::AuditBreak::kKeyMismatch;
          mismatch->anchor_seq = ends.anchor_seq;
          mismatch->message =
              "the key file is not the key this log was written with (the log's key_check "
              "differs): either audit.key was replaced or the log's key_check was edited";
          return false;
        }
        verifier.emplace(chain_, ends, checkpoint);
        return true;
      },
      [&](uint64_t seq, const StatusOr<StoredAuditRecord>& row) {
        if (row.ok()) {
          verifier->Add(row->record, row->hash);
        } else {
          verifier->AddUnreadable(seq, row.status().message());
        }
        return verifier->ok();
      }));
  if (mismatch.has_value()) {
    return *std::move(mismatch);
  }
  ENTREPOT_CHECK(verifier.has_value());
  return std::move(*verifier).Finish();
}

StatusOr<privacy::AuditCheckpoint> AuditLog::Head() {
  std::lock_guard lock(read_mutex_);
  ENTREPOT_ASSIGN_OR_RETURN(AuditChainEnds ends, storage_->ReadEnds());
  return privacy::AuditCheckpoint{ends.head_seq, ends.head_hash};
}

}  // namespace entrepot::store
