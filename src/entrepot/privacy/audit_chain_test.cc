// The audit record's validation and encoding, the keyed hash chain, and the verifier that
// names the first break (RET-03: the access log is tamper-evident).
#include "entrepot/privacy/audit_chain.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace entrepot::privacy {
namespace {

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z.

AuditKey TestKey(uint8_t fill) {
  AuditKey key;
  key.fill(fill);
  return key;
}

AuditRecord Read(uint64_t seq, const std::string& actor, const std::string& subject) {
  AuditRecord record;
  record.seq = seq;
  record.at_ms = kT0 + static_cast<int64_t>(seq) * 1000;
  record.actor_kind = PrincipalKind::kUser;
  record.actor = actor;
  record.actor_role = Role::kSupervisor;
  record.action = "read";
  record.data_class = "labor_events";
  record.subject = subject;
  record.purpose = "flow_management";
  record.resource = "GET /api/v1/workers/" + subject + "/today";
  return record;
}

// A well-formed log: records 1..n and their hashes, as the store keeps them.
struct Log {
  AuditChain chain;
  std::vector<AuditRecord> records;
  std::vector<AuditHash> hashes;
  AuditChainEnds ends;
};

Log MakeLog(const AuditChain& chain, size_t n) {
  Log log{chain, {}, {}, {}};
  AuditHash previous = chain.Genesis();
  log.ends.anchor_hash = previous;
  for (size_t i = 1; i <= n; ++i) {
    AuditRecord record = Read(i, "sup" + std::to_string(i % 3), "worker" + std::to_string(i));
    previous = chain.Next(previous, record);
    log.records.push_back(record);
    log.hashes.push_back(previous);
  }
  log.ends.head_seq = n;
  log.ends.head_hash = previous;
  return log;
}

AuditVerifyReport VerifyLog(const Log& log, std::optional<AuditCheckpoint> checkpoint = {}) {
  AuditChainVerifier verifier(log.chain, log.ends, checkpoint);
  for (size_t i = 0; i < log.records.size() && verifier.ok(); ++i) {
    verifier.Add(log.records[i], log.hashes[i]);
  }
  return std::move(verifier).Finish();
}

TEST(AuditRecordTest, AWellFormedReadValidates) {
  EXPECT_TRUE(ValidateAuditRecord(Read(1, "sup1", "alice")).ok());
  AuditRecord refused = Read(1, "sup1", "alice");
  refused.outcome = AuditOutcome::kRefused;
  refused.reason = "forbidden";
  EXPECT_TRUE(ValidateAuditRecord(refused).ok());
  AuditRecord device = Read(1, "HH-07", "");
  device.actor_kind = PrincipalKind::kDevice;
  device.actor_role.reset();
  device.data_class = "accounts";
  device.purpose = "";
  EXPECT_TRUE(ValidateAuditRecord(device).ok());
  AuditRecord everyone = Read(1, "admin", std::string(kEveryoneSubject));
  everyone.purpose = std::string(kAccountAdministrationPurpose);
  everyone.data_class = std::string(kAccountsDataClass);
  EXPECT_TRUE(ValidateAuditRecord(everyone).ok());
}

TEST(AuditRecordTest, EachMalformedFieldIsRefusedByName) {
  struct Case {
    const char* field;
    void (*mutate)(AuditRecord&);
  };
  const Case cases[] = {
      {"at_ms", [](AuditRecord& r) { r.at_ms = -1; }},
      {"actor", [](AuditRecord& r) { r.actor = ""; }},
      {"actor", [](AuditRecord& r) { r.actor = "bob smith"; }},
      {"actor", [](AuditRecord& r) { r.actor = std::string(65, 'a'); }},
      {"actor",
       [](AuditRecord& r) {
         r.actor_kind = PrincipalKind::kSystem;
         r.actor_role.reset();
       }},
      {"actor",
       [](AuditRecord& r) {
         r.actor_kind = PrincipalKind::kAnonymous;
         r.actor_role.reset();
       }},
      {"actor_role", [](AuditRecord& r) { r.actor_role.reset(); }},
      {"actor_role", [](AuditRecord& r) { r.actor_kind = PrincipalKind::kDevice; }},
      {"action", [](AuditRecord& r) { r.action = ""; }},
      {"action", [](AuditRecord& r) { r.action = "Read"; }},
      {"data_class", [](AuditRecord& r) { r.data_class = "labour_events"; }},
      {"subject", [](AuditRecord& r) { r.subject = "al ice"; }},
      {"purpose", [](AuditRecord& r) { r.purpose = "curiosity"; }},
      {"resource", [](AuditRecord& r) { r.resource = ""; }},
      {"resource", [](AuditRecord& r) { r.resource = "GET /x\n"; }},
      {"resource", [](AuditRecord& r) { r.resource = std::string(257, 'x'); }},
      {"reason", [](AuditRecord& r) { r.reason = "forbidden"; }},
      {"reason", [](AuditRecord& r) { r.outcome = AuditOutcome::kRefused; }},
      {"reason",
       [](AuditRecord& r) {
         r.outcome = AuditOutcome::kRefused;
         r.reason = "Not allowed";
       }},
  };
  for (const Case& c : cases) {
    AuditRecord record = Read(1, "sup1", "alice");
    c.mutate(record);
    Status status = ValidateAuditRecord(record);
    EXPECT_EQ(status.reason(), "bad_audit_record") << c.field;
    EXPECT_NE(status.message().find(c.field), std::string::npos)
        << c.field << ": " << status.message();
  }
}

TEST(AuditRecordTest, SanitizeMakesAnyTextAValidResource) {
  std::string text = "GET /api/v1/users/\xC3\xA9\x01\n";
  text += std::string(500, 'x');
  const std::string clean = SanitizeAuditText(text);
  EXPECT_EQ(clean.size(), kMaxAuditResourceBytes);
  EXPECT_EQ(clean.substr(0, 22), "GET /api/v1/users/????");
  AuditRecord record = Read(1, "sup1", "alice");
  record.resource = clean;
  EXPECT_TRUE(ValidateAuditRecord(record).ok());
}

TEST(AuditRecordTest, NamesRoundTrip) {
  for (PrincipalKind kind : {PrincipalKind::kUser, PrincipalKind::kDevice, PrincipalKind::kSystem,
                             PrincipalKind::kAnonymous}) {
    EXPECT_EQ(*ParsePrincipalKind(PrincipalKindName(kind)), kind);
  }
  for (AuditOutcome outcome : {AuditOutcome::kAllowed, AuditOutcome::kRefused}) {
    EXPECT_EQ(*ParseAuditOutcome(AuditOutcomeName(outcome)), outcome);
  }
  for (Role role : kAllRoles) {
    EXPECT_EQ(*ParseAuditRole(RoleName(role)), role);
  }
  EXPECT_EQ(ParsePrincipalKind("robot").status().reason(), "bad_audit_record");
  EXPECT_EQ(ParseAuditOutcome("maybe").status().reason(), "bad_audit_record");
  EXPECT_EQ(ParseAuditRole("emperor").status().reason(), "bad_audit_record");
}

TEST(AuditEncodingTest, EveryFieldChangesTheEncoding) {
  const AuditRecord base = Read(7, "sup1", "alice");
  const std::string encoding = EncodeAuditRecord(base);
  EXPECT_EQ(encoding.substr(0, 4), "EAR1");
  std::vector<AuditRecord> variants(12, base);
  variants[0].seq = 8;
  variants[1].at_ms += 1;
  variants[2].actor_kind = PrincipalKind::kDevice;
  variants[3].actor = "sup2";
  variants[4].actor_role = Role::kHr;
  variants[5].action = "export";
  variants[6].data_class = "worker_weekly";
  variants[7].subject = "bob";
  variants[8].purpose = "coaching";
  variants[9].resource += "?";
  variants[10].outcome = AuditOutcome::kRefused;
  variants[11].reason = "x";
  for (size_t i = 0; i < variants.size(); ++i) {
    EXPECT_NE(EncodeAuditRecord(variants[i]), encoding) << "variant " << i;
  }
}

TEST(AuditEncodingTest, LengthPrefixesKeepFieldBoundaries) {
  // The same concatenated text split differently between two fields encodes differently.
  AuditRecord a = Read(1, "sup1", "alice");
  AuditRecord b = a;
  a.actor = "ab";
  a.subject = "c";
  b.actor = "a";
  b.subject = "bc";
  EXPECT_NE(EncodeAuditRecord(a), EncodeAuditRecord(b));
}

TEST(AuditChainTest, KeyedAndUnkeyedChainsDiffer) {
  const AuditChain plain;
  const AuditChain keyed(TestKey(1));
  const AuditChain other(TestKey(2));
  EXPECT_FALSE(plain.keyed());
  EXPECT_TRUE(keyed.keyed());
  EXPECT_NE(plain.Genesis(), keyed.Genesis());
  EXPECT_NE(keyed.Genesis(), other.Genesis());
  EXPECT_EQ(keyed.Genesis(), AuditChain(TestKey(1)).Genesis());  // Deterministic.
  const AuditRecord record = Read(1, "sup1", "alice");
  EXPECT_NE(keyed.Next(keyed.Genesis(), record), other.Next(keyed.Genesis(), record));
  EXPECT_EQ(plain.KeyCheck(), AuditHash{});
  EXPECT_NE(keyed.KeyCheck(), other.KeyCheck());
  EXPECT_NE(keyed.KeyCheck(), keyed.Genesis());
}

TEST(AuditChainTest, HashIsBlake2bOfPreviousAndEncoding) {
  // hash_i depends on hash_{i-1}: the same record after another head hashes differently.
  const AuditChain chain(TestKey(1));
  const AuditRecord record = Read(1, "sup1", "alice");
  const AuditHash first = chain.Next(chain.Genesis(), record);
  EXPECT_NE(chain.Next(first, record), first);
  EXPECT_EQ(chain.Next(chain.Genesis(), EncodeAuditRecord(record)), first);
}

TEST(AuditChainTest, HexRoundTripsAndRefusesGarbage) {
  const AuditHash hash = AuditChain(TestKey(9)).Genesis();
  const std::string hex = AuditHashHex(hash);
  EXPECT_EQ(hex.size(), 64u);
  EXPECT_EQ(ParseAuditHashHex(hex), hash);
  EXPECT_EQ(ParseAuditHashHex(hex.substr(1)), std::nullopt);
  EXPECT_EQ(ParseAuditHashHex(std::string(63, '0') + "g"), std::nullopt);
}

TEST(AuditChainTest, CheckpointsParseAndPrint) {
  const AuditCheckpoint checkpoint{42, AuditChain(TestKey(3)).Genesis()};
  StatusOr<AuditCheckpoint> parsed = ParseAuditCheckpoint(FormatAuditCheckpoint(checkpoint));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->seq, 42u);
  EXPECT_EQ(parsed->hash, checkpoint.hash);
  for (const char* bad : {"", "42", ":abc", "x:", "42:1234", "-1:00"}) {
    EXPECT_EQ(ParseAuditCheckpoint(bad).status().reason(), "bad_checkpoint") << bad;
  }
}

TEST(AuditChainTest, PruneResourceRoundTrips) {
  EXPECT_EQ(ParsePruneThrough(PruneResource(17, kT0)), 17u);
  EXPECT_EQ(ParsePruneThrough(PruneResource(0, 0)), 0u);
  EXPECT_EQ(ParsePruneThrough("seq<=17"), std::nullopt);
  EXPECT_EQ(ParsePruneThrough("GET /api/v1/me"), std::nullopt);
  EXPECT_EQ(ParsePruneThrough("seq<=x before_ms=1"), std::nullopt);
}

TEST(AuditRetentionTest, CutoffIsCalendarMonthsBack) {
  // 2026-08-31T12:00Z minus 6 months: 2026-02-28T12:00Z (clamped to the end of February).
  const int64_t now = 1'788'177'600'000;
  EXPECT_EQ(AuditRetentionCutoffMs(now, 6), 1'772'280'000'000);
  // 2026-01-01T00:00Z minus 6 months: 2025-07-01T00:00Z.
  EXPECT_EQ(AuditRetentionCutoffMs(kT0, 6), 1'751'328'000'000);
  EXPECT_EQ(AuditRetentionCutoffMs(kT0, 0), kT0);
}

// RET-03: each kind of tampering is named, at the right seq.
class AuditVerifierTest : public ::testing::TestWithParam<bool> {
 protected:
  AuditChain Chain() const { return GetParam() ? AuditChain(TestKey(7)) : AuditChain(); }
};

TEST_P(AuditVerifierTest, AnIntactLogVerifies) {
  const Log log = MakeLog(Chain(), 10);
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_TRUE(report.intact()) << report.message;
  EXPECT_EQ(report.records, 10u);
  EXPECT_EQ(report.last_seq, 10u);
  EXPECT_EQ(report.last_hash, log.ends.head_hash);
}

TEST_P(AuditVerifierTest, AnEmptyLogVerifies) {
  const Log log = MakeLog(Chain(), 0);
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_TRUE(report.intact()) << report.message;
  EXPECT_EQ(report.records, 0u);
}

TEST_P(AuditVerifierTest, AnEditedFieldIsFoundAtItsRecord) {
  Log log = MakeLog(Chain(), 10);
  log.records[4].purpose = "discipline";  // seq 5.
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_EQ(report.broken, AuditBreak::kEdited);
  EXPECT_EQ(report.broken_seq, 5u);
  EXPECT_EQ(report.records, 4u);
}

TEST_P(AuditVerifierTest, AnEditedLastRecordIsFound) {
  Log log = MakeLog(Chain(), 10);
  log.records[9].subject = "someone_else";
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_EQ(report.broken, AuditBreak::kEdited);
  EXPECT_EQ(report.broken_seq, 10u);
}

TEST_P(AuditVerifierTest, AnEditedHashIsFound) {
  Log log = MakeLog(Chain(), 10);
  log.hashes[2][0] ^= 1;
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_EQ(report.broken, AuditBreak::kEdited);
  EXPECT_EQ(report.broken_seq, 3u);
}

TEST_P(AuditVerifierTest, ADeletedMiddleRecordIsFound) {
  Log log = MakeLog(Chain(), 10);
  log.records.erase(log.records.begin() + 5);  // seq 6.
  log.hashes.erase(log.hashes.begin() + 5);
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_EQ(report.broken, AuditBreak::kDeleted);
  EXPECT_EQ(report.broken_seq, 6u);
  EXPECT_NE(report.message.find("seq 6 deleted"), std::string::npos) << report.message;
}

TEST_P(AuditVerifierTest, ADeletedFirstRecordIsFound) {
  Log log = MakeLog(Chain(), 5);
  log.records.erase(log.records.begin());
  log.hashes.erase(log.hashes.begin());
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_EQ(report.broken, AuditBreak::kDeleted);
  EXPECT_EQ(report.broken_seq, 1u);
}

TEST_P(AuditVerifierTest, ASwappedPairWithItsHashesIsFoundAsReordered) {
  // The rows trade places: seq 4 holds record 5 with its hash, and the other way round.
  Log log = MakeLog(Chain(), 10);
  std::swap(log.records[3], log.records[4]);
  std::swap(log.hashes[3], log.hashes[4]);
  std::swap(log.records[3].seq, log.records[4].seq);
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_EQ(report.broken, AuditBreak::kReordered);
  EXPECT_EQ(report.broken_seq, 4u);
}

TEST_P(AuditVerifierTest, ASwappedPairWithoutItsHashesIsFoundAsReordered) {
  // Only the contents trade places; each seq keeps its hash.
  Log log = MakeLog(Chain(), 10);
  std::swap(log.records[6], log.records[7]);
  std::swap(log.records[6].seq, log.records[7].seq);
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_EQ(report.broken, AuditBreak::kReordered);
  EXPECT_EQ(report.broken_seq, 7u);
}

TEST_P(AuditVerifierTest, ATruncatedTailIsFoundAgainstTheHead) {
  Log log = MakeLog(Chain(), 10);
  log.records.resize(8);
  log.hashes.resize(8);
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_EQ(report.broken, AuditBreak::kTruncated);
  EXPECT_EQ(report.broken_seq, 9u);
  EXPECT_NE(report.message.find("seqs 9 to 10 missing at the end"), std::string::npos)
      << report.message;
}

TEST_P(AuditVerifierTest, AHeadMovedBackWithTheTailIsCaughtByACheckpoint) {
  // Whoever deletes the tail and rewinds the head too leaves a consistent file; a checkpoint
  // copied out of the log earlier still catches it.
  Log log = MakeLog(Chain(), 10);
  const AuditCheckpoint checkpoint{10, log.ends.head_hash};
  log.records.resize(8);
  log.hashes.resize(8);
  log.ends.head_seq = 8;
  log.ends.head_hash = log.hashes.back();
  EXPECT_TRUE(VerifyLog(log).intact());
  const AuditVerifyReport report = VerifyLog(log, checkpoint);
  EXPECT_EQ(report.broken, AuditBreak::kTruncated);
  EXPECT_EQ(report.broken_seq, 9u);
}

TEST_P(AuditVerifierTest, ACheckpointThatMatchesPasses) {
  const Log log = MakeLog(Chain(), 10);
  EXPECT_TRUE(VerifyLog(log, AuditCheckpoint{6, log.hashes[5]}).intact());
  const AuditVerifyReport report = VerifyLog(log, AuditCheckpoint{6, log.hashes[4]});
  EXPECT_EQ(report.broken, AuditBreak::kCheckpointMismatch);
  EXPECT_EQ(report.broken_seq, 6u);
}

TEST_P(AuditVerifierTest, RecordsAfterTheHeadAreFound) {
  Log log = MakeLog(Chain(), 10);
  log.ends.head_seq = 9;
  log.ends.head_hash = log.hashes[8];
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_EQ(report.broken, AuditBreak::kHeadMismatch);
  EXPECT_EQ(report.broken_seq, 10u);
}

TEST_P(AuditVerifierTest, AHeadWithAnotherHashIsFound) {
  Log log = MakeLog(Chain(), 10);
  log.ends.head_hash = log.hashes[3];
  EXPECT_EQ(VerifyLog(log).broken, AuditBreak::kHeadMismatch);
}

TEST_P(AuditVerifierTest, AnUnreadableRowIsAnEdit) {
  const Log log = MakeLog(Chain(), 5);
  AuditChainVerifier verifier(log.chain, log.ends);
  verifier.Add(log.records[0], log.hashes[0]);
  verifier.AddUnreadable(2, "actor_role \"emperor\" is not a role");
  EXPECT_FALSE(verifier.ok());
  const AuditVerifyReport report = std::move(verifier).Finish();
  EXPECT_EQ(report.broken, AuditBreak::kEdited);
  EXPECT_EQ(report.broken_seq, 2u);
  EXPECT_NE(report.message.find("emperor"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(KeyedAndUnkeyed, AuditVerifierTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "Keyed" : "Unkeyed";
                         });

// A log pruned through `through`: the anchor is the last pruned record, and a prune record
// (appended after the prune) vouches for it.
Log PrunedLog(const AuditChain& chain, size_t n, size_t through) {
  Log log = MakeLog(chain, n);
  AuditRecord prune;
  prune.seq = n + 1;
  prune.at_ms = kT0 + 1'000'000;
  prune.actor_kind = PrincipalKind::kSystem;
  prune.actor = std::string(kSystemActor);
  prune.action = "prune";
  prune.data_class = "audit_log";
  prune.purpose = std::string(kRetentionPurpose);
  prune.resource = PruneResource(through, kT0 + 500'000);
  EXPECT_TRUE(ValidateAuditRecord(prune).ok());
  log.ends.head_hash = chain.Next(log.ends.head_hash, prune);
  log.ends.head_seq = n + 1;
  log.records.push_back(prune);
  log.hashes.push_back(log.ends.head_hash);
  log.ends.anchor_seq = through;
  log.ends.anchor_hash = log.hashes[through - 1];
  log.records.erase(log.records.begin(), log.records.begin() + static_cast<long>(through));
  log.hashes.erase(log.hashes.begin(), log.hashes.begin() + static_cast<long>(through));
  return log;
}

TEST(AuditPruneVerifyTest, APrunedLogVerifiesFromItsAnchor) {
  const Log log = PrunedLog(AuditChain(TestKey(5)), 10, 4);
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_TRUE(report.intact()) << report.message;
  EXPECT_EQ(report.anchor_seq, 4u);
  EXPECT_EQ(report.records, 7u);  // Seqs 5..10 and the prune record 11.
}

TEST(AuditPruneVerifyTest, RecordsDeletedFromTheStartWithoutAPruneAreFound) {
  // Delete seqs 1..3 and move the anchor as a prune would, but without a prune record.
  Log log = MakeLog(AuditChain(TestKey(5)), 10);
  log.ends.anchor_seq = 3;
  log.ends.anchor_hash = log.hashes[2];
  log.records.erase(log.records.begin(), log.records.begin() + 3);
  log.hashes.erase(log.hashes.begin(), log.hashes.begin() + 3);
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_EQ(report.broken, AuditBreak::kAnchorMismatch);
  EXPECT_EQ(report.broken_seq, 3u);
}

TEST(AuditPruneVerifyTest, MoreRecordsDeletedThanThePruneSaysAreFound) {
  // A prune through 4, then records 5 and 6 deleted and the anchor moved to 6.
  Log log = PrunedLog(AuditChain(TestKey(5)), 10, 4);
  log.ends.anchor_seq = 6;
  log.ends.anchor_hash = log.hashes[1];
  log.records.erase(log.records.begin(), log.records.begin() + 2);
  log.hashes.erase(log.hashes.begin(), log.hashes.begin() + 2);
  EXPECT_EQ(VerifyLog(log).broken, AuditBreak::kAnchorMismatch);
}

TEST(AuditPruneVerifyTest, AnEditedAnchorHashIsFoundAtTheFirstRecord) {
  Log log = PrunedLog(AuditChain(TestKey(5)), 10, 4);
  log.ends.anchor_hash[0] ^= 1;
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_EQ(report.broken, AuditBreak::kEdited);
  EXPECT_EQ(report.broken_seq, 5u);
}

TEST(AuditPruneVerifyTest, ACheckpointBeforeTheAnchorIsReportedUnchecked) {
  const Log log = PrunedLog(AuditChain(TestKey(5)), 10, 4);
  const AuditVerifyReport report = VerifyLog(log, AuditCheckpoint{2, AuditHash{}});
  EXPECT_TRUE(report.intact()) << report.message;
  EXPECT_TRUE(report.checkpoint_pruned);
}

TEST(AuditPruneVerifyTest, AGenesisThatIsNotThisKeysIsFound) {
  Log log = MakeLog(AuditChain(TestKey(5)), 3);
  log.chain = AuditChain(TestKey(6));
  const AuditVerifyReport report = VerifyLog(log);
  EXPECT_EQ(report.broken, AuditBreak::kAnchorMismatch);
}

// Without the key, an attacker who edits a record and rebuilds the chain after it (here
// with another key, or unkeyed) produces hashes that do not verify under the real key.
TEST(AuditForgeryTest, ARechainedLogDoesNotVerifyUnderTheRealKey) {
  const AuditChain real(TestKey(7));
  Log log = MakeLog(real, 10);
  for (const AuditChain& forger : {AuditChain(), AuditChain(TestKey(8))}) {
    Log forged = log;
    forged.records[2].subject = "nobody";
    AuditHash previous = real.Genesis();
    for (size_t i = 0; i < forged.records.size(); ++i) {
      // The forger keeps the real hashes before the edit, and rebuilds from there.
      previous = i < 2 ? log.hashes[i] : forger.Next(previous, forged.records[i]);
      forged.hashes[i] = previous;
    }
    forged.ends.head_hash = previous;
    const AuditVerifyReport report = VerifyLog(forged);
    EXPECT_EQ(report.broken, AuditBreak::kEdited);
    EXPECT_EQ(report.broken_seq, 3u);
    // The same rebuild under the real key would pass: the key is what stops it.
    forged.chain = forger;
    forged.ends.anchor_hash = forger.Genesis();
    AuditHash rebuilt = forger.Genesis();
    for (size_t i = 0; i < forged.records.size(); ++i) {
      rebuilt = forger.Next(rebuilt, forged.records[i]);
      forged.hashes[i] = rebuilt;
    }
    forged.ends.head_hash = rebuilt;
    EXPECT_TRUE(VerifyLog(forged).intact());
  }
}

}  // namespace
}  // namespace entrepot::privacy
